# A conditional l-GAN on Shapes at 32 px: the l-GAN recipe
# (lgan_dcgan_shapes-32x32.py) with the shape class (3) as a one-hot
# beside z in the mapping, and beside the code in the code discriminator.
# The autoencoder never sees labels; the code GAN pairs each real code with
# its image's label.
_base_ = ['./lgan_dcgan_shapes-32x32.py']
model = dict(
    generator=dict(cat_dims=[3]),
    discriminator=dict(c_dim=3))
