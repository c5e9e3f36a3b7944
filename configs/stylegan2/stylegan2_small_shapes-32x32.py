# StyleGAN2 with reduced widths on Shapes at 32 px, trainable on a CPU.
_base_ = [
    '../_base_/models/stylegan2-32x32.py',
    '../_base_/datasets/shapes-32x32.py', '../_base_/schedules/iter_10k.py',
    '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=16)
