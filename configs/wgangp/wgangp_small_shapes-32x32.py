# WGAN-GP with reduced networks at 32 px, trainable on a CPU.
_base_ = [
    '../_base_/models/wgangp-128x128.py', '../_base_/datasets/shapes-32x32.py',
    '../_base_/schedules/iter_10k.py', '../_base_/default_runtime.py'
]
model = dict(
    generator=dict(resolution=32, z_dim=128, base_channels=32),
    discriminator=dict(resolution=32, base_channels=32))
