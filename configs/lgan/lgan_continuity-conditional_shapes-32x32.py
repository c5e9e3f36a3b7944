# The main job's fast l-GAN (lgan_continuity_shapes-32x32.py) with the
# shape class (3) as a one-hot beside z in the mapping and beside the code
# in the code discriminator: a conditional l-GAN trained in minutes. The
# autoencoder never sees labels; the code GAN pairs each real code with
# its image's label. Results: configs/lgan/README.md.
_base_ = ['./lgan_continuity_shapes-32x32.py']
model = dict(
    generator=dict(cat_dims=[3]),
    discriminator=dict(c_dim=3))
