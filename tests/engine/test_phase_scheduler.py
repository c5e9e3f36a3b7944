"""PhaseLinearLR: learning-rate schedules placed in the training phases."""
import pytest
import torch

from mmlatent.engine.phase_scheduler import (PhaseLinearLR, phase_span,
                                             training_phases, with_phases)
from mmlatent.utils.errors import ConfigError

PHASES = {'training': (0, 4000), 'autoencoder': (0, 3150),
          'code': (3150, 4000)}


def optimizer(lr: float = 1.0):
    return torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=lr)


def lrs(scheduler, opt, iters: int) -> list:
    """The rate each iteration trains with, stepped as the runner does."""
    out = []
    for _ in range(iters):
        out.append(opt.param_groups[0]['lr'])
        scheduler.step()
    return out


@pytest.mark.parametrize('phase, start, span', [
    ('autoencoder', 2 / 3, (2100, 3150)),   # the main job's cool-down
    ('autoencoder', 0.0, (0, 3150)),
    ('code', 0.0, (3150, 4000)),
    ('code', 0.5, (3575, 4000)),
    ('training', 0.25, (1000, 4000))])
def test_span_is_a_fraction_of_the_phase(phase, start, span):
    assert phase_span(phase, start, PHASES) == span


def test_an_empty_phase_gives_a_span_training_never_reaches():
    # a run that ends inside the autoencoder phase has an empty code phase
    assert phase_span('code', 0.0, {'code': (3150, 3150)}) == (3150, 3151)
    # a one-iteration phase keeps one iteration
    assert phase_span('autoencoder', 0.9, {'autoencoder': (0, 1)}) == (0, 1)


def test_rate_falls_linearly_over_the_span_only():
    opt = optimizer()
    s = PhaseLinearLR(opt, phase='autoencoder', start=2 / 3, end_factor=0.1,
                      phases={'autoencoder': (0, 30)})
    lr = lrs(s, opt, 40)
    assert lr[:21] == [1.0] * 21            # full rate until iteration 20
    assert lr[25] == pytest.approx(1 - 0.9 * 5 / 9)
    assert lr[29] == pytest.approx(0.1)     # a tenth at the phase's end
    assert lr[30:] == pytest.approx([0.1] * 10)   # and after it
    assert s.describe() == ('learning rate x1 to x0.1 over iterations '
                            '20-30 (PhaseLinearLR; the autoencoder phase is '
                            '0-30)')


def test_same_rates_as_linear_lr_at_the_resolved_iterations():
    from mmengine.optim.scheduler import LinearLR
    a, b = optimizer(), optimizer()
    phase = PhaseLinearLR(a, phase='code', end_factor=0.1, phases=PHASES)
    plain = LinearLR(b, start_factor=1.0, end_factor=0.1, begin=3150,
                     end=4000, by_epoch=False)
    assert lrs(phase, a, 4100) == lrs(plain, b, 4100)


def test_unknown_phase_names_the_phases():
    with pytest.raises(ConfigError, match=r"phase='decoder' is not a "
                       r"training phase.*\['autoencoder', 'code', "
                       r"'training'\]"):
        PhaseLinearLR(optimizer(), phase='decoder', phases=PHASES)


@pytest.mark.parametrize('start', [1.0, -0.1, '2/3', True])
def test_start_must_be_a_fraction(start):
    with pytest.raises(ConfigError, match=rf'start={start!r} must be a '
                       r'fraction of the phase in \[0, 1\)'):
        PhaseLinearLR(optimizer(), phase='code', start=start, phases=PHASES)


@pytest.mark.parametrize('key, value', [('end_factor', 2.0),
                                        ('start_factor', -0.5),
                                        ('end_factor', '0.1')])
def test_factors_must_be_fractions(key, value):
    from mmlatent.engine.phase_scheduler import check_phase_scheduler
    from mmlatent.models.gans.latent_gan import LatentGAN
    message = rf"PhaseLinearLR {key}={value!r} must be in \[0, 1\]"
    with pytest.raises(ConfigError, match=message):
        PhaseLinearLR(optimizer(), phase='code', phases=PHASES,
                      **{key: value})
    with pytest.raises(ConfigError, match=message):     # before building
        check_phase_scheduler({'type': 'PhaseLinearLR', key: value},
                              LatentGAN)


def test_end_is_refused():
    message = r'PhaseLinearLR end=5: the phase places the end'
    from mmlatent.registry import PARAM_SCHEDULERS
    given = with_phases(dict(type='PhaseLinearLR', phase='code', end=5),
                        PHASES)    # the runner's road: the end stays
    with pytest.raises(ConfigError, match=message):
        PARAM_SCHEDULERS.build(dict(given, optimizer=optimizer()))
    with pytest.raises(ConfigError, match=message):
        PhaseLinearLR(optimizer(), phase='code', end=5, phases=PHASES)


