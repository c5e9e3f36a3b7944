# A GPU recipe for crisp Shapes: DCGAN with G and D of width 128, an
# unnormalised D under R1 at every step (gamma 0.1), Adam (0, 0.99), batch
# 64. It is the one recipe measured to leave the shape-fit plateau of
# 0.77: in benchmarks/fidelity_sweep.py on one H200 (docs/fidelity.md,
# session 12) the same networks and losses reached a shape fit of 0.819
# (real images: 0.998; target 0.898) after 14,383 iterations, about 150 s
# there, with straight sides and sharp corners but too few ellipses (class
# distance 0.2). On a 2-core CPU they cost about 4.6 s per iteration
# (about 20 hours for this schedule). This config has not yet been trained
# to the end through tools/train.py; it has no continuity term.
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/shapes-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    generator=dict(z_dim=64, base_channels=128, prior='uniform'),
    discriminator=dict(base_channels=128, norm='none', spectral_norm=False),
    ema=dict(momentum=None, half_life_images=10000, start_iter=0),
    r1=dict(gamma=0.1, interval=1))
adam = dict(type='Adam', lr=2e-4, betas=(0.0, 0.99))
optim_wrapper = dict(generator=dict(optimizer=adam),
                     discriminator=dict(optimizer=adam))
train_dataloader = dict(batch_size=64)
train_cfg = dict(max_iters=16000)
default_hooks = dict(checkpoint=dict(interval=2000))
custom_hooks = [dict(type='SampleGridHook', interval=2000)]
val_evaluator = [dict(type='ShapesValidity'), dict(type='ShapesFidelity')]
val_cfg = dict(type='GenerativeValLoop', num_samples=1000,
               out_json='validity.json')
