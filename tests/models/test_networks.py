"""DCGAN / WGAN-GP / InfoGAN networks and the latent interface."""
import pytest
import torch

from mmlatent.models.generators import CodeSpec
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError, ShapeError


def build(**cfg):
    return MODELS.build(cfg)


@pytest.mark.parametrize('res', [32, 64, 128])
@pytest.mark.parametrize('gtype,dtype', [
    ('DCGANGenerator', 'DCGANDiscriminator'),
    ('WGANGPGenerator', 'WGANGPCritic')])
def test_output_shapes_at_each_resolution(res, gtype, dtype):
    G = build(type=gtype, resolution=res, z_dim=16, base_channels=8)
    D = build(type=dtype, resolution=res, base_channels=8)
    img = G(G.sample_z(2))
    assert img.shape == (2, 3, res, res)
    assert img.abs().max() <= 1
    assert D(img).shape == (2, )


def test_wgangp_defaults_follow_the_tutorial():
    G = build(type='WGANGPGenerator', base_channels=4)
    C = build(type='WGANGPCritic', base_channels=4)
    assert (G.z_dim, G.resolution) == (200, 128)
    assert isinstance(G.net[0], torch.nn.ConvTranspose2d)
    norms = [m for m in C.modules() if isinstance(m, torch.nn.InstanceNorm2d)]
    assert norms and all(m.affine for m in norms)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in C.modules())
    convs = [m for m in C.trunk if isinstance(m, torch.nn.Conv2d)]
    assert all(m.kernel_size == (4, 4) and m.stride == (2, 2) for m in convs)


@pytest.mark.parametrize('norm,cls', [('bn', torch.nn.BatchNorm2d),
                                      ('in', torch.nn.InstanceNorm2d),
                                      ('none', None)])
def test_norm_is_configurable(norm, cls):
    G = build(type='DCGANGenerator', resolution=16, z_dim=4, base_channels=4,
              norm=norm)
    kinds = {type(m) for m in G.modules()}
    norms = {torch.nn.BatchNorm2d, torch.nn.InstanceNorm2d}
    assert kinds & norms == ({cls} if cls else set())


def test_latent_interface_of_vector_input_generator():
    G = build(type='DCGANGenerator', resolution=16, z_dim=6, base_channels=4,
              cat_dims=[3], con_dim=2).eval()
    assert (G.z_dim, G.c_dim, G.w_dim, G.num_ws) == (6, 5, 11, 1)
    z, c = G.sample_z(4), G.sample_c(4)
    ws = G.mapping(z, c)
    assert ws.shape == (4, 1, 11)
    assert torch.equal(ws[:, 0, :6], z) and torch.equal(ws[:, 0, 6:], c)
    assert torch.allclose(G.synthesis(ws), G(z, c))
    assert torch.allclose(G.synthesis(ws[:, 0]), G(z, c))


def test_priors():
    G = build(type='DCGANGenerator', resolution=8, z_dim=1000,
              base_channels=4, prior='uniform')
    z = G.sample_z(10)
    assert z.min() >= -1 and z.max() <= 1 and z.min() < -0.9
    g1 = torch.Generator().manual_seed(3)
    g2 = torch.Generator().manual_seed(3)
    assert torch.equal(G.sample_z(5, g1), G.sample_z(5, g2))
    with pytest.raises(ConfigError, match="prior='gauss'"):
        build(type='DCGANGenerator', resolution=8, prior='gauss')


def test_direction_weights_is_the_linear_map_of_w():
    G = build(type='DCGANGenerator', resolution=8, z_dim=5, base_channels=4)
    A = G.direction_weights()
    w = torch.randn(3, 5)
    first = G.net[0](w[:, :, None, None]).flatten(1)
    assert A.shape == (first.shape[1], 5)
    assert torch.allclose(first, w @ A.t(), atol=1e-6)
    with pytest.raises(ConfigError, match='layers'):
        G.direction_weights([1, 2])


def test_bad_latent_shapes_and_conditions_are_named():
    G = build(type='DCGANGenerator', resolution=8, z_dim=5, base_channels=4,
              cat_dims=[3])
    with pytest.raises(ShapeError, match=r'expected \(N, 5\)'):
        G.mapping(torch.randn(2, 4), G.sample_c(2))
    with pytest.raises(ConfigError, match='needs a condition'):
        G(torch.randn(2, 5))
    with pytest.raises(ShapeError, match='no W\\+ space'):
        G.synthesis(torch.randn(2, 3, 8))
    with pytest.raises(ConfigError, match='label 3 is out of range'):
        G.make_c(torch.tensor([0, 3]))
    U = build(type='DCGANGenerator', resolution=8, z_dim=5, base_channels=4)
    with pytest.raises(ConfigError, match='takes no condition'):
        U(torch.randn(2, 5), torch.randn(2, 3))


