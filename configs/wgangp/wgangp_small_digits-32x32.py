# GCert's own pairing: WGAN-GP with the continuity regulariser at GCert's
# dose (1 every generator step), on the bundled digits at 32 px, reduced
# widths for a CPU.
_base_ = [
    '../_base_/models/wgangp-128x128.py', '../_base_/datasets/digits-32x32.py',
    '../_base_/schedules/iter_10k.py', '../_base_/default_runtime.py'
]
model = dict(
    generator=dict(resolution=32, z_dim=64, base_channels=32, out_channels=1,
                   prior='uniform'),
    discriminator=dict(resolution=32, base_channels=32, in_channels=1),
    continuity=dict(loss_weight=1.0, interval=1))
