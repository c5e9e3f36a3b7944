# StyleGAN2 config-f on your own face folder (e.g. FFHQ) at 1024 px, for
# GPUs: torchrun --nproc_per_node 8 tools/train.py THIS --launcher pytorch
#   --cfg-options train_dataloader.dataset.root=/data/ffhq
_base_ = ['./stylegan2_config-f_ffhq-256x256.py']
model = dict(
    generator=dict(resolution=1024), discriminator=dict(resolution=1024),
    r1_gamma=10.0)
train_dataloader = dict(dataset=dict(resolution=1024))