def test_bad_resolution():
    with pytest.raises(ConfigError, match='resolution=48'):
        build(type='DCGANGenerator', resolution=48)


def test_code_spec_make_split_labels_sweep():
    codes = CodeSpec([3, 2], 2)
    c = codes.make(torch.tensor([[2, 1], [0, 0]]),
                   torch.tensor([[0.5, -0.5], [1.0, 0.0]]))
    assert c.tolist() == [[0, 0, 1, 0, 1, 0.5, -0.5],
                          [1, 0, 0, 1, 0, 1.0, 0.0]]
    blocks, con = codes.split(c)
    assert [b.shape[1] for b in blocks] == [3, 2] and con.shape == (2, 2)
    assert codes.labels(c).tolist() == [[2, 1], [0, 0]]
    swept = codes.sweep(c, 'cat', 0)
    assert swept.shape == (3, 2, 7)
    assert codes.labels(swept[:, 0]).tolist() == [[0, 1], [1, 1], [2, 1]]
    assert torch.equal(swept[:, :, 3:], c[None, :, 3:].expand(3, -1, -1))
    con_sweep = codes.sweep(c, 'con', 1, [-1.0, 1.0])
    assert con_sweep[:, :, 6].tolist() == [[-1, -1], [1, 1]]
    assert torch.equal(con_sweep[:, :, :6], c[None, :, :6].expand(2, -1, -1))
    sample = codes.sample(1000)
    assert sample[:, :3].sum(1).eq(1).all() and sample[:, 5:].abs().le(1).all()
    with pytest.raises(ConfigError, match='cat_dims'):
        CodeSpec([1])


def test_conditional_discriminator_requires_c():
    D = build(type='DCGANDiscriminator', resolution=16, base_channels=4,
              c_dim=3)
    img, c = torch.randn(2, 3, 16, 16), torch.eye(3)[:2]
    assert D(img, c).shape == (2, )
    assert not torch.allclose(D(img, c), D(img, torch.eye(3)[1:]))
    with pytest.raises(ShapeError, match='needs c of shape'):
        D(img)


def test_infogan_discriminator_q_head():
    D = build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              cat_dims=[3, 4], con_dim=2, con_logvar=True)
    score, q = D(torch.randn(5, 3, 16, 16))
    assert score.shape == (5, )
    assert [t.shape for t in q['cat_logits']] == [(5, 3), (5, 4)]
    assert q['con_mean'].shape == (5, 2) and q['con_logvar'].shape == (5, 2)


def test_infogan_discriminator_spectral_norm_option():
    torch.manual_seed(0)
    D = build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              norm='none', cat_dims=[3], con_dim=1, spectral_norm=True)
    x = torch.randn(4, 3, 16, 16)
    for _ in range(30):  # power iterations run in training mode
        D(x)
    D.eval()
    convs = [m for m in [*D.trunk, D.head] if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 3 and all(hasattr(m, 'parametrizations')
                                   for m in convs)
    for m in convs:
        with torch.no_grad():
            sigma = torch.linalg.matrix_norm(m.weight.flatten(1), ord=2)
        assert float(sigma) == pytest.approx(1.0, abs=0.02)
    # Q's head is a classifier: left free
    assert not any(hasattr(m, 'parametrizations') for m in D.q_head)
    score, q = D(x)
    assert score.shape == (4, ) and q['cat_logits'][0].shape == (4, 3)
    plain = build(type='InfoGANDiscriminator', resolution=16,
                  base_channels=4, norm='none', cat_dims=[3], con_dim=1)
    assert not any(hasattr(m, 'parametrizations') for m in plain.modules())


def test_infogan_q_on_value_is_blind_to_colour():
    D = build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              cat_dims=[3], con_dim=1, q_input='value').eval()
    img = torch.rand(4, 3, 16, 16) * 2 - 1
    swapped = img[:, [2, 0, 1]]  # another hue, same HSV value
    score_a, qa = D(img)
    score_b, qb = D(swapped)
    assert torch.allclose(qa['cat_logits'][0], qb['cat_logits'][0])
    assert torch.allclose(qa['con_mean'], qb['con_mean'])
    assert not torch.allclose(score_a, score_b)
    with pytest.raises(ConfigError, match="q_input='hue'"):
        build(type='InfoGANDiscriminator', resolution=16, q_input='hue')


