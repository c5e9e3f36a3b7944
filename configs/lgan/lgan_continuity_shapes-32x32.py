# The main job: a fast l-GAN (a GAN in the code space of an autoencoder) on
# Shapes at 32 px, with the continuity regulariser (docs/fidelity.md,
# sessions 15, 30, 31, 33 and 35). 4000 iterations at batch 32; took
# 4 min 34 s (seed 0; 4 min 18 s-4 min 42 s with seeds 1-3) on 2 quiet
# cores of session 35's 2-core AMD EPYC (README); several times longer on
# a busy machine. Prints the validity and fidelity (class distance with its
# sampling error, shape fit, factor KS) of 1000 samples.
#
# Phase 1 (3150 iterations): the DCGAN generator (width 32) learns to draw
# Shapes as the decoder of an autoencoder (L1), its learning rate falling
# linearly to a tenth over the last third (1050 iterations; session 35: at a
# constant rate it was still improving when the phase ended; the sharper
# decoder raised precision at 10,000 samples on four seeds from 0.797 /
# 0.799 / 0.760 / 0.758 to 0.812 / 0.816 / 0.794 / 0.771). Phase 2 (850
# iterations of 26 code steps): an MLP of width 192 and depth 5 maps z to
# the autoencoder's 16-number codes against an MLP discriminator on codes
# (width 128) under R1 (gamma 0.1, every 4 code steps), the discriminator
# at twice the mapping's learning rate; the continuity term (a quarter of
# GCert's dose: at weight 1 it cost up to 0.045 of shape fit) acts on the
# decoded images every 24 code steps. Its learning rates fall linearly to
# a tenth over phase 2.
# Session 33: the mapping's capacity was what kept precision low (the
# code discriminator's score flagged the imprecise samples; the mapping
# could not move them). Width 192 and depth 5 (was 128 and 4) with 26
# code steps per iteration (was 32; about the same cost) raised precision
# at 10,000 samples from 0.732 / 0.750 / 0.737 to 0.797 / 0.799 / 0.760
# on three seeds (docs/fidelity.md).
# Session 31 moved autoencoder work from the code GAN (3150 autoencoder
# iterations, was 2000) and lowered R1 from 1 to 0.1.
_base_ = ['./lgan_dcgan_shapes-32x32.py']
model = dict(
    generator=dict(mapping_width=192, mapping_depth=5),
    discriminator=dict(width=128),
    ae_iters=3150,
    code_steps=26,
    r1=dict(gamma=0.1),
    continuity=dict(loss_weight=0.25, interval=24, batch_size=16))
optim_wrapper = dict(
    mapping=dict(optimizer=dict(lr=1e-3)),
    discriminator=dict(optimizer=dict(lr=2e-3)))
train_cfg = dict(max_iters=4000)
# one schedule per optimizer, placed in the phases (PhaseLinearLR:
# --cfg-options model.ae_iters=N or train_cfg.max_iters=M moves it): the
# autoencoder's rate falls over the last third of phase 1 (session 35),
# the code GAN's over phase 2
_ae_lr = [dict(type='PhaseLinearLR', phase='autoencoder', start=2 / 3,
               end_factor=0.1)]
_code_gan_lr = [dict(type='PhaseLinearLR', phase='code', end_factor=0.1)]
param_scheduler = dict(encoder=_ae_lr, decoder=_ae_lr, mapping=_code_gan_lr,
                       discriminator=_code_gan_lr)
default_hooks = dict(checkpoint=dict(interval=1000))
custom_hooks = [dict(type='SampleGridHook', interval=1000)]
del _ae_lr, _code_gan_lr   # not config entries (nor in derived configs)
