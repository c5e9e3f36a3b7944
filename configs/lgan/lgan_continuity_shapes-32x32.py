# The main job: a fast l-GAN (a GAN in the code space of an autoencoder) on
# Shapes at 32 px, with the continuity regulariser (docs/fidelity.md,
# sessions 15 and 30). 3000 iterations at batch 32; 4 min 11 s and 5 min
# 06 s on 2 quiet cores of session 30's 2-core AMD EPYC (README); several
# times longer on a busy machine. Prints the validity and fidelity (class
# distance, shape fit, factor KS) of 1000 samples.
#
# Phase 1 (2000 iterations): the DCGAN generator (width 32) learns to draw
# Shapes as the decoder of an autoencoder (L1). Phase 2 (1000 iterations
# of 32 code steps): an MLP of width 128 maps z to the autoencoder's
# 16-number codes against an MLP discriminator on codes under R1 (every 4
# code steps), the discriminator at twice the mapping's learning rate; the
# continuity term (a quarter of GCert's dose: at weight 1 it cost up to
# 0.045 of shape fit) acts on the decoded images every 24 code steps. All
# learning rates fall linearly to a tenth over phase 2 (class distance
# 0.079 -> 0.054, shape fit 0.901 -> 0.907 at the end of training).
# 32 code steps, not 24 (session 30): the code GAN starts with every
# sample a square and moves samples to the ellipses slowly; with 24 the
# class distance read 0.060 on session 30's machine, with 32 0.052,
# 0.043, 0.035 and 0.042 in four runs (precision 0.78 -> 0.80-0.83).
_base_ = ['./lgan_dcgan_shapes-32x32.py']
model = dict(
    generator=dict(mapping_width=128),
    discriminator=dict(width=128),
    ae_iters=2000,
    code_steps=32,
    continuity=dict(loss_weight=0.25, interval=24, batch_size=16))
optim_wrapper = dict(
    mapping=dict(optimizer=dict(lr=1e-3)),
    discriminator=dict(optimizer=dict(lr=2e-3)))
train_cfg = dict(max_iters=3000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.1, begin=2000,
         end=3000, by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=1000))
custom_hooks = [dict(type='SampleGridHook', interval=1000)]
