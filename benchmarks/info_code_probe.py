"""Does InfoGAN's categorical code find the shape class once G draws
crisp classes?

The paper's InfoGAN (Q reads the image; no labels) on top of a trained
l-GAN: a fresh mapping from ``[z | one-hot cat]`` (cat uniform over 3)
to the autoencoder's codes learns against a code discriminator (the
checkpoint's adversarial loss, R1 and code bank; the main job's learning
rates, falling to a tenth), and a small
CNN Q reads the *decoded image* of ``--q-batch`` of its codes per step;
mapping and Q minimise ``--lam`` times Q's cross-entropy on cat (the
InfoGAN bound on the mutual information). The decoder stays frozen.
With ``--init`` the mapping starts from the checkpoint's trained one
(cat columns zero) and D from its code discriminator.

Every quarter of ``--steps`` it prints the Hungarian-matched agreement of
cat with the analytic measurer's class (2000 samples), the confusion
[cat, class] and Q's cross-entropy; at the end, the mean measured factors
and hue histogram (sixths of the hue circle) per cat value, which show
what the code took instead.

    python benchmarks/info_code_probe.py \
        --ckpt work_dirs/lgan_continuity_shapes-32x32/iter_4000.pth --init
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn

from mmlatent.control.traversal import hungarian_accuracy, measured_class
from mmlatent.datasets.measure import measure_factors
from mmlatent.models.discriminators.dcgan import DCGANDiscriminator
from mmlatent.models.layers import code_mlp
from mmlatent.models.loading import load_model
from mmlatent.utils.cli import run_cli

K = 3


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--ckpt', required=True,
                   help='an unconditional LatentGAN checkpoint')
    p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--lam', type=float, default=1.0)
    p.add_argument('--q-batch', type=int, default=64)
    p.add_argument('--batch', type=int, default=256)
    p.add_argument('--init', action='store_true')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1)
    return p.parse_args()


def build_networks(model, init: bool):
    """(M, D): a mapping MLP from ``[z | one-hot cat]`` to codes and a code
    discriminator, sized as the checkpoint's; with ``init``, M starts as
    the trained mapping (its cat columns zero, so that M([z | cat]) is the
    trained mapping of z) and D as the trained code discriminator."""
    G = model.G
    width = G.mapping_net[0].out_features
    depth = sum(isinstance(m, nn.Linear) for m in G.mapping_net)
    M = code_mlp(G.z_dim + K, G.w_dim, width, depth)
    D = code_mlp(G.w_dim, 1, width, depth)
    if init:
        with torch.no_grad():
            for new, old in zip(M[::2], G.mapping_net[::2]):
                new.weight.zero_()
                new.weight[:, :old.weight.shape[1]] = old.weight
                new.bias.copy_(old.bias)
        D.load_state_dict(model.discriminator.net.state_dict())
    return M, D


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = load_model(a.ckpt)[0]
    G = model.G.requires_grad_(False)
    M, D = build_networks(model, a.init)
    trunk = DCGANDiscriminator(G.resolution, base_channels=16, norm='none')
    Q = nn.Sequential(trunk.trunk, nn.Flatten(),
                      nn.Linear(trunk.feature_channels * 16, K))
    om = torch.optim.Adam([*M.parameters(), *Q.parameters()], 1e-3,
                          betas=(0.0, 0.99))
    od = torch.optim.Adam(D.parameters(), 2e-3, betas=(0.0, 0.99))

    def sample(n):
        cat = torch.randint(0, K, (n, ))
        return torch.cat([G.sample_z(n), F.one_hot(cat, K).float()], 1), cat

    def decode(w):
        return G.synthesis(w[:, None])

    def draw(n=2000):
        with torch.no_grad():
            zc, cat = sample(n)
            img = torch.cat([decode(M(zc[i:i + 500]))
                             for i in range(0, n, 500)])
        return img, cat

    t0, lq = time.perf_counter(), torch.zeros(())
    for it in range(a.steps):
        decay = 1.0 - 0.9 * it / a.steps
        for opt, lr in ((om, 1e-3), (od, 2e-3)):
            for g in opt.param_groups:
                g['lr'] = lr * decay
        real = model.bank_sample(a.batch)[0]
        with torch.no_grad():
            fake = M(sample(a.batch)[0])
        loss_d = model.gan_loss.d_loss(D(real), D(fake))
        if model.r1 is not None and model.r1.active(it):
            loss_d = loss_d + model.r1(D, real)
        od.zero_grad(set_to_none=True)
        loss_d.backward()
        od.step()
        zc, cat = sample(a.batch)
        w = M(zc)
        loss_g = model.gan_loss.g_loss(D(w))
        if a.lam:
            lq = F.cross_entropy(Q(decode(w[:a.q_batch])), cat[:a.q_batch])
            loss_g = loss_g + a.lam * lq
        om.zero_grad(set_to_none=True)
        loss_g.backward()
        om.step()
        if (it + 1) % max(1, a.steps // 4) == 0:
            img, cat = draw()
            found = measured_class(img)
            ok = found >= 0
            acc, conf = None, []
            if ok.any():
                acc, _, conf = hungarian_accuracy(cat[ok].tolist(),
                                                  found[ok].tolist())
                acc, conf = round(acc, 4), conf.tolist()
            print(json.dumps(dict(
                step=it + 1, s=round(time.perf_counter() - t0),
                valid=int(ok.sum()), cat_class_accuracy=acc,
                confusion=conf,
                q_ce=round(float(lq.detach()), 4))), flush=True)
    img, cat = draw()
    m = measure_factors(img)
    for k in range(K):
        sel = m['valid'] & (cat == k)
        hue = torch.histc(m['hue'][sel].float(), 6, 0, 1)
        print(json.dumps(dict(cat=k, hue_in_sixths=hue.int().tolist(), **{
            f: round(float(m[f][sel].float().mean()), 3)
            for f in ('x', 'y', 'scale', 'rotation')})))


if __name__ == '__main__':
    run_cli(main)
