# WGAN-GP (Gulrajani et al. 2017) as in the tutorial: ConvTranspose2d G from
# a 200-d z, InstanceNorm critic, lambda = 10, n_critic = 5, Adam 1e-4.
model = dict(
    type='WGANGP',
    generator=dict(type='WGANGPGenerator', resolution=128, z_dim=200),
    discriminator=dict(type='WGANGPCritic', resolution=128),
    gradient_penalty=dict(loss_weight=10.0),
    discriminator_steps=5,
    ema=dict(momentum=0.001, start_iter=1000),
)
optim_wrapper = dict(
    constructor='GANOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.0, 0.9))),
    discriminator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.0, 0.9))),
)
