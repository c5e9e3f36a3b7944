# GCert's ablation setting: a DCGAN on the rectangle data whose output is
# clamped with ReLUs instead of tanh, so the whole generator is piecewise
# linear (batch-norm in eval mode) and its linear pieces along a latent
# segment are counted exactly. Continuity at GCert's dose (1 every step).
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/rectangles-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    generator=dict(z_dim=16, base_channels=32, out_channels=1,
                   prior='uniform', output='relu_clamp'),
    discriminator=dict(base_channels=32, in_channels=1),
    continuity=dict(loss_weight=1.0, interval=1))
