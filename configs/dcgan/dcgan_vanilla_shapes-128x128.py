_base_ = [
    '../_base_/models/dcgan-128x128.py',
    '../_base_/datasets/shapes-128x128.py',
    '../_base_/schedules/iter_10k.py', '../_base_/default_runtime.py'
]
