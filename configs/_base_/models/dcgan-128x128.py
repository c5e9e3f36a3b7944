# DCGAN (Radford et al. 2016) at 128 px: G 100-d z, D stride-2 convs, BCE.
model = dict(
    type='UnconditionalGAN',
    generator=dict(type='DCGANGenerator', resolution=128, z_dim=100,
                   base_channels=64, norm='bn', prior='normal'),
    discriminator=dict(type='DCGANDiscriminator', resolution=128,
                       base_channels=64, norm='bn'),
    gan_loss=dict(type='NonSaturatingGANLoss'),
    ema=dict(momentum=0.001, start_iter=500),
)
optim_wrapper = dict(
    constructor='GANOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
)
