"""``--judge`` of the prompt mapper: which judge a checkpoint gets, and a
code judge taught on the checkpoint's own training data. Shared by
``apps/text_to_image.py`` and ``benchmarks/text_quality.py``, so that the
benchmark measures what the app does."""
from typing import Callable, Optional

import torch
from torch import nn

from ..control.code_judge import CodeJudge, code_judge_for
from ..control.scorers import Scorer
from ..datasets.captions import ATTRIBUTES
from ..evaluation.evaluator import real_images
from ..utils.errors import ConfigError
from .evaluate import real_dataset


def judge_kind(model: nn.Module, judge: str) -> str:
    """``'code'`` or ``'image'`` for ``--judge judge`` (one of
    :data:`~mmlatent.apis.args.JUDGES`; ``'auto'``: code
    where the model has an encoder); a one-line error for ``'code'`` on a
    model without one."""
    has_encoder = hasattr(model, 'real_codes')
    if judge == 'auto':
        return 'code' if has_encoder else 'image'
    if judge == 'code' and not has_encoder:
        raise ConfigError(f'--judge code needs a generator with an encoder '
                          f"(an l-GAN, configs/lgan/); this checkpoint's "
                          f'{type(model).__name__} has none: use --judge '
                          'image')
    return judge


def teach_code_judge(model: nn.Module, cfg, scorer: Scorer, *, num: int,
                     seed: int = 0,
                     generator: Optional[torch.Generator] = None,
                     progress: Optional[Callable] = None) -> CodeJudge:
    """A code judge taught on ``num`` real images of the checkpoint
    config's training data (drawn with ``seed``; ``progress`` wraps the
    batches of 1024)."""
    batches = real_images(real_dataset(None, cfg, model.G.resolution), num,
                          batch_size=1024, seed=seed)
    if progress is not None:
        batches = progress(batches, total=-(-num // 1024))
    return code_judge_for(model, scorer, batches, generator=generator)


def agreement_line(judge: CodeJudge) -> str:
    """The judge's held-out agreement with its scorer, per attribute."""
    return 'agreement with the scorer on held-out real codes ' + ', '.join(
        f'{a} {float(v):.1%}' for a, v in zip(ATTRIBUTES, judge.agreement))
