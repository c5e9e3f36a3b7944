# The main job: a fast l-GAN (a GAN in the code space of an autoencoder) on
# Shapes at 32 px, with the continuity regulariser (docs/fidelity.md,
# sessions 15, 30 and 31). 4000 iterations at batch 32; took 4 min 46 s
# (seed 0; 4 min 54 s and 5 min 20 s with seeds 1 and 2) on 2 quiet cores
# of session 31's 2-core AMD EPYC, where session 30's 3000-iteration
# recipe took 4 min 34 s beside them (README); several times longer on a
# busy machine. Prints the validity and fidelity (class distance with its
# sampling error, shape fit, factor KS) of 1000 samples.
#
# Phase 1 (3150 iterations): the DCGAN generator (width 32) learns to draw
# Shapes as the decoder of an autoencoder (L1). Phase 2 (850 iterations
# of 32 code steps): an MLP of width 128 maps z to the autoencoder's
# 16-number codes against an MLP discriminator on codes under R1 (gamma
# 0.1, every 4 code steps), the discriminator at twice the mapping's
# learning rate; the continuity term (a quarter of GCert's dose: at
# weight 1 it cost up to 0.045 of shape fit) acts on the decoded images
# every 24 code steps. All learning rates fall linearly to a tenth over
# phase 2.
# Session 31 moved 150 iterations of work from the code GAN to the
# autoencoder (2000 -> 3150 autoencoder iterations, 1000 -> 850 code
# iterations; the same wall time) and lowered R1 from 1 to 0.1: the
# decoder draws every sample, and at iteration 2000 it was still learning
# (at 2000 samples, three seeds: shape fit 0.904-0.913 -> 0.919-0.923,
# precision 0.80-0.83 -> 0.84-0.85; class distance 0.054, 0.035, 0.026;
# docs/fidelity.md).
_base_ = ['./lgan_dcgan_shapes-32x32.py']
model = dict(
    generator=dict(mapping_width=128),
    discriminator=dict(width=128),
    ae_iters=3150,
    code_steps=32,
    r1=dict(gamma=0.1),
    continuity=dict(loss_weight=0.25, interval=24, batch_size=16))
optim_wrapper = dict(
    mapping=dict(optimizer=dict(lr=1e-3)),
    discriminator=dict(optimizer=dict(lr=2e-3)))
train_cfg = dict(max_iters=4000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.1, begin=3150,
         end=4000, by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=1000))
custom_hooks = [dict(type='SampleGridHook', interval=1000)]
