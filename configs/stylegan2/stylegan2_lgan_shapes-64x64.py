# The StyleGAN2 l-GAN of stylegan2_lgan_shapes-32x32.py at 64 px: the same
# recipe, the encoder and StyleGAN2's synthesis network (channels
# min(2048 // res, 128): 32 at 64 px) one block deeper. Session 29, seed 0,
# 2 quiet threads: 33 min 51 s (0.20 s per autoencoder iteration in
# bfloat16), all five fidelity targets met (class distance 0.026, shape fit
# 0.920, largest KS 0.057, precision 0.855, recall 0.914; README zoo);
# training seed 1 misses the class distance (0.057; 0.073 with 96 code
# steps), the rest met. Session 34: the main job's code GAN (mapping
# 192 x 5, R1 gamma 0.1) met all five on seed 1 but missed the shape fit
# on seed 0 (0.888: its autoencoder's, whose random start the mapping's
# size changes); not adopted (configs/stylegan2/README.md).
_base_ = ['./stylegan2_lgan_shapes-32x32.py']
model = dict(
    generator=dict(resolution=64),
    encoder=dict(resolution=64))
train_dataloader = dict(dataset=dict(resolution=64))
