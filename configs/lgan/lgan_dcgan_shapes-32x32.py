# A GAN in the code space of an autoencoder (l-GAN) on Shapes at 32 px,
# with the continuity regulariser (docs/fidelity.md, session 14).
# Phase 1 (3000 iterations): the main job's DCGAN generator (width 32)
# learns to draw Shapes as the decoder of an autoencoder (L1). Phase 2:
# an MLP maps z to the autoencoder's 16-number codes, trained against an
# MLP discriminator on codes with R1; the continuity term acts on the
# decoded images. Prints the validity and fidelity of 1000 samples.
# 30,000 iterations took 48 min on one thread beside other jobs (session
# 14); results in configs/lgan/README.md.
_base_ = [
    '../_base_/datasets/shapes-32x32.py', '../_base_/default_runtime.py'
]
code_dim = 16
model = dict(
    type='LatentGAN',
    generator=dict(type='LatentCodeGenerator', resolution=32, z_dim=64,
                   code_dim=code_dim, mapping_width=256, mapping_depth=4,
                   decoder=dict(base_channels=32, norm='bn')),
    discriminator=dict(type='CodeDiscriminator', code_dim=code_dim,
                       width=256, depth=4),
    encoder=dict(type='DCGANEncoder', resolution=32, code_dim=code_dim,
                 base_channels=32, norm='bn'),
    ae_iters=3000,
    code_batch=256,
    bank_size=8192,
    gan_loss=dict(type='NonSaturatingGANLoss'),
    r1=dict(gamma=1.0, interval=4),
    continuity=dict(loss_weight=1.0, interval=4, batch_size=32))
optim_wrapper = dict(
    constructor='GANOptimWrapperConstructor',
    encoder=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
    decoder=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
    mapping=dict(optimizer=dict(type='Adam', lr=5e-4, betas=(0.0, 0.99))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=5e-4, betas=(0.0, 0.99))))
train_dataloader = dict(batch_size=32)
train_cfg = dict(type='LatentTrainLoop', max_iters=30000)
default_hooks = dict(checkpoint=dict(interval=5000))
custom_hooks = [dict(type='SampleGridHook', interval=5000)]
val_evaluator = [dict(type='ShapesValidity'), dict(type='ShapesFidelity')]
val_cfg = dict(type='GenerativeValLoop', num_samples=1000,
               out_json='validity.json')
