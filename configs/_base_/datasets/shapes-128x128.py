# Procedural Shapes (square / ellipse / triangle), rendered on the fly.
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ShapesDataset', resolution=128, num_samples=50000,
                 seed=0),
)
