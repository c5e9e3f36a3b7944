# The main DCGAN job (continuity regulariser, Shapes 32 px) evaluated every
# 500 iterations; keeps best_fd_shapes.pth. Train the Shapes feature network
# once first (about 2 minutes on CPU):
#   python tools/train_feature_net.py --out work_dirs/shapes_feature_net.pth
_base_ = ['../dcgan/dcgan_continuity_shapes-32x32.py']
# Registers GenerativeEvalHook (not needed once mmlatent.hooks imports it).
custom_imports = dict(imports=['mmlatent.hooks.evaluation'],
                      allow_failed_imports=False)
custom_hooks = [
    dict(type='SampleGridHook', interval=500),
    dict(type='GenerativeEvalHook', interval=500, num_samples=1000,
         save_best='fd_shapes',
         metrics=[
             dict(type='FrechetDistance',
                  extractor=dict(type='ShapesFeatureNet',
                                 checkpoint='work_dirs/'
                                 'shapes_feature_net.pth')),
             dict(type='PerceptualPathLength', space='z', sampling='end',
                  distance='pixel'),
             dict(type='ContinuityMetric'),
             dict(type='ShapesValidity'),
         ]),
]
