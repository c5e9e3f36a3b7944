_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/digits-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
model = dict(generator=dict(out_channels=1), discriminator=dict(in_channels=1))
