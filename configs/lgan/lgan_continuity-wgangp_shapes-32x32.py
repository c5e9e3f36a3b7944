# The main job's fast l-GAN (lgan_continuity_shapes-32x32.py) with the
# WGAN-GP objective on codes (an l-WGAN-GP, Achlioptas et al. 2018's
# l-WGAN): a Wasserstein critic on the 16-number codes under the gradient
# penalty (lambda 10) instead of the non-saturating loss under R1; one
# critic step per mapping step, as the main job. Results:
# configs/lgan/README.md.
_base_ = ['./lgan_continuity_shapes-32x32.py']
model = dict(
    gan_loss=dict(type='WassersteinGANLoss'),
    r1=None,
    gradient_penalty=dict(loss_weight=10.0))