def _disc(x: float, y: float, size: int = 33, r: float = 3.0):
    """A bright disc of radius r at pixel (x, y) on a dark background."""
    yy, xx = torch.meshgrid(torch.arange(float(size)),
                            torch.arange(float(size)), indexing='ij')
    inside = ((xx - x)**2 + (yy - y)**2 <= r * r).float()
    return (inside * 2 - 1)[None, None].repeat(1, 3, 1, 1)


def _centroid(img):
    w = (img[0, 0] + 1).clamp(min=0)
    yy, xx = torch.meshgrid(torch.arange(img.shape[-2] * 1.0),
                            torch.arange(img.shape[-1] * 1.0), indexing='ij')
    return (w * xx).sum() / w.sum(), (w * yy).sum() / w.sum()


def test_random_pose_rotates_about_the_centre_and_keeps_the_background():
    from mmlatent.utils.pose_jitter import random_pose
    img = _disc(24.0, 16.0)  # 8 px right of the centre (16, 16)
    g = torch.Generator().manual_seed(0)
    radii, angles = [], []
    for _ in range(8):
        out = random_pose(img, scale=(1.0, 1.0), shift=0.0, generator=g)
        assert out.shape == img.shape
        assert out[0, :, 0, 0].tolist() == [-1.0] * 3  # border fill
        cx, cy = _centroid(out)
        radii.append(float(torch.hypot(cx - 16, cy - 16)))
        angles.append(float(torch.atan2(cy - 16, cx - 16)))
    assert max(abs(r - 8) for r in radii) < 0.3  # pure rotation
    assert max(angles) - min(angles) > 1.0  # and a random one
    centred = _disc(16.0, 16.0, r=5.0)
    out = random_pose(centred, scale=(1.0, 1.0), shift=0.0, generator=g)
    assert (out - centred).abs().mean() < 0.05  # a centred disc is unmoved


def test_random_pose_rotation_is_bounded():
    import math

    from mmlatent.utils.errors import ConfigError
    from mmlatent.utils.pose_jitter import random_pose_matrices
    g = torch.Generator().manual_seed(0)
    theta = random_pose_matrices(2000, (1.0, 1.0), 0.0, g, rotation=15.0)
    angle = torch.atan2(theta[:, 1, 0], theta[:, 0, 0]).abs()
    assert float(angle.max()) <= math.radians(15.0) + 1e-6
    assert float(angle.max()) > math.radians(14.0)   # the range is used
    wide = random_pose_matrices(2000, (1.0, 1.0), 0.0, g)
    assert float(torch.atan2(wide[:, 1, 0], wide[:, 0, 0]).abs().max()) > 3
    assert torch.equal(random_pose_matrices(3, rotation=0.0)[:, 1, 0],
                       torch.zeros(3))
    with pytest.raises(ConfigError, match='rotation=200'):
        build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              cat_dims=[3], con_dim=2,
              cat_head=dict(type='PoseJitterCatHead', rotation=200))


def test_infogan_cat_head_warps_its_view_in_training_only():
    D = build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              cat_dims=[3], con_dim=2, norm='none',
              cat_head=dict(type='PoseJitterCatHead', rotation=0.0,
                            scale=(1.0, 1.0), shift=0.0, warp=0.1))
    img = torch.rand(4, 3, 16, 16) * 2 - 1
    _, q_eval = D.eval()(img)
    _, q_train = D.train()(img)
    # with an identity pose only the warp can move the training view
    assert not torch.allclose(q_train['cat_logits'][0],
                              q_eval['cat_logits'][0])
    D.cat_head.warp = 0.0
    _, q_still = D(img)
    torch.testing.assert_close(q_still['cat_logits'][0],
                               q_eval['cat_logits'][0])
    with pytest.raises(ConfigError, match='warp_nodes=1'):
        build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              cat_dims=[3], con_dim=2,
              cat_head=dict(type='PoseJitterCatHead', warp=0.1,
                            warp_nodes=1))


def test_infogan_cat_pose_jitter_only_moves_the_categorical_branch():
    torch.manual_seed(0)
    D = build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              cat_dims=[3], con_dim=2,
              cat_head=dict(type='PoseJitterCatHead'))
    img = torch.rand(4, 3, 16, 16) * 2 - 1
    D.eval()
    _, q_eval = D(img)
    D.train()
    for m in D.modules():  # keep batch statistics out of the comparison
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    _, q_a = D(img)
    _, q_b = D(img)
    assert torch.allclose(q_a['con_mean'], q_eval['con_mean'])
    assert not torch.allclose(q_a['cat_logits'][0], q_b['cat_logits'][0])


