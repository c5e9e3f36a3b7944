# Conditional DCGAN on Shapes, AC-GAN style: G gets the shape class (3) as
# a one-hot; D has an auxiliary classifier trained on the labels of real
# images only (classifier_weight), and G is trained to draw images that it
# classifies as the requested class. (D taking the one-hot as input
# channels, or a projection D, stayed at chance: configs/cgan/README.md.)
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/shapes-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    type='ConditionalGAN',
    generator=dict(z_dim=64, base_channels=32, cat_dims=[3]),
    discriminator=dict(type='ACGANDiscriminator', num_classes=3,
                       base_channels=32),
    classifier_weight=1.0)
