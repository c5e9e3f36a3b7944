# InfoGAN on the bundled digits: a 10-way categorical code and 2 continuous
# codes with a Gaussian NLL (the paper's MNIST setting, at 32 px).
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/digits-32x32.py',
    '../_base_/schedules/iter_10k.py', '../_base_/default_runtime.py'
]
model = dict(
    type='InfoGAN',
    generator=dict(z_dim=62, base_channels=32, out_channels=1,
                   cat_dims=[10], con_dim=2),
    discriminator=dict(type='InfoGANDiscriminator', base_channels=32,
                       in_channels=1, cat_dims=[10], con_dim=2,
                       con_logvar=True),
    info_loss=dict(lambda_cat=1.0, lambda_con=0.1, con_loss='gaussian_nll'))
