# scikit-learn's bundled handwritten digits, upsampled to 32 px, gray.
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='DigitsDataset', resolution=32, channels=1),
)
