# StyleGAN2 (Karras et al. 2020) with reduced widths for CPU training at
# 32 px: mapping 2 x 128, channels min(2048 // res, 128). On Shapes a strong
# R1 (gamma 4) keeps D from overpowering G; with gamma <= 0.5 the samples
# went dark after a few hundred iterations, and gamma 1 and 2 (sessions
# 27-28) let D win too (dark samples, then red blobs or small dots).
# Lazy regularisation: GANOptimWrapperConstructor scales Adam's lr and beta
# by r = k / (k + 1) from r1_interval (D) and pl_interval (G), so the values
# below are the plain ones (docs/lazy_regularization.md).
model = dict(
    type='StyleGAN2',
    generator=dict(type='StyleGAN2Generator', resolution=32, z_dim=128,
                   w_dim=128, mapping_layers=2, channel_base=2048,
                   channel_max=128),
    discriminator=dict(type='StyleGAN2Discriminator', resolution=32,
                       channel_base=2048, channel_max=128),
    r1_gamma=4.0,
    r1_interval=16,
    pl_weight=2.0,
    pl_interval=4,
    style_mixing_prob=0.9,
    ema=dict(half_life_images=5000),
    channels_last=True,  # 16% faster training on a CPU (README, Speed)
    # bfloat16 autocast on a CPU that multiplies bfloat16 in hardware (AMX,
    # AVX512-BF16), float32 elsewhere: 0.47 against 0.84 s per iteration at
    # 32 px, the same shape fit (session 27, configs/stylegan2/README.md);
    # --cfg-options model.autocast=None trains in float32
    autocast='auto',
)
optim_wrapper = dict(
    constructor='GANOptimWrapperConstructor',
    generator=dict(
        optimizer=dict(type='Adam', lr=0.002, betas=(0.0, 0.99), eps=1e-8)),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=0.002, betas=(0.0, 0.99), eps=1e-8)),
)
