_base_ = [
    '../_base_/models/dcgan-64x64.py', '../_base_/datasets/shapes-64x64.py',
    '../_base_/schedules/iter_10k.py', '../_base_/default_runtime.py'
]
