# StyleGAN2 config-f widths (NVIDIA): z, w 512, mapping 8 x 512, channels
# min(32768 // res, 512), R1 gamma 1 at 256 px (NVIDIA's paper256 setting).
model = dict(
    type='StyleGAN2',
    generator=dict(type='StyleGAN2Generator', resolution=256, z_dim=512,
                   w_dim=512, mapping_layers=8, channel_base=32768,
                   channel_max=512),
    discriminator=dict(type='StyleGAN2Discriminator', resolution=256,
                       channel_base=32768, channel_max=512),
    r1_gamma=1.0,
    ema=dict(half_life_images=10000),
)
optim_wrapper = dict(
    constructor='GANOptimWrapperConstructor',
    generator=dict(
        optimizer=dict(type='Adam', lr=0.002, betas=(0.0, 0.99), eps=1e-8)),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=0.002, betas=(0.0, 0.99), eps=1e-8)),
)
