# InfoGAN: one 3-way categorical code (hoped to find the shape class) and
# 4 continuous codes in U(-1, 1), Q head sharing D's trunk.
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/shapes-32x32.py',
    '../_base_/schedules/iter_10k.py', '../_base_/default_runtime.py'
]
model = dict(
    type='InfoGAN',
    generator=dict(z_dim=32, base_channels=32, cat_dims=[3], con_dim=4),
    discriminator=dict(type='InfoGANDiscriminator', base_channels=32,
                       cat_dims=[3], con_dim=4),
    info_loss=dict(lambda_cat=1.0, lambda_con=0.5, con_loss='mse'))
