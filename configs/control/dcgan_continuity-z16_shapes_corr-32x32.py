# dcgan_continuity-z16_shapes-32x32.py on the Shapes variant whose scale
# and x position are correlated (Gaussian copula, r = 0.8): editing scale
# along its InterFaceGAN boundary drags x along unless the x boundary is
# projected out (benchmarks/control_quality.py).
_base_ = ['./dcgan_continuity-z16_shapes-32x32.py']
train_dataloader = dict(dataset=dict(scale_x_correlation=0.8))
