# The main job's fast l-GAN (lgan_continuity_shapes-32x32.py) with the
# shape class (3) as a condition: a one-hot beside z in the mapping, and
# projected onto the code discriminator's features (Miyato & Koyama 2018)
# rather than set beside the code. The autoencoder never sees labels; the
# code GAN pairs each real code with its image's label. Against the main
# job: 4000 autoencoder iterations (its reconstructions keep their class
# 99.3% of the time, against 97.5% after 2000) and 1500 code-GAN
# iterations. The learning rates are placed by phase as the main job's:
# the autoencoder's fall to a tenth over the last third of its phase, the
# code GAN's over the code phase (until session 39 the autoencoder's stayed
# constant; the fall raised precision at 10,000 samples on both seeds
# tried). Results: configs/lgan/README.md.
_base_ = ['./lgan_continuity_shapes-32x32.py']
model = dict(
    generator=dict(cat_dims=[3],
                   # the main job's mapping until session 33
                   mapping_width=128, mapping_depth=4),
    discriminator=dict(c_dim=3, conditioning='projection'),
    ae_iters=4000,
    r1=dict(gamma=1.0),   # the main job's until session 31 (now 0.1)
    code_steps=24)   # the main job's until session 30 (it now takes 32)
train_cfg = dict(max_iters=5500)
