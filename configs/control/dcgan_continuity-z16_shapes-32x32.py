# The main DCGAN job (continuity regulariser, Shapes 32 px, 2000
# iterations) with a 16-d z instead of 64: in the compact latent space the
# Shapes factors are close to linear, which InterFaceGAN boundaries need
# (scale boundary validation 90.6% with z_dim=64, 97.6% with 16; see
# configs/control/README.md). Used by benchmarks/control_quality.py.
_base_ = ['../dcgan/dcgan_continuity_shapes-32x32.py']
model = dict(generator=dict(z_dim=16))
