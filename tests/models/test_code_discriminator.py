"""The code discriminator: concatenated and projected conditions."""
import pytest
import torch

from mmlatent.models.discriminators import CodeDiscriminator
from mmlatent.utils.errors import ConfigError, ShapeError


def test_projection_score_is_head_plus_class_embedding_dot_features():
    torch.manual_seed(0)
    D = CodeDiscriminator(code_dim=4, width=8, depth=3, c_dim=3,
                          conditioning='projection')
    w = torch.randn(5, 4)
    c = torch.eye(3)[torch.tensor([0, 1, 2, 1, 0])]
    with torch.no_grad():
        h = D.net(w)                                   # phi(w) [5, 8]
        want = D.head(h)[:, 0] + (D.embed.weight.t()[[0, 1, 2, 1, 0]]
                                  * h).sum(1)
        assert torch.allclose(D(w, c), want, atol=1e-6)
        # changing only the class moves the score by (e_a - e_b) . phi(w)
        a, b = torch.eye(3)[[0] * 5], torch.eye(3)[[2] * 5]
        shift = ((D.embed.weight[:, 0] - D.embed.weight[:, 2]) * h).sum(1)
        assert torch.allclose(D(w, a) - D(w, b), shift, atol=1e-6)


def test_projection_without_a_condition_is_the_plain_mlp():
    torch.manual_seed(0)
    D = CodeDiscriminator(code_dim=4, width=8, depth=3,
                          conditioning='projection')
    assert not D.projects and not hasattr(D, 'embed')
    torch.manual_seed(0)
    plain = CodeDiscriminator(code_dim=4, width=8, depth=3)
    w = torch.randn(6, 4)
    assert torch.equal(D(w), plain(w))


def test_concat_scores_the_code_beside_its_condition():
    torch.manual_seed(0)
    D = CodeDiscriminator(code_dim=4, width=8, depth=2, c_dim=3)
    w, c = torch.randn(2, 4), torch.eye(3)[:2]
    assert D.net[0].in_features == 7
    assert torch.equal(D(w, c), D.net(torch.cat([w, c], 1)).flatten())


@pytest.mark.parametrize('kw, error, message', [
    (dict(conditioning='film'), ConfigError,
     r"conditioning='film' is not one of \('concat', 'projection'\)"),
    (dict(c_dim=3, depth=1, conditioning='projection'), ConfigError,
     'projection conditioning needs depth >= 2'),
])
def test_bad_options_are_one_line_errors(kw, error, message):
    with pytest.raises(error, match=message):
        CodeDiscriminator(code_dim=4, width=8, **kw)


def test_wrong_code_size_is_named():
    D = CodeDiscriminator(code_dim=4, width=8, depth=2, c_dim=3,
                          conditioning='projection')
    with pytest.raises(ShapeError, match=r'codes have shape \(2, 5\), '
                       r'expected \(N, 4\)'):
        D(torch.randn(2, 5), torch.eye(3)[:2])
