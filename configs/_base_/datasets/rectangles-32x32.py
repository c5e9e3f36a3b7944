# GCert's ablation data: one white filled rectangle on black, translated by
# up to +-8 px and scaled 0.5-1.5, gray, rendered on the fly.
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='RectangleDataset', resolution=32, num_samples=50000,
                 seed=0, shift=8.0, scale_range=(0.5, 1.5), channels=1),
)
