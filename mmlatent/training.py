"""Building a Runner from a config file and the options of
``tools/train.py`` (parsed by :mod:`mmlatent.apis.train_args`; the command
itself is :func:`mmlatent.apis.train.main`)."""
import importlib.util
import inspect
import os
import os.path as osp
import sys
from typing import List, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.utils import import_modules_from_strings

from .engine.phase_scheduler import check_phase_scheduler
from .engine.runner import HOOK_SUBSTITUTES
from .evaluation.gen_evaluator import generative_evaluator_cfg
from .registry import (DATA_SAMPLERS, DATASETS, HOOKS, LOG_PROCESSORS,
                       LOOPS, METRICS, MODELS, OPTIM_WRAPPERS, OPTIMIZERS,
                       PARAM_SCHEDULERS, RUNNERS, VISBACKENDS, VISUALIZERS)
from .utils.build import check_cfg_keys, check_keys, registered_class
from .utils.cfg_options import check_option_types
from .utils.choices import VIS_BACKENDS
from .utils.errors import ConfigError
from .utils.image import first_line
from .utils.malloc import keep_freed_memory
from .utils.threads import choose_threads, load_average, usable_cores


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and merge ``--cfg-options``; one-line errors."""
    if not osp.isfile(path):
        raise ConfigError(f"config file '{path}' does not exist; pass a path "
                          'such as configs/dcgan/'
                          'dcgan_continuity_shapes-32x32.py')
    try:
        cfg = Config.fromfile(path)
    except (KeyError, SyntaxError, TypeError, ValueError) as e:
        raise ConfigError(f"bad config '{path}': {first_line(e)}") from e
    if cfg_options:
        check_option_types(cfg, cfg_options)
        try:
            cfg.merge_from_dict(cfg_options)
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(f'bad --cfg-options: {first_line(e)}') from e
    return cfg


def prepare_config(cfg: Config, *, config_path: str,
                   work_dir: Optional[str] = None,
                   resume: Optional[str] = None, launcher: str = 'none',
                   seed: Optional[int] = None) -> Config:
    """Fill in the work dir, resume, launcher and seed options."""
    cfg.work_dir = work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(config_path))[0])
    cfg.launcher = launcher
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume:
        if not osp.isfile(resume):
            raise ConfigError(f"--resume checkpoint '{resume}' does not "
                              'exist; give a .pth under the work dir or '
                              'plain --resume for the latest one')
        cfg.resume, cfg.load_from = True, resume
    if seed is not None:
        cfg.randomness = dict(cfg.get('randomness', {}), seed=seed)
    if launcher != 'none' and not torch.cuda.is_available():
        cfg.env_cfg.dist_cfg = dict(cfg.env_cfg.get('dist_cfg', {}),
                                    backend='gloo')
        # CPU modules take no device_ids (mmengine sets the local rank).
        cfg.model_wrapper_cfg = dict(cfg.get('model_wrapper_cfg') or dict(
            type='MMSeparateDistributedDataParallel'), device_ids=None)
    return cfg


def set_vis_backends(cfg: Config, names: Optional[List[str]]) -> None:
    """``visualizer.vis_backends`` from ``--vis-backend`` names; the local
    backend (vis_data/scalars.json) always stays. One line when a
    backend's package is missing."""
    if not names:
        return
    backends = [dict(type='LocalVisBackend')]
    for name in dict.fromkeys(names):
        backend, module, extra = VIS_BACKENDS[name]
        if module and importlib.util.find_spec(module) is None:
            raise ConfigError(
                f"--vis-backend {name} needs the '{module}' package; install "
                f"it with pip install '{module}' (or pip install -e "
                f"'.[{extra}]')")
        if backend != 'LocalVisBackend':
            backends.append(dict(type=backend))
    cfg.visualizer = dict(cfg.get('visualizer') or dict(type='Visualizer'),
                          vis_backends=backends)


def set_cpu_threads(verbose: bool = False,
                    configured: Optional[int] = None) -> int:
    """Set torch's threads by the policy of :mod:`mmlatent.utils.threads`
    (``configured``, the config's ``env_cfg.num_threads``, wins, then
    ``OMP_NUM_THREADS``; one thread on a busy machine); with ``verbose``,
    say so when the machine is busy."""
    threads, reason = choose_threads(
        usable_cores(), int(os.environ.get('LOCAL_WORLD_SIZE', '1')),
        load_average(), os.environ.get('OMP_NUM_THREADS'), configured)
    torch.set_num_threads(threads)
    if verbose and 'busy' in reason:
        print(f'note: {threads} torch thread: {reason}', file=sys.stderr)
    return threads


