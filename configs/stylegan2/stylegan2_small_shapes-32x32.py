# StyleGAN2 with reduced widths on Shapes at 32 px, trainable on a CPU:
# 5000 iterations at batch 32 (35-40 min on an earlier machine's 2 cores,
# about 3 h on the 2-core AVX2 machine of sessions 11-13) reach single
# coloured shapes in every hue, still rounded: 98% of G's and of the EMA's
# samples pass the Shapes validity check (96% and 87% at 2000).
# Session 26: about 72 min on a 2-core AVX-512 machine; blobs still, and
# every fidelity target missed (configs/stylegan2/README.md). Session 27:
# 33 min there in bfloat16 autocast, now the default on CPUs with bfloat16
# hardware (the model base's autocast='auto'), with the same figures.
_base_ = [
    '../_base_/models/stylegan2-32x32.py',
    '../_base_/datasets/shapes-32x32.py', '../_base_/schedules/iter_2k.py',
    '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=32)
train_cfg = dict(max_iters=5000)
custom_hooks = [dict(type='SampleGridHook', interval=500)]
# At the end of training: the validity of 1000 samples (validity.json).
val_evaluator = [dict(type='ShapesValidity')]
val_cfg = dict(type='GenerativeValLoop', num_samples=1000,
               out_json='validity.json')
