"""What a guidance run records (the library half of
``apps/classifier_guidance.py``): the images of the recorded steps, a
second scorer's view of them, the CSV rows, the final scores and the
report."""
from dataclasses import dataclass
from typing import Dict, List, Optional

from torch import Tensor, nn

from ..latent.interpolation import render
from ..latent.spaces import repeat_c
from .guidance import GuidanceResult
from .scorers import Scorer


def recorded_steps(steps: int, save_every: int) -> List[int]:
    """Every ``save_every``-th step from 0, and the last."""
    return sorted(set(range(0, steps + 1, save_every)) | {steps})


@dataclass
class GuidanceRecord:
    """The recorded ``steps`` (S of them), their images ``img`` [N, S, C, H,
    W] and the verifying scorer's scores ``verify`` [N, S] (None without a
    verifier)."""
    steps: List[int]
    img: Tensor
    verify: Optional[Tensor] = None


def record_guidance(G: nn.Module, res: GuidanceResult,
                    c: Optional[Tensor] = None, *, save_every: int = 5,
                    verifier: Optional[Scorer] = None,
                    verify_attribute: Optional[str] = None
                    ) -> GuidanceRecord:
    """Render the codes of ``res`` at :func:`recorded_steps` (``c``: their
    condition) and, with ``verifier``, score them by its
    ``verify_attribute`` (default: the guided attribute)."""
    steps = recorded_steps(res.scores.shape[0] - 1, save_every)
    n = res.latents.shape[1]
    codes = res.latents[steps].transpose(0, 1).flatten(0, 1)
    img = render(G, codes, space=res.space, c=repeat_c(c, len(steps)))
    verify = None
    if verifier is not None:
        attr = verifier.check_attribute(verify_attribute or res.attribute)
        verify = verifier(img)[attr].float().cpu().view(n, len(steps))
    return GuidanceRecord(steps, img.view(n, len(steps), *img.shape[1:]),
                          verify)


def csv_rows(res: GuidanceResult, record: GuidanceRecord) -> List[list]:
    """``step, sample, guide, verify`` rows (a header first): every step's
    guiding score, the verifier's at the recorded steps (else empty)."""
    column = {step: j for j, step in enumerate(record.steps)}
    rows = [['step', 'sample', 'guide', 'verify']]
    verify = record.verify
    for step in range(res.scores.shape[0]):
        for i in range(res.scores.shape[1]):
            v = '' if verify is None or step not in column else \
                f'{float(verify[i, column[step]]):.6g}'
            rows.append([step, i, f'{float(res.scores[step, i]):.6g}', v])
    return rows


def final_scores(res: GuidanceResult,
                 record: GuidanceRecord) -> Dict[str, Tensor]:
    """``{guide_<attribute>: [N], verify_<attribute>: [N]}`` at the last
    step (the second only with a verifier)."""
    scores = {f'guide_{res.attribute}': res.scores[-1]}
    if record.verify is not None:
        scores[f'verify_{res.attribute}'] = record.verify[:, -1]
    return scores


def report_lines(res: GuidanceResult, record: GuidanceRecord, *,
                 guide_name: str, verify_name: str = '') -> List[str]:
    """How many codes reached the target by the guiding scorer and, with a
    verifier, by it, and how many fooled the guide only."""
    ok = res.reached()
    n = len(ok)
    goal = f'{res.attribute} = {res.target:g} +- {res.tolerance:g}'
    lines = [f'guiding scorer {guide_name}: {int(ok.sum())}/{n} reached '
             f'{goal} (mean score {float(res.scores[0].mean()):.4f} -> '
             f'{float(res.scores[-1].mean()):.4f})']
    verify = record.verify
    if verify is not None:
        vok = res.reached(verify[:, -1])
        fooled = int((ok & ~vok).sum())
        lines.append(
            f'verifying scorer {verify_name}: {int(vok.sum())}/{n} reached'
            f' {goal} (mean {float(verify[:, 0].nanmean()):.4f} -> '
            f'{float(verify[:, -1].nanmean()):.4f}); {fooled} fooled the '
            'guiding scorer without the verifier agreeing')
    return lines