def set_malloc(configured: Optional[bool] = None) -> bool:
    """Keep freed memory in the process for reuse
    (:func:`mmlatent.utils.malloc.keep_freed_memory`: about a tenth of a
    DCGAN-64 step went to page faults) unless ``configured``, the config's
    ``env_cfg.keep_freed_memory``, is False; True if applied."""
    return configured is not False and keep_freed_memory()


def init_cpu_distributed(cfg: Config) -> None:
    """Start a gloo process group for ``--launcher pytorch`` without CUDA.

    mmengine's pytorch launcher calls ``torch.cuda.set_device``, which fails
    on a machine without a GPU; with the group already initialised the
    Runner uses it as it is.
    """
    if cfg.launcher == 'pytorch' and not torch.cuda.is_available() \
            and not dist.is_initialized():
        dist.init_process_group(backend='gloo')


def close_distributed() -> None:
    """Destroy the process group once training is over, as PyTorch asks:
    a gloo rank left to tear its group down at interpreter exit once
    aborted there ("terminate called without an active exception").
    The barrier first: a rank that finished early and destroyed its group
    while the other still sent to it aborted the same way under load
    (sessions 30 and 31)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def validate_config(cfg: Config) -> None:
    """Reject unknown types and misspelled keys of the model, the dataset,
    the hooks, the loops, the optimizers, their wrappers and schedulers, the
    visualizer and its backends, the log processor, ``env_cfg``,
    ``randomness`` and the dataloaders with one-line errors before
    anything is built or printed.

    (mmengine's Runner builds these through its root registries, whose
    errors are multi-line tracebacks after the environment dump.)"""
    check_cfg_keys(cfg.model, MODELS)
    dataset = cfg.get('train_dataloader', {}).get('dataset')
    if isinstance(dataset, dict):
        check_cfg_keys(dataset, DATASETS)
    hooks = cfg.get('custom_hooks', [])
    if not isinstance(hooks, (list, tuple)) or not all(
            isinstance(h, dict) for h in hooks):
        raise ConfigError(
            f'custom_hooks must be a list of dicts, got {hooks!r}; in '
            '--cfg-options set one key, e.g. custom_hooks.1.interval=100')
    defaults = [dict(h, type=HOOK_SUBSTITUTES.get(h.get('type'),
                                                  h.get('type')))
                for h in _dicts((cfg.get('default_hooks') or {}).values())]
    for hook in list(hooks) + defaults:
        check_cfg_keys(hook, HOOKS)
    if isinstance(cfg.get('train_cfg'), dict):
        check_cfg_keys(cfg.train_cfg, LOOPS)
    for metric in _val_metrics(cfg.get('val_evaluator')):
        check_cfg_keys(metric, METRICS)
    if isinstance(cfg.get('val_cfg'), dict):
        check_cfg_keys(cfg.val_cfg, LOOPS, 'GenerativeValLoop')
    for wrapper in _dicts((cfg.get('optim_wrapper') or {}).values()):
        if isinstance(wrapper.get('optimizer'), dict):
            check_cfg_keys(wrapper, OPTIM_WRAPPERS, 'OptimWrapper')
            check_cfg_keys(wrapper['optimizer'], OPTIMIZERS)
    check_schedule_names(cfg.get('param_scheduler'), cfg.get('optim_wrapper'))
    model_cls = registered_class(MODELS, cfg.model.get('type'))
    for scheduler in _schedulers(cfg.get('param_scheduler')):
        check_cfg_keys(scheduler, PARAM_SCHEDULERS)
        check_phase_scheduler(scheduler, model_cls)
    for name, registry, default in (
            ('visualizer', VISUALIZERS, 'Visualizer'),
            ('log_processor', LOG_PROCESSORS, 'LogProcessor')):
        if isinstance(cfg.get(name), dict):
            check_cfg_keys(cfg[name], registry, default)
    for backend in _dicts((cfg.get('visualizer') or {}).get(
            'vis_backends') or []):
        check_cfg_keys(backend, VISBACKENDS)
    for name, keys in (('env_cfg', ENV_CFG_KEYS),
                       ('randomness', RANDOMNESS_KEYS)):
        if isinstance(cfg.get(name), dict):
            check_keys(cfg[name], keys, name)
    check_env_values(cfg.get('env_cfg'))
    for name in ('train_dataloader', 'val_dataloader'):
        check_dataloader(name, cfg.get(name))


# Keys that mmengine's Runner reads and ignores or passes on as they are;
# a misspelled one is silently dropped or fails deep in the runner.
ENV_CFG_KEYS = ('cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit',
                # mmlatent's own (tools/train.py)
                'num_threads', 'keep_freed_memory')
RANDOMNESS_KEYS = ('seed', 'diff_rank_seed', 'deterministic')
# Runner.build_dataloader takes these out; the rest go to DataLoader.
DATALOADER_RUNNER_KEYS = ('dataset', 'sampler', 'batch_sampler',
                          'num_batch_per_epoch', 'worker_init_fn',
                          'collate_fn', 'disable_subprocess_warning')


def check_schedule_names(param_scheduler, optim_wrapper) -> None:
    """Schedules given per optimizer (a dict by name) name exactly the
    optimizers of a multi-optimizer ``optim_wrapper``."""
    if not isinstance(param_scheduler, dict) or 'type' in param_scheduler \
            or not isinstance(optim_wrapper, dict):
        return
    names = sorted(name for name, wrapper in optim_wrapper.items()
                   if isinstance(wrapper, dict)
                   and isinstance(wrapper.get('optimizer'), dict))
    if names and sorted(param_scheduler) != names:
        raise ConfigError(
            f'param_scheduler has schedules for {sorted(param_scheduler)} '
            f'but the optimizers are {names}; give one list per optimizer '
            'by its name, or one list for all')


def check_env_values(env_cfg) -> None:
    """mmlatent's own ``env_cfg`` values, when given: ``num_threads`` a
    whole number >= 1, ``keep_freed_memory`` True or False."""
    if not isinstance(env_cfg, dict):
        return
    threads = env_cfg.get('num_threads')
    if threads is not None and (isinstance(threads, bool) or not isinstance(
            threads, int) or threads < 1):
        raise ConfigError(
            f'env_cfg.num_threads must be a whole number of at least 1, got '
            f'{threads!r}; e.g. --cfg-options env_cfg.num_threads=1')
    keep = env_cfg.get('keep_freed_memory')
    if keep is not None and not isinstance(keep, bool):
        raise ConfigError(
            f'env_cfg.keep_freed_memory must be True or False, got '
            f'{keep!r}; e.g. --cfg-options env_cfg.keep_freed_memory=False')


def check_dataloader(name: str, loader) -> None:
    """The keys of a dataloader config and of its sampler."""
    if not isinstance(loader, dict):
        return
    loader_keys = inspect.signature(torch.utils.data.DataLoader).parameters
    check_keys(loader, set(loader_keys) | set(DATALOADER_RUNNER_KEYS), name)
    for part in ('sampler', 'batch_sampler'):
        if isinstance(loader.get(part), dict):
            check_cfg_keys(loader[part], DATA_SAMPLERS)


def _val_metrics(evaluator) -> list:
    """The metric config dicts of a ``val_evaluator``."""
    evaluator = generative_evaluator_cfg(evaluator)
    metrics = evaluator.get('metrics') if isinstance(evaluator, dict) \
        else None
    return _dicts(metrics if isinstance(metrics, (list, tuple))
                  else [metrics])


def _schedulers(part) -> list:
    """The scheduler dicts of ``param_scheduler``: one, a list, or a dict
    of either per optimizer."""
    if isinstance(part, dict) and 'type' not in part:
        return [s for value in part.values() for s in _schedulers(value)]
    return _dicts(part if isinstance(part, (list, tuple)) else [part])


def _dicts(items) -> list:
    return [item for item in items if isinstance(item, dict)]


def import_custom_modules(cfg: Config) -> None:
    """Import the config's ``custom_imports`` (registers user modules;
    mmlatent's runner and hooks are registered by importing .engine)."""
    imports = cfg.get('custom_imports')
    if imports:
        import_modules_from_strings(**imports)


