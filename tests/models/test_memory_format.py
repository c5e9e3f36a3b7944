"""channels_last is kept on CPUs only, and follows the model's device."""
import torch

import mmlatent.models  # noqa: F401 (registers)
from mmlatent.models.memory_format import memory_format_for
from mmlatent.registry import MODELS

CFG = dict(type='UnconditionalGAN',
           generator=dict(type='DCGANGenerator', resolution=16, z_dim=8,
                          base_channels=4),
           discriminator=dict(type='DCGANDiscriminator', resolution=16,
                              base_channels=4),
           ema=dict(half_life_images=100), channels_last=True)


def conv_weights(model):
    nets = (model.G, model.D, model.generator_ema.module)
    return [m.weight for net in nets for m in net.modules()
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]


def test_memory_format_for_asks_channels_last_on_cpus_only():
    assert memory_format_for(True, 'cpu') is torch.channels_last
    assert memory_format_for(True, torch.device('cpu')) \
        is torch.channels_last
    assert memory_format_for(True, 'cuda:0') is torch.contiguous_format
    assert memory_format_for(True, 'meta') is torch.contiguous_format
    assert memory_format_for(False, 'cpu') is torch.contiguous_format


def test_channels_last_model_turns_contiguous_off_the_cpu():
    model = MODELS.build(CFG)
    weights = conv_weights(model)
    assert len(weights) >= 6
    assert all(w.is_contiguous(memory_format=torch.channels_last)
               and not w.is_contiguous() for w in weights)
    model.to('meta')    # any device but a CPU, as a GPU would be
    weights = conv_weights(model)
    assert all(w.device.type == 'meta' and w.is_contiguous()
               for w in weights)


def test_contiguous_model_stays_contiguous():
    model = MODELS.build(dict(CFG, channels_last=False))
    assert all(w.is_contiguous() for w in conv_weights(model))
    model.to('cpu')
    assert all(w.is_contiguous() for w in conv_weights(model))


def test_contiguous_while_restores_the_format_and_the_parameters():
    from mmlatent.latent.spaces import contiguous_while
    model = MODELS.build(CFG)
    G = model.G
    params = list(G.parameters())
    before = [p.detach().clone() for p in params]
    with contiguous_while(G) as inside:
        assert inside is G
        assert all(w.is_contiguous() for w in conv_weights(model)[:3])
    assert [p is q for p, q in zip(G.parameters(), params)] == \
        [True] * len(params)
    assert all(torch.equal(p, b) for p, b in zip(G.parameters(), before))
    assert all(w.is_contiguous(memory_format=torch.channels_last)
               and not w.is_contiguous()
               for w in conv_weights(model)[:3])
    plain = MODELS.build(dict(CFG, channels_last=False)).G
    with contiguous_while(plain):
        pass
    assert all(m.weight.is_contiguous() for m in plain.modules()
               if isinstance(m, torch.nn.ConvTranspose2d))
