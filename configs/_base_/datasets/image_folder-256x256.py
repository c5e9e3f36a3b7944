# A folder of your own images at 256 px; set the root on the command line:
#   --cfg-options train_dataloader.dataset.root=/path/to/images
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ImageFolderDataset', root='data/images',
                 resolution=256, labels='auto', xflip=False),
)