def build_runner(cfg: Config):
    """The runner named by ``runner_type`` (LatentRunner by default)."""
    import_custom_modules(cfg)
    validate_config(cfg)
    cfg.setdefault('runner_type', 'LatentRunner')
    return RUNNERS.build(cfg)


def add_import_paths(config_path: str) -> None:
    """Let ``custom_imports`` find modules in the working directory and next
    to the config file."""
    for folder in (os.getcwd(), osp.dirname(osp.abspath(config_path))):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def is_rank_zero() -> bool:
    """Whether this is the first process of a (torchrun) job, or the only
    one; decided from the environment, before any process group."""
    return os.environ.get('RANK', '0') == '0'


def check_config(cfg: Config) -> None:
    """Everything that can be checked before the runner prints or creates
    anything: user modules, types and keys, the keys of nested parts."""
    import_custom_modules(cfg)
    validate_config(cfg)
    check_model_builds(cfg)


def check_model_builds(cfg: Config) -> None:
    """Build the model on the meta device (no memory, no weights), so that
    a misspelled key of a nested part (``model.generator.z_dimm``) is named
    now rather than after the runner's environment dump. Errors that are
    not config errors are left to the real build."""
    try:
        with torch.device('meta'):
            MODELS.build(cfg.model)
    except ConfigError:
        raise
    except Exception:  # noqa: BLE001 - reported by the runner's build
        pass
