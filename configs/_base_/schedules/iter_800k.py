train_cfg = dict(type='IterBasedTrainLoop', max_iters=800000)
