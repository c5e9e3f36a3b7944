"""Reading NVIDIA network pickles (stylegan2-ada-pytorch, stylegan3)
without running any code from the file.

Layout (read from NVIDIA's ``torch_utils/persistence.py`` and
``training/training_loop.py``): a snapshot is ``pickle.dump`` of a dict
``{'G', 'D', 'G_ema', 'augment_pipe', 'training_set_kwargs', ...}``. Every
network module is a *persistent class*: its ``__reduce__`` emits
``torch_utils.persistence._reconstruct_persistent_obj(meta)`` with ``meta =
{'type': 'class', 'version', 'module_src' (the whole source file of the
network module), 'class_name', 'state' (the module's ``__dict__``: its
``_parameters``, ``_buffers``, ``_modules``, ``_init_kwargs`` and plain
attributes such as ``conv_clamp``)}``. NVIDIA's loader executes
``module_src``; here it is never executed: each persistent object becomes an
inert :class:`PersistentStub` holding ``class_name`` and ``state``.
Parameters and buffers are pickled by torch
(``torch._utils._rebuild_tensor_v2`` / ``_rebuild_parameter`` with storages
as nested legacy ``torch.save`` blobs, ``torch.storage._load_from_bytes``),
read with
``torch.load(weights_only=True)``. ``dnnlib.util.EasyDict`` becomes a dict.

Any other global (``os.system``, ``builtins.eval``, a module's class, ...)
is refused with one line; nothing from the file runs.
"""
import collections
import io
import pickle
from typing import Any, Callable, Dict, Tuple

import numpy as np
import torch

from ..utils.errors import CheckpointError

try:
    from numpy._core import multiarray
except ImportError:  # numpy < 2
    from numpy.core import multiarray

PERSISTENCE = ('torch_utils.persistence', '_reconstruct_persistent_obj')


class PersistentStub:
    """An NVIDIA persistent network object, inert: ``class_name``,
    ``module_src`` (kept as text, never run) and ``state`` (its
    ``__dict__``)."""

    def __init__(self, class_name: str, module_src: str, state: dict):
        self.class_name, self.module_src, self.state = \
            class_name, module_src, state

    def children(self) -> Dict[str, 'PersistentStub']:
        """Sub-modules by name (``state['_modules']``)."""
        mods = self.state.get('_modules') or {}
        return {k: v for k, v in mods.items() if v is not None}

    def attr(self, name: str, default: Any = None) -> Any:
        return self.state.get(name, default)


class EasyDict(dict):
    """Stand-in for ``dnnlib.util.EasyDict`` (a dict with attribute access
    in NVIDIA's code; a plain dict here)."""


def _persistent(meta: Any) -> PersistentStub:
    if not isinstance(meta, dict) or meta.get('type') != 'class' or not \
            isinstance(meta.get('class_name'), str):
        raise CheckpointError('a persistent object in the pickle has no '
                              "class meta (type 'class', class_name)")
    state = meta.get('state') or {}
    if not isinstance(state, dict):
        raise CheckpointError(f"persistent {meta['class_name']}: its state "
                              f'is a {type(state).__name__}, not a dict')
    return PersistentStub(meta['class_name'], str(meta.get('module_src', '')),
                          state)


def _storage_from_bytes(data: bytes):
    """A storage pickled by torch as a nested legacy ``torch.save`` blob,
    read with the weights-only unpickler."""
    if not isinstance(data, (bytes, bytearray)):
        raise CheckpointError('a tensor storage in the pickle is not bytes')
    return torch.load(io.BytesIO(data), weights_only=True)


def _rebuild_tensor(storage, offset, size, stride, *_unused):
    """``torch._utils._rebuild_tensor_v2`` for plain CPU storages only."""
    if not isinstance(storage, (torch.UntypedStorage, torch.TypedStorage)):
        raise CheckpointError('a tensor in the pickle has no torch storage')
    t = torch.empty(0, dtype=getattr(storage, 'dtype', torch.uint8))
    return t.set_(storage, offset, tuple(size), tuple(stride))


def _rebuild_parameter(data, *_unused):
    """``torch._utils._rebuild_parameter``: the tensor itself (no grad)."""
    if not torch.is_tensor(data):
        raise CheckpointError('a parameter in the pickle holds no tensor')
    return data


