# Runtime shared by every mmlatent config.
default_scope = 'mmlatent'
runner_type = 'LatentRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=500, by_epoch=False,
                    max_keep_ckpts=3, save_last=True,
                    save_param_scheduler=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
custom_hooks = [
    # (LatentRunner adds the IterationSeedHook itself: exact resume.)
    dict(type='SampleGridHook', interval=500),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # tools/train.py uses gloo without CUDA
)
# Each network is wrapped in its own DDP module (GAN phases step them apart).
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel',
                         broadcast_buffers=False,
                         find_unused_parameters=False)

log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
log_level = 'INFO'
visualizer = dict(type='Visualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
randomness = dict(seed=0, diff_rank_seed=True, deterministic=False)
load_from = None
resume = False
