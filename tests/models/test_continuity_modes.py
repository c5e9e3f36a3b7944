"""The continuity term trained (batch-norm in train mode on the batch of
3n) is the term measured (eval mode, running statistics)."""
import torch
from torch import nn

from mmlatent.models.generators import DCGANGenerator
from mmlatent.models.losses import continuity_penalty


def population_bn(G: nn.Module, batches: int = 20, n: int = 256) -> None:
    """Running statistics = the mean over ``batches`` prior batches."""
    for m in G.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None
            m.reset_running_stats()
    G.train()
    with torch.no_grad():
        for _ in range(batches):
            G(G.sample_z(n))


def test_train_mode_penalty_is_within_15_percent_of_eval_mode():
    torch.manual_seed(0)
    # the main job's generator and batch size
    G = DCGANGenerator(resolution=32, z_dim=64, base_channels=32,
                       prior='uniform')
    population_bn(G)
    gen = torch.Generator().manual_seed(1)
    z1, z2 = G.sample_z(64, gen), G.sample_z(64, gen)
    gamma = torch.rand(64, generator=gen)
    with torch.no_grad():
        trained = continuity_penalty(G.train(), z1, z2, gamma)
        measured = continuity_penalty(G.eval(), z1, z2, gamma)
    assert measured > 0
    assert abs(trained / measured - 1) < 0.15
