# StyleGAN2 with reduced widths on Shapes at 64 px (the 32-px recipe with
# R1 gamma scaled by the image area; not tuned further): 3500 iterations
# (43 min on an earlier machine's 2 cores, about 4 h on the 2-core AVX2
# machine of sessions 11-13) reach single coloured shapes, still rounded,
# of which 94% of the EMA's samples pass the Shapes validity check.
# Session 28: 41 min 35 s on the 2-core AVX-512 machine of sessions 23-27
# in bfloat16 autocast (the model base's autocast='auto'); blobs, and every
# fidelity target missed (configs/stylegan2/README.md).
_base_ = [
    '../_base_/models/stylegan2-64x64.py',
    '../_base_/datasets/shapes-64x64.py', '../_base_/schedules/iter_2k.py',
    '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=32)
train_cfg = dict(max_iters=3500)
custom_hooks = [dict(type='SampleGridHook', interval=500)]
# At the end of training: the validity of 1000 samples (validity.json).
val_evaluator = [dict(type='ShapesValidity')]
val_cfg = dict(type='GenerativeValLoop', num_samples=1000,
               out_json='validity.json')
