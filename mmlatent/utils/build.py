"""Registry build functions that reject misspelled config keys by name,
and a registry that imports its modules only for types it does not hold."""
import difflib
import inspect
from typing import Any, Iterable, Optional, Type

from mmengine.registry import Registry, build_from_cfg, build_model_from_cfg

from .errors import ConfigError


def _params(fn) -> Optional[list]:
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None


def _accepted_keys(obj_cls: Any) -> Optional[set]:
    """Names the constructor of ``obj_cls`` accepts, following ``**kwargs``
    up the class hierarchy; None when any key may be accepted."""
    fns = [c.__dict__['__init__'] for c in obj_cls.__mro__
           if '__init__' in c.__dict__] if inspect.isclass(obj_cls) \
        else [obj_cls]
    keys = set()
    for fn in fns:
        params = _params(fn)
        if params is None:
            return None
        keys |= {p.name for p in params if p.name != 'self'
                 and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return keys
    return None


def suggest(name: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest choice, else ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ''


def check_keys(keys: Iterable[str], accepted: Iterable[str],
               owner: str) -> None:
    """Raise :class:`ConfigError` naming the first of ``keys`` (those of
    the config part ``owner``) that is not ``accepted``."""
    accepted = set(accepted)
    for key in keys:
        if key not in accepted:
            raise ConfigError(
                f"unknown key '{key}' for {owner}{suggest(key, accepted)};"
                f" valid keys: {', '.join(sorted(accepted))}")


def registered_class(registry: Registry, kind: Any) -> Any:
    """The class a config's ``type`` names: looked up in ``registry`` when
    it is a name (None if unknown), else ``kind`` itself."""
    return registry.get(kind) if isinstance(kind, str) else kind


def check_cfg_keys(cfg: dict, registry: Registry,
                   default_type: Optional[str] = None) -> None:
    """Raise :class:`ConfigError` naming an unknown ``type`` or key;
    ``default_type`` is the type the builder assumes when none is given."""
    obj_type = cfg.get('type', default_type)
    if not isinstance(obj_type, str):
        return
    obj_cls = registry.get(obj_type)
    if obj_cls is None:
        known = [k for r in _registry_chain(registry) for k in r.module_dict]
        raise ConfigError(
            f"unknown {registry.name} type '{obj_type}'"
            f'{suggest(obj_type, known)}; register it or import it with '
            "custom_imports=dict(imports=['your_module'])")
    accepted = _accepted_keys(obj_cls)
    if accepted is not None:
        check_keys((k for k in cfg if k != 'type'), accepted, obj_type)


def _registry_chain(registry: Registry):
    while registry is not None:
        yield registry
        registry = registry.parent


def _check(cfg, registry: Registry, default_args) -> None:
    if not isinstance(cfg, dict):
        return
    cfg = {**cfg, **(default_args or {})}
    scope = cfg.pop('_scope_', None)
    if scope is None:
        check_cfg_keys(cfg, registry)
        return
    with registry.switch_scope_and_registry(scope) as scoped:
        check_cfg_keys(cfg, scoped)


def build_checked(cfg, registry: Registry, default_args=None):
    """``build_from_cfg`` after :func:`check_cfg_keys`, in ``registry``'s
    own scope unless ``cfg`` names one (``_scope_``): another toolbox's
    default scope (e.g. after MMagic's ``register_all_modules()``) would
    otherwise make mmengine build that toolbox's class of the same name."""
    _check(cfg, registry, default_args)
    if isinstance(cfg, dict) and '_scope_' not in cfg and registry.scope:
        cfg = {**cfg, '_scope_': registry.scope}
    return build_from_cfg(cfg, registry, default_args)


def build_model_checked(cfg, registry: Registry, default_args=None):
    """``build_model_from_cfg`` after :func:`check_cfg_keys`. A single
    config goes to ``build_from_cfg`` (all ``build_model_from_cfg`` does
    with one, after importing ``mmengine.model`` for the ``Sequential`` of
    a list: about 1 s an app that builds one network does not need)."""
    if isinstance(cfg, list):
        return build_model_from_cfg(cfg, registry, default_args)
    return build_checked(cfg, registry, default_args)


class OnDemandRegistry(Registry):
    """A registry that imports its ``locations`` only when asked for a
    type it does not hold yet.

    mmengine's :class:`~mmengine.registry.Registry` imports every location
    on its first lookup. Here a type already registered in this registry
    (by importing its module, or a config's ``custom_imports``) is returned
    without that, so building one network does not import every module of
    the registry (e.g. a generator without the GAN classes and
    ``mmengine.model``). Any other name is looked up as mmengine does,
    after importing the locations, so own types still come before the
    parents' and unknown names fail the same way.
    """

    def get(self, key: str) -> Optional[Type]:
        """The class registered as ``key`` (see :meth:`Registry.get`)."""
        scope, name = self.split_scope_key(key) if isinstance(key, str) \
            else (None, None)
        if scope in (None, self.scope) and name in self._module_dict:
            return self._module_dict[name]
        return super().get(key)
