"""Type checks of ``--cfg-options`` values, before anything is built."""
from typing import Any, Optional

from .errors import ConfigError

_MISSING = object()

#: Keys mmengine reads as integer counts, and their smallest valid value.
COUNT_KEYS = {
    'train_cfg.max_iters': 1, 'train_cfg.max_epochs': 1,
    'train_cfg.val_interval': 1, 'train_dataloader.batch_size': 1,
    'train_dataloader.num_workers': 0, 'default_hooks.logger.interval': 1,
    'default_hooks.checkpoint.interval': 1,
    'default_hooks.checkpoint.max_keep_ckpts': -1, 'randomness.seed': 0,
    'val_cfg.num_samples': 1, 'val_cfg.batch_size': 1,
}


def kind_of(value: Any) -> Optional[str]:
    """'bool', 'number', 'string', 'list' or 'dict'; None for None and
    other objects (which any value may replace)."""
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, (list, tuple)):
        return 'list'
    if isinstance(value, dict):
        return 'dict'
    return None


def lookup(cfg: Any, key: str) -> Any:
    """The value at dotted ``key`` (list items by index), or _MISSING."""
    node = getattr(cfg, '_cfg_dict', cfg)  # a Config wraps a ConfigDict
    for part in key.split('.'):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and \
                int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def check_count(key: str, value: Any) -> None:
    low = COUNT_KEYS[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        got = '' if isinstance(value, int) and not isinstance(value, bool) \
            else f', got a {kind_of(value) or type(value).__name__}'
        want = 'a positive integer' if low == 1 else \
            f'an integer >= {low}'
        raise ConfigError(f'--cfg-options {key}={_shown(value)}: expected '
                          f'{want}{got}, e.g. {key}=100')


def check_option_types(cfg: Any, options: dict) -> None:
    """Raise :class:`ConfigError` (one line naming the key, the value and
    the expected type) when an option replaces a config value by one of
    another kind, e.g. a number by a string. ``cfg`` is the config before
    the options are merged. None may replace anything and anything may
    replace None."""
    for key, value in options.items():
        if key in COUNT_KEYS:
            check_count(key, value)
            continue
        old = lookup(cfg, key)
        want, got = kind_of(old), kind_of(value)
        if old is _MISSING or want is None or got is None or want == got:
            continue
        raise ConfigError(
            f'--cfg-options {key}={_shown(value)}: expected a {want} like '
            f'the config\'s {_shown(old)}, got a {got}')
