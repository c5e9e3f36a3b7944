"""Independent mutations of many points (mmlatent.latent.mutation, the
library half of apps/mutate.py): images, missing directions, the report
rows and the grids match the per-point results."""
import pytest
import torch

from mmlatent.latent.annotate import _cell_origin
from mmlatent.latent.codes import Codes, render_codes
from mmlatent.latent.directions import DirectionSet
from mmlatent.latent.independence import outside_energy
from mmlatent.latent.mutation import (Mutations, independent_mutations,
                                      mutate_points, mutation_grids,
                                      mutation_record, mutation_report,
                                      report_lines)
from mmlatent.utils.image import to_uint8

DELTAS = [-1.0, 0.0, 2.0]


def points(n=3, dim=6, seed=1):
    return Codes(torch.randn(n, dim, generator=torch.Generator()
                             .manual_seed(seed)), 'z')


@pytest.mark.parametrize('mode', ['point', 'mean'])
def test_global_images_and_rows_match_each_point(linear_G, mode):
    """img = M z is linear: the image of z + d v is M z + d M v, and every
    report row is the value of that point's direction."""
    codes = points()
    res = independent_mutations(linear_G, codes, mode=mode,
                                num_directions=2, deltas=DELTAS,
                                chunk_size=4)
    assert res.images.shape == (3, 2, 3, 2, 8, 8)
    assert not res.missing.any()
    M = linear_G.M
    for i in range(3):
        V = res.ds.of_point(i)[:2]
        for k in range(2):
            for j, d in enumerate(DELTAS):
                expected = (M @ (codes.latent[i] + d * V[k])).view(2, 8, 8)
                assert torch.allclose(res.images[i, k, j], expected,
                                      atol=1e-4)
    assert [(r['point'], r['direction']) for r in res.rows] == \
        [(i, k) for i in range(3) for k in range(2)]
    for row in res.rows:
        j = res.ds.index_of_point(row['point'])
        assert row['value'] == float(res.ds.values[j][row['direction']])
        assert 'outside_predicted' not in row
    record = mutation_record(res)
    assert record['kind'] == 'global' and record['mode'] == mode
    assert record['deltas'] == DELTAS and record['directions'] == res.rows


def test_local_rows_measure_the_outside_energy(linear_G):
    codes = points(2)
    region = linear_G.region_mask()
    res = independent_mutations(linear_G, codes, region=region,
                                num_directions=2, deltas=DELTAS, relax=0.0,
                                chunk_size=4)
    base = render_codes(linear_G, codes)
    measured = outside_energy(base, res.images, region)  # [N, K, D]
    for row in res.rows:
        i, k = row['point'], row['direction']
        assert row['outside_predicted'] == float(res.ds.outside[i][k])
        assert row['outside_measured'] == pytest.approx(
            float(measured[i, k][[0, 2]].mean()))  # the nonzero deltas
        assert row['outside_measured'] < 1e-6     # only the region moves
    lines = report_lines(res.rows, local=True)
    row = res.rows[0]
    assert lines[0] == (
        f"point 0 direction 0: region gain {row['value']:.4g}, change "
        'energy outside the region '
        f"{100 * row['outside_predicted']:.2f}% (linear), "
        f"{100 * row['outside_measured']:.2f}% (measured)")


def test_missing_directions_and_grids(dcgan_G):
    """Point 1 has one direction, point 0 two: direction 1 of point 1 is
    missing (zero images, grey cell); a direction no point has gets no
    grid; the delta-0 column is the unmutated image."""
    codes = points(2)
    V = torch.linalg.qr(torch.randn(6, 3))[0].t()  # 3 orthonormal rows
    ds = DirectionSet([V[:2], V[:1]], [torch.tensor([2.0, 1.0]),
                                       torch.tensor([3.0])],
                      'global', 'point', 'z')
    images, missing = mutate_points(dcgan_G, codes, ds, DELTAS,
                                    num_directions=3)
    assert missing.tolist() == [[False, False, True], [False, True, True]]
    assert (images[1, 1] == 0).all()
    base = render_codes(dcgan_G, codes)
    assert torch.allclose(images[:, 0, 1], base, atol=1e-6)
    rows = mutation_report(ds, base, images, DELTAS, num_directions=3)
    assert [(r['point'], r['direction'], r['value']) for r in rows] == \
        [(0, 0, 2.0), (0, 1, 1.0), (1, 0, 3.0)]
    grids = mutation_grids(Mutations(ds, images, missing, rows, DELTAS))
    assert list(grids) == ['mutate_d0.png', 'mutate_d1.png']
    y, x = _cell_origin(0, 2, 8, 8, 2)  # point 0, delta 2.0, direction 0
    assert (grids['mutate_d0.png'][y:y + 8, x:x + 8] ==
            to_uint8(images[0, 0, 2:3])[0]).all()
    y, x = _cell_origin(1, 0, 8, 8, 2)  # point 1 has no direction 1
    assert (grids['mutate_d1.png'][y:y + 8, x:x + 8] == 96).all()


def test_no_direction_no_grid(linear_G):
    ds = DirectionSet([torch.zeros(0, 6)], [torch.zeros(0)], 'local',
                      'mean', 'z', outside=[torch.zeros(0)],
                      region=linear_G.region_mask())
    images, missing = mutate_points(linear_G, points(2), ds, DELTAS,
                                    num_directions=2)
    assert images is None and missing.all()
    assert mutation_report(ds, render_codes(linear_G, points(2)), images,
                           DELTAS, num_directions=2) == []


def test_messages_are_noted_once_before_rendering(dcgan_G):
    """A dense generator's background has full rank: no local direction,
    one message per distinct reason, heard through ``note``."""
    region = torch.zeros(8, 8, dtype=torch.bool)
    region[:2, :2] = True
    said = []
    res = independent_mutations(dcgan_G, points(2), region=region,
                                mode='mean', relax=0.0, num_directions=2,
                                deltas=DELTAS, note=said.append)
    assert res.images is None and res.missing.all() and res.rows == []
    assert said == [f'local directions: {m}'
                    for m in dict.fromkeys(res.ds.messages)]
    assert len(said) == 1 and 'raise relax' in said[0]
    assert mutation_grids(res) == {}
