"""Learning-rate schedules placed in a training phase, not at literal
iterations: ``PhaseLinearLR(phase='autoencoder', start=2/3)`` falls over
the last third of an l-GAN's autoencoder phase wherever ``ae_iters``
puts it, so ``--cfg-options model.ae_iters=N`` (or
``train_cfg.max_iters=M``) moves the schedule with the phase.

:class:`~mmlatent.engine.LatentRunner` resolves the phases when it builds
the schedulers: ``'training'`` is the whole run, and a model adds its own
with a ``training_phases(max_iters)`` method (:class:`LatentGAN`:
``'autoencoder'`` and ``'code'``).
"""
import inspect
from typing import Dict, Optional, Tuple

from mmengine.optim.scheduler import LinearLR

from ..registry import PARAM_SCHEDULERS
from ..utils.build import registered_class
from ..utils.errors import ConfigError

#: phase name -> (first iteration, end iteration), ``end`` excluded
Phases = Dict[str, Tuple[int, int]]


def training_phases(model, max_iters: int) -> Phases:
    """``'training'`` (the whole run) and the model's own phases."""
    phases = {'training': (0, max_iters)}
    own = getattr(model, 'training_phases', None)
    if callable(own):
        phases.update(own(max_iters))
    return phases


def phase_names(model_cls) -> Tuple[str, ...]:
    """``'training'`` and the phases a model class declares
    (``phase_names``), known before the model is built."""
    return ('training',) + tuple(getattr(model_cls, 'phase_names', ()))


def check_phase_args(phase: str, start: float, end, names,
                     factors: Tuple = ()) -> None:
    """One line for a phase the model lacks, a ``start`` outside [0, 1),
    an ``end`` (which the phase places) or a factor (``(name, value)``
    pairs) outside [0, 1]."""
    if end is not None:
        raise ConfigError(
            f'PhaseLinearLR end={end!r}: the phase places the end; set '
            'phase= and start=, or use LinearLR with begin and end')
    if phase not in names:
        raise ConfigError(
            f'PhaseLinearLR phase={phase!r} is not a training phase of this '
            f'model; use one of {sorted(names)}')
    if isinstance(start, bool) or not isinstance(start, (int, float)) \
            or not 0 <= start < 1:
        raise ConfigError(
            f'PhaseLinearLR start={start!r} must be a fraction of the '
            'phase in [0, 1), e.g. start=2/3 for its last third')
    for name, value in factors:
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0 <= value <= 1:
            raise ConfigError(
                f'PhaseLinearLR {name}={value!r} must be in [0, 1] (a '
                "fraction of the optimizer's learning rate)")


def check_phase_scheduler(cfg: dict, model_cls) -> None:
    """A ``PhaseLinearLR`` config against the phases of ``model_cls``,
    before anything is built; other schedulers pass."""
    cls = registered_class(PARAM_SCHEDULERS, cfg.get('type'))
    if _is_phase_scheduler(cls):
        # the constructor's own defaults, where the config leaves a key out
        args = {**_defaults(cls), **cfg}
        check_phase_args(args['phase'], args['start'], args['end'],
                         phase_names(model_cls),
                         _factors(args['start_factor'], args['end_factor']))


def phase_span(phase: str, start: float, phases: Phases) -> Tuple[int, int]:
    """The iterations ``[begin, end)`` from ``start`` (a fraction of the
    phase) to the phase's end. An empty phase (a code phase after the
    last iteration) gives a one-iteration span that training never
    reaches. ``phase`` is one of ``phases`` (:func:`check_phase_args`)."""
    first, end = phases[phase]
    if end <= first:
        return first, first + 1
    begin = first + int(round(start * (end - first)))
    return min(begin, end - 1), end


@PARAM_SCHEDULERS.register_module()
class PhaseLinearLR(LinearLR):
    """mmengine's ``LinearLR`` (per iteration) from ``start`` (a fraction
    of ``phase``, 0 its first iteration) to the phase's end: the rate goes
    from ``start_factor`` to ``end_factor`` times the optimizer's.

    Args:
        phase: ``'training'`` or one of the model's phases
            (:class:`LatentGAN`: ``'autoencoder'``, ``'code'``).
        start: where in the phase the change begins, in [0, 1).
        start_factor, end_factor: the rate at ``start`` and at the
            phase's end, as fractions of the optimizer's (``LinearLR``'s,
            but ``end_factor`` defaults to a tenth).
        phases, end: filled in by :class:`LatentRunner` (``end=None``: the
            phase places the end, not mmengine's default); not config keys.
    """

    def __init__(self, optimizer, phase: str = 'training',
                 start: float = 0.0, start_factor: float = 1.0,
                 end_factor: float = 0.1, phases: Optional[Phases] = None,
                 end: None = None, last_step: int = -1,
                 verbose: bool = False):
        if phases is None:
            raise ConfigError(
                'PhaseLinearLR needs the training phases, which LatentRunner '
                "passes when it builds the schedulers; keep runner_type="
                "'LatentRunner' or use LinearLR with begin and end")
        check_phase_args(phase, start, end, phases,
                         _factors(start_factor, end_factor))
        begin, end = phase_span(phase, start, phases)
        self.phase, self.phase_iters = phase, tuple(phases[phase])
        super().__init__(optimizer, start_factor=start_factor,
                         end_factor=end_factor, begin=begin, end=end,
                         last_step=last_step, by_epoch=False,
                         verbose=verbose)

    def describe(self) -> str:
        """Where the schedule fell, in one line for the log."""
        first, end = self.phase_iters
        return (f'learning rate x{self.start_factor:g} to '
                f'x{self.end_factor:g} over iterations {self.begin}-'
                f'{self.end} (PhaseLinearLR; the {self.phase} phase is '
                f'{first}-{end})')

    def state_dict(self) -> dict:
        """``LinearLR``'s state without the span: a resumed run places it
        from its config's phases, so a changed ``ae_iters`` or
        ``max_iters`` holds after ``--resume`` too."""
        state = super().state_dict()
        for key in ('phase', 'phase_iters', 'begin', 'end', 'total_iters'):
            state.pop(key, None)
        return state


def with_phases(scheduler, phases: Phases):
    """``param_scheduler`` (one config, a list, or a dict of either per
    optimizer) with ``phases`` given to each phase scheduler's config;
    built schedulers and other configs pass through."""
    if isinstance(scheduler, dict) and 'type' not in scheduler:
        return {name: with_phases(part, phases)
                for name, part in scheduler.items()}
    if isinstance(scheduler, (list, tuple)):
        return [with_phases(part, phases) for part in scheduler]
    if isinstance(scheduler, dict) and _is_phase_scheduler(scheduler['type']):
        # an end key, None when not given, keeps mmengine's runner from
        # setting its default end; a given one reaches the constructor,
        # which refuses it (as it checks the rest)
        return dict(scheduler, phases=phases, end=scheduler.get('end'))
    return scheduler


def _defaults(cls) -> dict:
    """The default arguments of ``cls``'s constructor."""
    return {name: p.default
            for name, p in inspect.signature(cls).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _factors(start_factor, end_factor) -> Tuple:
    return (('start_factor', start_factor), ('end_factor', end_factor))


def _is_phase_scheduler(kind) -> bool:
    cls = registered_class(PARAM_SCHEDULERS, kind)
    return isinstance(cls, type) and issubclass(cls, PhaseLinearLR)
