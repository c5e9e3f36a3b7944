# StyleGAN2's generator trained as an l-GAN (a GAN in the code space of an
# autoencoder, as the main job trains its DCGAN) on Shapes at 32 px
# (docs/fidelity.md, session 29). The adversarial StyleGAN2 recipe
# (stylegan2_small_shapes-32x32.py) draws blobs in its schedule; its
# generator told what to draw by a per-sample target learns the shapes
# (benchmarks/generator_capacity.py, session 28), and so it does here.
#
# Phase 1 (9000 iterations at batch 32): StyleGAN2's synthesis network
# (the 32-px config's widths; each layer's style from an MLP of the
# 16-number code: W+, no noise) learns to draw Shapes as the decoder of an
# autoencoder (L1), in bfloat16 autocast on CPUs with bfloat16 hardware
# (model.autocast='auto'), its learning rate falling over the last third.
# Phase 2 (1000 iterations of 48 code steps; the main job takes 26): an
# MLP maps z to the codes against an MLP discriminator on codes under R1,
# learning rates falling linearly to a tenth (with 24 code steps the class
# distance read 0.055, with 48 0.035, from the same autoencoder). No
# continuity term (the main job's regulariser; not part of this recipe).
# Wall time in the README's model zoo. Prints the validity and fidelity of
# 1000 samples.
_base_ = ['../lgan/lgan_continuity_shapes-32x32.py']   # its code GAN
model = dict(
    generator=dict(mapping_width=128, mapping_depth=4,   # until session 33
                   decoder=dict(_delete_=True, type='StyleGAN2Decoder',
                                w_dim=128, hidden=256, channel_base=2048,
                                channel_max=128)),
    ae_iters=9000,
    code_steps=48,
    r1=dict(gamma=1.0),   # the main job's until session 31 (now 0.1)
    continuity=None,
    autocast='auto')
train_cfg = dict(max_iters=10000)
# The main job's learning-rate schedules, placed in the phases: the
# autoencoder's falls to a tenth over the last third of phase 1 (iterations
# 6000-9000; session 36: shape fit 0.918 / 0.903 -> 0.931 / 0.921 and
# precision 0.780 / 0.861 -> 0.879 / 0.864 on seeds 1 / 0), the code GAN's
# over phase 2.
default_hooks = dict(checkpoint=dict(interval=3000))
