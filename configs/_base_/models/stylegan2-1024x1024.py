# StyleGAN2 config-f at 1024 px: R1 gamma 10 (NVIDIA's config-f setting).
_base_ = ['./stylegan2-256x256.py']
model = dict(
    generator=dict(resolution=1024), discriminator=dict(resolution=1024),
    r1_gamma=10.0)
