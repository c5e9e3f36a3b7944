# The fast l-GAN: a GAN in the code space of an autoencoder on Shapes at
# 32 px, with the continuity regulariser, sized to train in minutes on 2
# CPU cores (docs/fidelity.md, session 15).
# Phase 1 (3000 iterations, batch 32): the main job's DCGAN generator
# (width 32) learns to draw Shapes as the decoder of an autoencoder (L1).
# Phase 2 (1500 iterations, 8 code steps each): an MLP of width 128 maps z
# to the autoencoder's 16-number codes against an MLP discriminator on
# codes under R1, the discriminator at twice the mapping's learning rate;
# the continuity term acts on the decoded images. Prints the validity and
# fidelity of 1000 samples.
_base_ = ['./lgan_dcgan_shapes-32x32.py']
model = dict(
    generator=dict(mapping_width=128),
    discriminator=dict(width=128),
    ae_iters=2000,
    code_steps=24,
    continuity=dict(loss_weight=0.25, interval=24, batch_size=16))
optim_wrapper = dict(
    mapping=dict(optimizer=dict(lr=1e-3)),
    discriminator=dict(optimizer=dict(lr=2e-3)))
train_cfg = dict(max_iters=3000)
default_hooks = dict(checkpoint=dict(interval=1000))
custom_hooks = [dict(type='SampleGridHook', interval=1000)]
