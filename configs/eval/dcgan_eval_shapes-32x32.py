# The main DCGAN job (continuity regulariser, Shapes 32 px) evaluated every
# 500 iterations; keeps the checkpoint of the best Fréchet distance as
# best_fd_shapes_iter_<k>.pth. Train the Shapes feature network once first
# (about 2 minutes on CPU):
#   python tools/train_feature_net.py --out work_dirs/shapes_feature_net.pth
_base_ = ['../dcgan/dcgan_continuity_shapes-32x32.py']
train_cfg = dict(val_interval=500)
default_hooks = dict(checkpoint=dict(save_best='fd_shapes'))  # rule: less
val_evaluator = [
    dict(type='FrechetDistance',
         extractor=dict(type='ShapesFeatureNet',
                        checkpoint='work_dirs/shapes_feature_net.pth')),
    dict(type='PerceptualPathLength', space='z', sampling='end',
         distance='pixel'),
    dict(type='ContinuityMetric'),
    dict(type='ShapesValidity'),
]
val_cfg = dict(out_json='eval/iter_{iter}.json')