def _rebuild_from_type(func, new_type, args, state):
    """``torch._tensor._rebuild_from_type_v2`` for Tensor / Parameter."""
    if func not in (_rebuild_tensor, _rebuild_parameter) or \
            new_type not in (torch.Tensor, torch.nn.Parameter):
        raise CheckpointError(f'the pickle rebuilds a tensor of type '
                              f'{getattr(new_type, "__name__", new_type)}')
    return func(*args)


def _numpy_globals() -> Dict[Tuple[str, str], Callable]:
    """numpy scalars / arrays (NVIDIA stores gains as numpy floats)."""
    out = {}
    for mod in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        out[(mod, 'scalar')] = multiarray.scalar
        out[(mod, '_reconstruct')] = multiarray._reconstruct
    out[('numpy', 'dtype')] = np.dtype
    out[('numpy', 'ndarray')] = np.ndarray
    return out


def allowed_globals() -> Dict[Tuple[str, str], Any]:
    """(module, name) -> the object the restricted unpickler returns."""
    table = {
        PERSISTENCE: _persistent,
        ('dnnlib.util', 'EasyDict'): EasyDict,
        ('dnnlib', 'EasyDict'): EasyDict,
        ('collections', 'OrderedDict'): collections.OrderedDict,
        ('builtins', 'set'): set,
        ('builtins', 'frozenset'): frozenset,
        ('torch.storage', '_load_from_bytes'): _storage_from_bytes,
        ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
        ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
        ('torch._utils', '_rebuild_parameter_with_state'): _rebuild_parameter,
        ('torch._tensor', '_rebuild_from_type_v2'): _rebuild_from_type,
        ('torch', 'Tensor'): torch.Tensor,
        ('torch.nn.parameter', 'Parameter'): torch.nn.Parameter,
    }
    table.update(_numpy_globals())
    return table


class RestrictedUnpickler(pickle.Unpickler):
    """Admits only :func:`allowed_globals`; anything else is refused."""

    def __init__(self, file, path: str):
        super().__init__(file)
        self.path, self.table = path, allowed_globals()

    def find_class(self, module: str, name: str):
        obj = self.table.get((module, name))
        if obj is not None:
            return obj
        if module.startswith('dnnlib.tflib'):
            raise CheckpointError(
                f"'{self.path}' is a TensorFlow StyleGAN pickle ({module}."
                f"{name}); convert it with NVIDIA's stylegan2-ada-pytorch "
                'legacy.py or rosinality convert_weight.py first')
        raise CheckpointError(
            f"'{self.path}' refers to {module}.{name}, which an NVIDIA "
            'network pickle does not need; refused (nothing from the file '
            'was run)')

    def persistent_load(self, pid):
        raise CheckpointError(f"'{self.path}' uses persistent ids (a "
                              'torch.save zip or legacy file, not an NVIDIA '
                              'pickle); use --format rosinality or mmgen')


def load_nvidia_pickle(path: str) -> dict:
    """The top-level dict of an NVIDIA network pickle, networks as
    :class:`PersistentStub`; one-line CheckpointError on anything else."""
    try:
        with open(path, 'rb') as f:
            data = RestrictedUnpickler(f, path).load()
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"'{path}' does not exist") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError,
            AttributeError, IndexError, KeyError, RuntimeError) as e:
        raise CheckpointError(f"'{path}' is not a readable NVIDIA pickle "
                              f'({type(e).__name__}: '
                              f'{str(e).splitlines()[0] if str(e) else ""})'
                              ) from None
    if not isinstance(data, dict):
        raise CheckpointError(f"'{path}' holds a {type(data).__name__}, not "
                              "the dict of networks ('G', 'G_ema', 'D') of "
                              'an NVIDIA snapshot')
    return data


def flatten(stub: PersistentStub, prefix: str = ''
            ) -> Tuple[Dict[str, torch.Tensor], Dict[str, PersistentStub]]:
    """``(tensors, modules)``: every parameter and buffer by dotted name
    (as ``state_dict()`` would list them) and every module by path."""
    tensors, modules = {}, {prefix.rstrip('.'): stub}
    for kind in ('_parameters', '_buffers'):
        for k, v in (stub.attr(kind) or {}).items():
            if v is not None:
                tensors[prefix + k] = v
    for k, child in stub.children().items():
        if not isinstance(child, PersistentStub):
            raise CheckpointError(f'{prefix + k} is a '
                                  f'{type(child).__name__}, not a network '
                                  'module of NVIDIA\'s layout')
        t, m = flatten(child, f'{prefix}{k}.')
        tensors.update(t)
        modules.update(m)
    return tensors, modules