def test_infogan_q_on_silhouette_is_blind_to_colour_and_brightness():
    D = build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              cat_dims=[3], con_dim=1, q_input='silhouette').eval()
    img = torch.rand(4, 3, 16, 16) * 2 - 1
    dimmed = (img[:, [1, 2, 0]] + 1) * 0.4 - 1  # other hue, 40% of the value
    _, qa = D(img)
    _, qb = D(dimmed)
    torch.testing.assert_close(qa['cat_logits'][0], qb['cat_logits'][0])
    torch.testing.assert_close(qa['con_mean'], qb['con_mean'])



def test_infogan_harmonics_view_reads_the_outline_only():
    from mmlatent.datasets.shapes import render_shapes
    from mmlatent.utils.image import from_uint8
    torch.manual_seed(0)
    D = build(type='InfoGANDiscriminator', resolution=32, base_channels=4,
              cat_dims=[3, 2], con_dim=2,
              cat_head=dict(type='HarmonicsCatHead')).eval()
    assert D.q_head[-1].out_features == 2  # the shared head: con only
    assert D.cat_head[-1].out_features == 5
    # (x, y, scale, rotation, hue): a square, the same square moved,
    # recoloured and turned by 90 degrees, and a triangle
    img = from_uint8(render_shapes([0, 0, 2], [[0.3, 0.6, 0.4, 0.1, 0.0],
                                              [0.6, 0.4, 0.4, 0.1, 0.6],
                                              [0.3, 0.6, 0.4, 0.1, 0.0]],
                                  32))
    img[1] = torch.rot90(img[1], 1, (1, 2))
    _, q = D(img)
    assert [t.shape for t in q['cat_logits']] == [(3, 3), (3, 2)]
    cat = torch.cat(q['cat_logits'], 1).detach()
    same, other = (cat[0] - cat[1]).norm(), (cat[0] - cat[2]).norm()
    assert same < 0.1 * other
    assert not torch.allclose(q['con_mean'][0], q['con_mean'][1])
    with pytest.raises(ConfigError, match="unknown key 'num_harmonic' for "
                       "HarmonicsCatHead"):
        build(type='InfoGANDiscriminator',
              cat_head=dict(type='HarmonicsCatHead', num_harmonic=6))
    with pytest.raises(ConfigError, match="unknown model type 'EdgesCatHead'"):
        build(type='InfoGANDiscriminator', cat_head=dict(type='EdgesCatHead'))


@pytest.mark.parametrize('head, own_keys', [
    ('ImageCatHead', []), ('PoseJitterCatHead', []),
    ('HarmonicsCatHead', ['cat_head.0.bias', 'cat_head.0.weight',
                          'cat_head.2.bias', 'cat_head.2.weight'])])
def test_infogan_cat_heads_are_registered_parts(head, own_keys):
    from mmlatent.models import discriminators
    D = build(type='InfoGANDiscriminator', resolution=16, base_channels=4,
              cat_dims=[3, 2], con_dim=1, q_hidden=6,
              cat_head=dict(type=head))
    assert isinstance(D.cat_head, getattr(discriminators, head))
    # a head with its own layers takes the logits off the shared head
    shared = 5 if not own_keys else 0
    assert D.q_head[-1].out_features == shared + 1
    assert sorted(k for k in D.state_dict() if k.startswith('cat_')) == \
        own_keys
    _, q = D.eval()(torch.rand(2, 3, 16, 16) * 2 - 1)
    assert [t.shape for t in q['cat_logits']] == [(2, 3), (2, 2)]


def test_mbstd_discriminator_scores_samples_by_themselves_and_their_group():
    torch.manual_seed(0)
    D = MODELS.build(dict(type='DCGANMbstdDiscriminator', resolution=16,
                          base_channels=4, mbstd_group_size=4)).eval()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in D.modules())
    img = torch.randn(8, 3, 16, 16)
    score = D(img)
    assert score.shape == (8, )
    # the std channel: identical samples give a zero-std group, which
    # changes the score of the same image
    same = img[:1].repeat(4, 1, 1, 1)
    varied = torch.cat([img[:1], img[1:4]])
    assert not torch.allclose(D(same)[0], D(varied)[0])
    # groups do not mix: samples 0, 2 (group 0 of size 2) do not see 1, 3
    g2 = MODELS.build(dict(type='DCGANMbstdDiscriminator', resolution=16,
                           base_channels=4, mbstd_group_size=2)).eval()
    a = g2(img[:4])
    b = img[:4].clone()
    b[1] = 0
    assert torch.allclose(g2(b)[[0, 2]], a[[0, 2]])
