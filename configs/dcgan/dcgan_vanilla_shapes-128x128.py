# The DCGAN base (batch-norm G and D, batch 64, Adam (0.5, 0.999) at 2e-4,
# EMA) at 128 px on Shapes.
#
# autocast='auto': bfloat16 autocast on CPUs that multiply bfloat16 in
# hardware (AVX512-BF16 or AMX), float32 elsewhere, as the StyleGAN2
# configs; weights, gradients and Adam stay float32. On a 2-core Zen 5
# (session 41) an iteration takes about 0.70 s in bfloat16 against 1.24 s
# in float32, so its 10,000 iterations take about 2 hours (2 h 03 min)
# instead of about 3 h 25 min; model.autocast=None trains in float32.
_base_ = [
    '../_base_/models/dcgan-128x128.py',
    '../_base_/datasets/shapes-128x128.py',
    '../_base_/schedules/iter_10k.py', '../_base_/default_runtime.py'
]
model = dict(autocast='auto')
