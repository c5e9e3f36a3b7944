# DCGAN at 128 px (widths as at 32 px, one more block per doubling).
_base_ = ['./dcgan-32x32.py']
model = dict(
    generator=dict(resolution=128), discriminator=dict(resolution=128))
