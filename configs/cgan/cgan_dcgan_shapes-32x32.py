# Conditional DCGAN: the shape class (3) as a one-hot for G and D.
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/shapes-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    type='ConditionalGAN',
    generator=dict(z_dim=64, base_channels=32, cat_dims=[3]),
    discriminator=dict(base_channels=32, c_dim=3))
