train_cfg = dict(type='LatentTrainLoop', max_iters=2000)