def test_without_the_runner_it_says_what_to_do():
    with pytest.raises(ConfigError, match="LatentRunner passes.*LinearLR "
                       "with begin and end"):
        PhaseLinearLR(optimizer(), phase='code')


def test_state_dict_leaves_the_span_to_the_config():
    # a resume with a changed ae_iters places the schedule from the new
    # phases, not the checkpoint's
    old = PhaseLinearLR(optimizer(), phase='code', phases=PHASES)
    state = old.state_dict()
    assert not {'phase', 'phase_iters', 'begin', 'end',
                'total_iters'} & set(state)
    moved = dict(PHASES, code=(1500, 4000))
    new = PhaseLinearLR(optimizer(), phase='code', phases=moved)
    new.load_state_dict(state)
    assert (new.begin, new.end, new.total_iters) == (1500, 4000, 2499)
    assert new.last_step == old.last_step


def test_training_phases_of_models():
    assert training_phases(torch.nn.Linear(1, 1), 10) == {'training': (0, 10)}

    class TwoPhases(torch.nn.Module):
        def training_phases(self, max_iters):
            return {'first': (0, 3), 'second': (3, max_iters)}

    assert training_phases(TwoPhases(), 10) == {
        'training': (0, 10), 'first': (0, 3), 'second': (3, 10)}


def test_latent_gan_phases():
    from mmlatent.models.gans.latent_gan import LatentGAN

    class Stub:
        ae_iters = 3150

    phases = LatentGAN.training_phases(Stub(), 4000)
    assert phases == {'autoencoder': (0, 3150), 'code': (3150, 4000)}
    # a run that stops inside the autoencoder phase: an empty code phase
    short = LatentGAN.training_phases(Stub(), 100)
    assert short == {'autoencoder': (0, 3150), 'code': (3150, 3150)}


def test_with_phases_reaches_every_phase_scheduler_only():
    linear = dict(type='LinearLR', begin=0, end=10, by_epoch=False)
    phase = dict(type='PhaseLinearLR', phase='code')
    built = object()
    cfg = dict(encoder=[linear, phase], mapping=phase, decoder=[built])
    out = with_phases(cfg, PHASES)
    given = dict(phase, phases=PHASES, end=None)
    assert out['encoder'] == [linear, given]
    assert out['mapping'] == given
    assert out['decoder'] == [built]
    assert with_phases([dict(phase, type=PhaseLinearLR)], PHASES)[0][
        'phases'] == PHASES
    assert 'phases' not in phase              # the config is not changed
    assert with_phases(None, PHASES) is None


def test_runner_places_the_main_jobs_schedules_in_its_phases(tmp_path):
    """``--cfg-options model.ae_iters=N train_cfg.max_iters=M`` moves the
    main job's cool-down and code-GAN schedule with the phases."""
    from helpers import make_cfg
    from mmlatent.training import build_runner
    cfg = make_cfg('lgan/lgan_continuity_shapes-32x32.py', tmp_path,
                   model__ae_iters=600, train_cfg__max_iters=1000,
                   val_evaluator=None)
    runner = build_runner(cfg)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    schedulers = runner.build_param_scheduler(runner.param_schedulers)
    spans = {name: [(s.begin, s.end) for s in group]
             for name, group in schedulers.items()}
    assert spans == {'encoder': [(400, 600)], 'decoder': [(400, 600)],
                     'mapping': [(600, 1000)],
                     'discriminator': [(600, 1000)]}
    log = open(runner.logger.log_file).read()
    assert ('encoder: learning rate x1 to x0.1 over iterations 400-600 '
            '(PhaseLinearLR; the autoencoder phase is 0-600)') in log
    assert log.count('learning rate x1 to x0.1') == 4    # once each


def test_config_check_knows_each_models_phases_before_building():
    from mmlatent.engine.phase_scheduler import check_phase_scheduler
    from mmlatent.models.gans.latent_gan import LatentGAN
    from mmlatent.registry import MODELS
    code = dict(type='PhaseLinearLR', phase='code')
    check_phase_scheduler(code, LatentGAN)
    dcgan = MODELS.get('DCGAN')
    with pytest.raises(ConfigError, match=r"phase='code' is not a training "
                       r"phase of this model; use one of \['training'\]"):
        check_phase_scheduler(code, dcgan)
    check_phase_scheduler(dict(type='LinearLR', end=5), dcgan)   # not ours

    class Stub:
        ae_iters = 10
    # the names the config check knows are the phases the model has
    assert set(LatentGAN.phase_names) == set(
        LatentGAN.training_phases(Stub(), 20))
