# StyleGAN2 with reduced widths on Shapes at 64 px, trainable on a CPU.
_base_ = [
    '../_base_/models/stylegan2-64x64.py',
    '../_base_/datasets/shapes-64x64.py', '../_base_/schedules/iter_10k.py',
    '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=16)
