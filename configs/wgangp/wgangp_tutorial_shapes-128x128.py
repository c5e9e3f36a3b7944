# WGAN-GP with the tutorial's networks at 128 px (GPU-sized).
_base_ = [
    '../_base_/models/wgangp-128x128.py',
    '../_base_/datasets/shapes-128x128.py',
    '../_base_/schedules/iter_10k.py', '../_base_/default_runtime.py'
]
