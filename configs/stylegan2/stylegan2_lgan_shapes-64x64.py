# The StyleGAN2 l-GAN of stylegan2_lgan_shapes-32x32.py at 64 px: the
# encoder and StyleGAN2's synthesis network (channels
# min(2048 // res, 128): 32 at 64 px) one block deeper, the main job's
# code GAN (mapping width 192, depth 5, R1 gamma 0.1), and the
# autoencoder's learning rates falling linearly to a tenth over its last
# 3000 iterations (session 35; README's model zoo and
# configs/stylegan2/README.md). At a constant rate the autoencoder's
# shape fit varied from start to start (session 34: reconstructions 0.897
# on seed 0, 0.937 on seed 1), and with it whether the samples met the
# shape-fit target.
_base_ = ['./stylegan2_lgan_shapes-32x32.py']
model = dict(
    generator=dict(resolution=64, mapping_width=192, mapping_depth=5),
    encoder=dict(resolution=64),
    r1=dict(gamma=0.1))
train_dataloader = dict(dataset=dict(resolution=64))
# the learning-rate schedules are the 32-px config's (the main job's): the
# autoencoder's falls over the last third of its 9000 iterations, the code
# GAN's over phase 2
