# The main job: DCGAN with the continuity regulariser on Shapes at 32 px.
# 4000 iterations at batch 32; 4 min 07 s on 2 quiet CPU cores (README);
# several times longer on a busy machine. Prints the validity and fidelity
# (class distance, shape fit) of 1000 samples.
#
# Recipe (configs/dcgan/README.md, docs/fidelity.md): a spectrally
# normalised discriminator without batch norm (a batch-norm D judges a batch
# by its statistics and could not tell a disc from a square), batch 32 (at
# the same compute, twice the updates of batch 64 learnt faster), and an
# EMA with StyleGAN2's 10k-image half life (momentum 0.001 averaged over
# half the run and blurred the samples).
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/shapes-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    generator=dict(z_dim=64, base_channels=32, prior='uniform'),
    discriminator=dict(base_channels=32, norm='none', spectral_norm=True),
    ema=dict(momentum=None, half_life_images=10000, start_iter=0),
    continuity=dict(loss_weight=1.0, interval=4))
train_dataloader = dict(batch_size=32)
train_cfg = dict(max_iters=4000)
default_hooks = dict(checkpoint=dict(interval=1000))
custom_hooks = [dict(type='SampleGridHook', interval=1000)]
# At the end of training: validity and fidelity (class distance, shape fit,
# factor KS) of 1000 samples against 1000 images of the training set,
# logged and written to validity.json.
val_evaluator = [dict(type='ShapesValidity'), dict(type='ShapesFidelity')]
val_cfg = dict(type='GenerativeValLoop', num_samples=1000,
               out_json='validity.json')
