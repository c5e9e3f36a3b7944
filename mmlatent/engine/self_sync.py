"""Multi-process training without DDP hooks, for models that run parts of
their networks directly.

DDP averages gradients through hooks that fire only when a network is
called through its DDP wrapper. :class:`~mmlatent.models.LatentGAN` calls
the generator's decoder (phase 1) and mapping (phase 2) on their own, so
under DDP their gradients would stay per process. A model that says so
(``syncs_own_gradients = True``) gets, in a multi-process run:

* :class:`SelfSyncWrapper` as its model wrapper: no network is wrapped, the
  steps go to the model as they are;
* :class:`SyncedOptimWrapper` for each network (picked by
  :class:`~mmlatent.engine.GANOptimWrapperConstructor`): it averages the
  gradients of its parameters over the processes just before each step.

The replicas start equal (mmengine broadcasts the weights after their
initialisation) and take the same averaged steps, so they stay equal; the
model keeps its own buffers in step (LatentGAN averages its batch-norm and
code statistics).
"""
from mmengine.dist import all_reduce_params
from mmengine.optim import OptimWrapper
from torch import nn

from ..registry import MODEL_WRAPPERS, OPTIM_WRAPPERS


def syncs_own_gradients(model: nn.Module) -> bool:
    """Whether ``model`` averages its gradients itself (see module doc)."""
    return bool(getattr(model, 'syncs_own_gradients', False))


@OPTIM_WRAPPERS.register_module()
class SyncedOptimWrapper(OptimWrapper):
    """mmengine's ``OptimWrapper`` that averages the gradients of its
    parameters over the processes before each step (and before gradient
    clipping); the same as ``OptimWrapper`` in a single process."""

    def step(self, **kwargs) -> None:
        all_reduce_params([p.grad for group in self.optimizer.param_groups
                           for p in group['params'] if p.grad is not None],
                          op='mean')
        super().step(**kwargs)


@MODEL_WRAPPERS.register_module()
class SelfSyncWrapper(nn.Module):
    """The model wrapper of a multi-process run of a model that averages
    its own gradients: the networks stay unwrapped and each step is the
    model's own."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def train_step(self, data, optim_wrapper):
        return self.module.train_step(data, optim_wrapper)

    def val_step(self, data):
        return self.module.val_step(data)

    def test_step(self, data):
        return self.module.test_step(data)
