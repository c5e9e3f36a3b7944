# The main job's fast l-GAN (lgan_continuity_shapes-32x32.py) with the
# WGAN-GP objective on codes (an l-WGAN-GP, Achlioptas et al. 2018's
# l-WGAN): a Wasserstein critic on the 16-number codes under the gradient
# penalty (lambda 10) instead of the non-saturating loss under R1, one
# critic step per mapping step, and twice the main job's code phase (2000
# iterations of 24 code steps, the learning rates falling to a tenth over
# them): with the main job's 1000 it missed shape fit and precision, and
# 2 or 4 critic steps per mapping step did worse (configs/lgan/README.md).
_base_ = ['./lgan_continuity_shapes-32x32.py']
model = dict(
    generator=dict(mapping_width=128,   # the main job's until session 33
                   mapping_depth=4),
    gan_loss=dict(type='WassersteinGANLoss'),
    r1=None,
    ae_iters=2000,   # the main job's until session 31 (it now takes 3150)
    code_steps=24,   # the main job's until session 30 (it now takes 32)
    gradient_penalty=dict(loss_weight=10.0))
train_cfg = dict(max_iters=4000)
# every rate falls over the code phase (the autoencoder's are frozen there)
param_scheduler = [dict(type='PhaseLinearLR', phase='code', end_factor=0.1)]
