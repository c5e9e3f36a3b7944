train_cfg = dict(type='IterBasedTrainLoop', max_iters=10000)
default_hooks = dict(checkpoint=dict(interval=2000))
