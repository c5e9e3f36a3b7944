# StyleGAN2 config-f on your own face folder (e.g. FFHQ) at 256 px, for
# GPUs: torchrun --nproc_per_node 8 tools/train.py THIS --launcher pytorch
#   --cfg-options train_dataloader.dataset.root=/data/ffhq
_base_ = [
    '../_base_/models/stylegan2-256x256.py',
    '../_base_/datasets/image_folder-256x256.py',
    '../_base_/schedules/iter_800k.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(
    batch_size=4, num_workers=4,
    dataset=dict(root='data/ffhq', labels='none', xflip=True))
default_hooks = dict(checkpoint=dict(interval=10000))
custom_hooks = [
    dict(type='SampleGridHook', interval=5000, num_samples=16),
]
