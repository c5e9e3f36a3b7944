# Conditional DCGAN on the bundled digits, AC-GAN style (see the Shapes
# config): one row per digit in the grids.
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/digits-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    type='ConditionalGAN',
    generator=dict(z_dim=64, base_channels=32, out_channels=1,
                   cat_dims=[10]),
    discriminator=dict(type='ACGANDiscriminator', num_classes=10,
                       base_channels=32, in_channels=1),
    classifier_weight=1.0)
