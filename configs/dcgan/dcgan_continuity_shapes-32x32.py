# The main job: DCGAN with the continuity regulariser on Shapes at 32 px.
# 2 min 09 s on 2 quiet CPU cores (README); several times longer on a busy
# machine. Prints the validity and fidelity (class distance, shape fit) of
# 1000 samples.
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/shapes-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    generator=dict(z_dim=64, base_channels=32, prior='uniform'),
    discriminator=dict(base_channels=32),
    continuity=dict(loss_weight=1.0, interval=4))
custom_hooks = [dict(type='SampleGridHook', interval=500)]
# At the end of training: validity and fidelity (class distance, shape fit,
# factor KS) of 1000 samples against 1000 images of the training set,
# logged and written to validity.json.
val_evaluator = [dict(type='ShapesValidity'), dict(type='ShapesFidelity')]
val_cfg = dict(type='GenerativeValLoop', num_samples=1000,
               out_json='validity.json')
