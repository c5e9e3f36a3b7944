# StyleGAN2 with reduced widths at 64 px (R1 gamma scaled with res^2).
_base_ = ['./stylegan2-32x32.py']
model = dict(
    generator=dict(resolution=64), discriminator=dict(resolution=64),
    r1_gamma=16.0)
