# InfoGAN on the bundled digits: a 10-way categorical code and 2 continuous
# codes with a Gaussian NLL (the paper's MNIST setting, at 32 px). Q reads
# the image through D's trunk, as in the paper.
#
# Q's categorical head reads a randomly posed and elastically warped copy
# of each generated image (up to +-20 degrees, 0.8-1.25x, 0.2 half-widths,
# then a smooth random displacement of 0.05 half-widths on a 4 x 4 control
# grid; PoseJitterCatHead), so the 10-way code must go to what a small
# turn, zoom, shift or bend leaves alone, the digit, and not to slant,
# size, place or stroke details. With the warp (session 40) the code
# matches the digit for 94.8%, 94.7% and 97.1% of 10,000 samples (EMA)
# after 12,000 iterations for training seeds 0, 1 and 2, where the pose
# alone gave 89.0% and 86.8% (seeds 0 and 1) at 12,000 and 91.7% and
# 87.9% at 24,000 on the same machine: z no longer picks between two
# digits within one code value. Seed 3 reaches 85.0%: no code value owns
# the 8s (configs/infogan/README.md).
#
# History of the pose alone (session 8 on): 90.3% of samples matched
# their code after 6000 iterations (10,000 samples) against 76.5% without
# in session 8; on later machines the same seed reached 78.5% (1000
# samples). With batch 128 (below): 83.2% and 85.2% for seeds 0 and 1 at
# 6000 iterations, 91.4% and 89.8% at 16,000 (10,000 samples;
# configs/infogan/README.md). On session 38's machine the same seeds
# reached 89.4% and 86.9% at 16,000 and 91.7% and 87.9% at 24,000.
#
# D judges each image on its own: spectral norm and no batch norm. With the
# DCGAN base's batch-norm D the code stayed near chance (21% after 2000
# iterations, 58% after 10,000; configs/infogan/README.md). The learning
# rates are the paper's (G 1e-3, D 2e-4), and the EMA averages over 10,000
# images (about 160 iterations) instead of ~1000 iterations.
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
                       con_logvar=True, norm='none', spectral_norm=True,
                       cat_head=dict(type='PoseJitterCatHead', rotation=20,
                                     scale=(0.8, 1.25), shift=0.2,
                                     warp=0.05)),
    info_loss=dict(lambda_cat=1.0, lambda_con=0.1, con_loss='gaussian_nll'),
    ema=dict(_delete_=True, half_life_images=10000, start_iter=500))
optim_wrapper = dict(generator=dict(optimizer=dict(lr=1e-3)))
# Batch 128, as the InfoGAN authors' MNIST launcher (the digits base has
# 64): of session 21's eight changes, the only one measured to raise both
# seeds tried (configs/infogan/README.md).
train_dataloader = dict(batch_size=128)
# 12,000 iterations (session 40; 24,000 in session 39, 16,000 from session
# 22): with the warp seeds 0-2 pass 90% by 6000-8000 iterations and
# stand at 95-96% (1000 samples) at 12,000; a learning rate falling to a
# tenth over 9000-12,000 lowered both without the warp (session 22).
train_cfg = dict(max_iters=12000)
