"""The condition bank: a ring buffer of training conditions that
``G.sample_c`` draws from, saved with G and copied by the EMA."""
import pytest
import torch

from mmlatent.models.ema import GeneratorEMA
from mmlatent.models.generators.code_bank import CodeBank
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError, ShapeError


def rows(*values):
    return torch.tensor([[float(v), -float(v)] for v in values])


def tiny_G(**kwargs):
    cfg = dict(type='DCGANGenerator', resolution=8, z_dim=4, con_dim=2,
               base_channels=4)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_ring_buffer_keeps_the_last_rows():
    bank = CodeBank(3, 2)
    assert bank.filled == 0
    bank.record(rows(0, 1))
    assert bank.filled == 2 and torch.equal(bank.codes[:2], rows(0, 1))
    bank.record(rows(2, 3, 4))        # 3 and 4 overwrite the oldest, 0 and 1
    assert int(bank.count) == 5 and bank.filled == 3
    assert torch.equal(bank.codes, rows(3, 4, 2))
    bank.record(rows(5, 6, 7, 8))     # more rows than it holds: the last 3
    assert sorted(bank.codes[:, 0].tolist()) == [6.0, 7.0, 8.0]
    with pytest.raises(ShapeError, match=r'expected \(n, 2\)'):
        bank.record(torch.zeros(4, 3))


def test_sample_draws_only_recorded_rows_reproducibly():
    bank = CodeBank(8, 2)
    with pytest.raises(ConfigError, match='bank is empty'):
        bank.sample(1)
    bank.record(rows(1, 2, 3))
    c = bank.sample(300, torch.Generator().manual_seed(0))
    assert set(c[:, 0].tolist()) == {1.0, 2.0, 3.0}   # never an empty row
    assert torch.equal(c[:, 1], -c[:, 0])
    again = bank.sample(300, torch.Generator().manual_seed(0))
    assert torch.equal(c, again)


def test_generator_samples_the_bank_once_filled_and_saves_it():
    G = tiny_G(c_bank=16)
    prior = G.sample_c(500, torch.Generator().manual_seed(0))
    # empty bank: the layout's prior, continuous codes in U(-1, 1)
    assert prior.abs().max() <= 1 and prior.std() > 0.4
    G.c_bank.record(torch.full((4, 2), 5.0))
    assert torch.equal(G.sample_c(7), torch.full((7, 2), 5.0))
    assert set(G.state_dict()) >= {'c_bank.codes', 'c_bank.count'}
    other = tiny_G(c_bank=16)
    other.load_state_dict(G.state_dict())
    assert other.c_bank.filled == 4
    gen = lambda: torch.Generator().manual_seed(3)   # noqa: E731
    assert torch.equal(other.sample_c(5, gen()), G.sample_c(5, gen()))
    assert tiny_G().c_bank is None


def test_bank_needs_a_condition():
    with pytest.raises(ConfigError, match=r'c_bank=8 needs a conditional '
                                          r'generator \(c_dim=0\)'):
        tiny_G(con_dim=0, c_bank=8)


def test_ema_copies_the_bank_and_refreshes_norms_with_its_rows():
    torch.manual_seed(0)
    G = tiny_G(c_bank=8)
    ema = GeneratorEMA(G, momentum=0.5)
    ema.update(G, 0, 4)                 # the first update copies G
    G.c_bank.record(rows(1, 2))
    seen = []
    ema.module.register_forward_pre_hook(
        lambda m, args: seen.append(args[1]))
    ema.update(G, 1, 4)                 # an averaging step
    assert torch.equal(ema.module.c_bank.codes, G.c_bank.codes)
    assert int(ema.module.c_bank.count) == 2
    # the batch-norm refresh ran on recorded conditions, not noise
    assert set(seen[-1][:, 0].tolist()) <= {1.0, 2.0}
