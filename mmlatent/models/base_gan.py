"""BaseGAN: one training iteration = a discriminator phase, and every
``discriminator_steps`` iterations a generator phase (``n_critic``).

Subclasses change what the phases compute through small hooks:
``real_c`` / ``fake_c`` (conditioning), ``d_forward`` (what D returns),
``d_regularizers`` and ``g_regularizers`` (extra named loss terms).
"""
import math
from contextlib import nullcontext
from typing import Dict, Optional, Tuple

import torch
from mmengine.logging import MessageHub, print_log
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import Tensor

from ..registry import MODELS
from ..utils.errors import ConfigError, NonFiniteLossError
from ..utils.model import no_param_grads, unwrap
from .ema import pick_generator
from .memory_format import apply_memory_format, memory_format_for
from .precision import autocast_dtype, check_autocast, describe_auto

Losses = Dict[str, Tensor]


def current_iter() -> int:
    """The runner's current iteration (0 outside a runner)."""
    return int(MessageHub.get_current_instance().get_info('iter', 0))


def check_finite(losses: Losses, phase: str, it: int) -> None:
    """Raise NonFiniteLossError naming the first NaN/inf loss term (one
    host sync for all terms when every term is finite)."""
    if not losses or bool(torch.stack(
            [v.detach().reshape(()) for v in losses.values()]).isfinite(
            ).all()):
        return
    for name, value in losses.items():
        v = float(value.detach())
        if not math.isfinite(v):
            raise NonFiniteLossError(
                f"loss '{phase}_loss_{name}' became {v} at iteration "
                f'{it + 1}; '
                'training stopped and the last checkpoint is kept. Lower the '
                'learning rate or this loss weight, then --resume')


@MODELS.register_module()
class UnconditionalGAN(BaseModel):
    """A GAN trained with an adversarial loss, optionally the continuity
    regulariser and an EMA of the generator.

    Args:
        generator, discriminator: configs of the networks.
        gan_loss: config of the adversarial loss (e.g. NonSaturatingGANLoss).
        discriminator_steps: D steps per G step (``n_critic``).
        generator_steps: G steps per G phase.
        ema: GeneratorEMA options (``momentum`` or ``half_life_images``,
            ``start_iter``, ``interval``); None for no EMA.
        continuity: ContinuityRegularizer options; None to disable.
        channels_last: keep G, D and the real batches in the channels-last
            memory format on a CPU (faster convolutions there; see
            docs/speed.md, training throughput, for what it measured). On
            a GPU they stay contiguous, measured faster there
            (:mod:`~mmlatent.models.memory_format`); the format follows
            the device when the model moves.
        r1: R1Regularizer options (``gamma``, ``interval``): the lazy
            gradient penalty on real images (Mescheder et al. 2018); None
            to disable.
        reuse_fakes: the G phase scores the fakes the D phase generated
            (one G forward per iteration instead of two, as in PyTorch's
            DCGAN example) instead of fresh ones. This changes the algorithm:
            G's step uses the same z as D's step, scored by the updated D.
            Off by default; resume stays exact either way.
        autocast: ``'bfloat16'`` runs both phases' forward passes under
            ``torch.autocast`` in bfloat16 (weights, gradients and Adam
            stay float32; no loss scaling is needed). Lower precision: the
            losses agree with float32 to about 1e-2. Fast where the CPU
            multiplies bfloat16 in hardware (AMX, AVX512-BF16) or on GPUs.
            ``'auto'``: bfloat16 on such a CPU, float32 elsewhere
            (:mod:`~mmlatent.models.precision`; the StyleGAN2 configs).
            None (default) for float32.
    """

    def __init__(self, generator: dict, discriminator: dict,
                 gan_loss: Optional[dict] = None, discriminator_steps: int = 1,
                 generator_steps: int = 1, ema: Optional[dict] = None,
                 continuity: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 channels_last: bool = False, r1: Optional[dict] = None,
                 reuse_fakes: bool = False, autocast: Optional[str] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        check_autocast(autocast)
        self.autocast = autocast
        self._auto_told: Optional[str] = None  # device 'auto' was logged on
        self.generator = MODELS.build(generator)
        self.discriminator = MODELS.build(discriminator)
        self.channels_last = channels_last
        self.reuse_fakes = reuse_fakes
        self._fakes: Optional[Tuple[Tensor, Optional[Tensor], Tensor]] = None
        apply_memory_format((self.generator, self.discriminator),
                            channels_last)
        self.gan_loss = MODELS.build(
            gan_loss or dict(type='NonSaturatingGANLoss'))
        if discriminator_steps < 1 or generator_steps < 1:
            raise ConfigError('discriminator_steps and generator_steps must '
                              f'be >= 1, got {discriminator_steps} and '
                              f'{generator_steps}')
        self.discriminator_steps = discriminator_steps
        self.generator_steps = generator_steps
        self.continuity = MODELS.build(
            {'type': 'ContinuityRegularizer', **continuity}) \
            if continuity else None
        self.generator_ema = MODELS.build(
            {'type': 'GeneratorEMA', **ema, 'model': self.generator}) \
            if ema else None
        self.r1 = MODELS.build({'type': 'R1Regularizer', **r1}) \
            if r1 else None

    # -- networks -------------------------------------------------------
    def _apply(self, fn, *args, **kwargs):
        """``nn.Module._apply`` (behind ``to``, ``cuda``, ``cpu``), then
        the memory format of the networks' new device."""
        out = super()._apply(fn, *args, **kwargs)
        if hasattr(self, 'discriminator'):    # built (not inside __init__)
            ema = getattr(self, 'generator_ema', None)
            apply_memory_format((self.G, self.D,
                                 None if ema is None else ema.module),
                                self.channels_last)
        return out

    @property
    def G(self):
        """The generator (unwrapped from DDP)."""
        return unwrap(self.generator)

    @property
    def D(self):
        """The discriminator (unwrapped from DDP)."""
        return unwrap(self.discriminator)

    @property
    def sample_model(self):
        """The EMA generator when it holds averaged weights, else G (see
        :func:`~mmlatent.models.ema.pick_generator`)."""
        return pick_generator(self).G

    @property
    def device_type(self) -> str:
        """``cpu`` or ``cuda``: where the networks run."""
        return next(self.G.parameters()).device.type

    def lazy_intervals(self) -> Dict[str, int]:
        """``{network name: k}`` for each network with a lazy regulariser
        evaluated every ``k`` steps; the optimizer constructor scales that
        network's Adam ``lr`` and ``betas`` by ``k / (k + 1)``."""
        return {}

    # -- conditioning hooks ---------------------------------------------
    def real_c(self, labels: Optional[Tensor]) -> Optional[Tensor]:
        """The condition of real images (None: unconditional)."""
        return None

    def fake_c(self, n: int) -> Optional[Tensor]:
        """The condition of generated images, from the code prior."""
        return self.G.sample_c(n)

    def d_forward(self, img: Tensor, c: Optional[Tensor]
                  ) -> Tuple[Tensor, Optional[dict]]:
        """D's score [n] and any auxiliary output (InfoGAN's Q)."""
        return self.discriminator(img), None

    def realism_logits(self, w: Tensor, img: Tensor,
                       c: Optional[Tensor] = None) -> Tensor:
        """D's raw score [n] of how real the generated ``img`` (made from
        the codes ``w`` [n, w_dim], with condition ``c``) looks: the
        realism term of the prompt mapper
        (:mod:`mmlatent.control.prompt_mapper`)."""
        return self.d_forward(img, c)[0].reshape(-1)

    # -- phases -----------------------------------------------------------
    def train_discriminator(self, real: Tensor, c_real: Optional[Tensor],
                            it: int) -> Losses:
        """Named D loss terms for one real batch."""
        n = real.shape[0]
        z, c_fake = self.G.sample_z(n), self.fake_c(n)
        keep = self.reuse_fakes and \
            (it + 1) % self.discriminator_steps == 0  # a G phase follows
        with torch.set_grad_enabled(keep):
            fake = self.generator(z, c_fake, **self.train_forward_kwargs())
        if keep:
            self._fakes, fake = (z, c_fake, fake), fake.detach()
        real_pred, real_aux, r1 = self.d_real(real, c_real, it)
        fake_pred, aux = self.d_forward(fake, c_fake)
        losses = dict(adv=self.gan_loss.d_loss(real_pred, fake_pred), **r1)
        losses.update(
            self.d_regularizers(real, fake, c_real, c_fake, aux, it))
        losses.update(self.d_real_terms(real_aux, c_real))
        return losses

    def d_real(self, real: Tensor, c_real: Optional[Tensor], it: int
               ) -> Tuple[Tensor, Optional[dict], Losses]:
        """D's score [n] of the real batch, its auxiliary output and, when
        the R1 option is set and due, ``{'r1': ...}`` taken from that same
        pass (one D pass on the reals, not a second one for R1)."""
        due = self.r1 is not None and self.r1.active(it)
        if due:
            real = real.detach().requires_grad_(True)
        real_pred, real_aux = self.d_forward(real, c_real)
        r1 = dict(r1=self.r1.weighted(real_pred, real)) if due else {}
        return real_pred, real_aux, r1

    def d_regularizers(self, real: Tensor, fake: Tensor,
                       c_real: Optional[Tensor], c_fake: Optional[Tensor],
                       aux: Optional[dict], it: int) -> Losses:
        """Extra D terms of a subclass (WGAN-GP's ``gp``, InfoGAN's
        ``info``); R1 comes with D's real pass (:meth:`d_real`)."""
        return {}

    def d_real_terms(self, real_aux: Optional[dict],
                     c_real: Optional[Tensor]) -> Losses:
        """Loss terms on D's auxiliary output for real images (the
        labelled term of semi-supervised InfoGAN)."""
        return {}

    def train_generator(self, n: int, it: int) -> Losses:
        """Named G loss terms for a batch of ``n`` generated images (the D
        phase's fakes with ``reuse_fakes``, else fresh ones)."""
        fakes, self._fakes = self._fakes, None
        if fakes is not None and fakes[2].shape[0] == n:
            z, c, fake = fakes
        else:
            z, c = self.G.sample_z(n), self.fake_c(n)
            fake = self.generator(z, c, **self.train_forward_kwargs())
        fake_pred, aux = self.d_forward(fake, c)
        losses = dict(adv=self.gan_loss.g_loss(fake_pred))
        losses.update(self.g_regularizers(z, c, fake, aux, it))
        return losses

    def g_regularizers(self, z: Tensor, c: Optional[Tensor], fake: Tensor,
                       aux: Optional[dict], it: int) -> Losses:
        losses = {}
        g_step = it // self.discriminator_steps
        if self.continuity is not None and self.continuity.active(g_step):
            losses['continuity'] = self.continuity_loss(z.shape[0])
        return losses

    def continuity_loss(self, n: int) -> Tensor:
        """The continuity term on fresh pairs, ``c`` fixed along a pair."""
        n = self.continuity.batch_size or n
        z1, z2 = self.G.sample_z(n), self.G.sample_z(n)
        c = self.fake_c(n)
        c3 = None if c is None else c.repeat(3, 1)
        gamma = torch.rand(n, device=z1.device)
        kwargs = self.continuity_forward_kwargs()
        return self.continuity(lambda z: self.generator(z, c3, **kwargs), z1,
                               z2, gamma)

    def train_forward_kwargs(self) -> dict:
        """Options of G's forward for the generated images of both phases
        (e.g. StyleGAN2's style mixing)."""
        return {}

    def continuity_forward_kwargs(self) -> dict:
        """Options of G's forward that hold everything but z fixed along a
        pair (e.g. StyleGAN2's noise inputs)."""
        return {}

    # -- the training step ------------------------------------------------
    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One D phase and, every ``discriminator_steps`` iterations, the G
        phase(s) and the EMA update. Returns the logged loss terms."""
        data = self.data_preprocessor(data, True)
        real = data['img']
        real = real.contiguous(
            memory_format=memory_format_for(self.channels_last, real.device))
        c_real = self.real_c(data.get('label'))
        it = current_iter()
        log = self._step('d', optim_wrapper['discriminator'],
                         self.discriminator,
                         lambda: self.train_discriminator(real, c_real, it),
                         it)
        if (it + 1) % self.discriminator_steps == 0:
            with no_param_grads(self.discriminator):
                for _ in range(self.generator_steps):
                    log.update(self._step(
                        'g', optim_wrapper['generator'], self.generator,
                        lambda: self.train_generator(real.shape[0], it), it))
            if self.generator_ema is not None:
                self.generator_ema.update(self.G, it, real.shape[0])
        return log

    def _step(self, phase: str, optim: OptimWrapper, module, compute,
              it: int, autocast: bool = True) -> Dict[str, Tensor]:
        """One optimizer step of ``module`` on the loss terms ``compute()``
        returns, under the ``autocast`` option (``autocast`` False: in
        float32 whatever the option); returns the named losses to log."""
        dtype = self._autocast_dtype() if autocast else None
        with optim.optim_context(module), self._cast(dtype):
            losses = compute()
        if dtype is not None:
            losses = {k: v.float() for k, v in losses.items()}
        check_finite(losses, phase, it)
        total = sum(losses.values())
        optim.update_params(total)
        log = {f'{phase}_loss_{k}': v.detach() for k, v in losses.items()}
        log[f'{phase}_loss'] = total.detach()
        return log

    def _cast(self, dtype: Optional[torch.dtype]):
        """The autocast context of ``dtype`` (None: float32, which needs
        no context unless an outer autocast is on)."""
        if dtype is not None:
            return torch.autocast(self.device_type, dtype=dtype)
        if torch.is_autocast_enabled('cpu') or \
                torch.is_autocast_enabled('cuda'):
            return torch.autocast(self.device_type, enabled=False)
        return nullcontext()

    def _autocast_dtype(self) -> Optional[torch.dtype]:
        """The dtype of the phases' autocast on the model's device; with
        ``autocast='auto'`` the choice is logged once per device."""
        device = self.device_type
        dtype = autocast_dtype(self.autocast, device)
        if self.autocast == 'auto' and self._auto_told != device:
            self._auto_told = device
            print_log(describe_auto(device, dtype), logger='current')
        return dtype

    # -- inference --------------------------------------------------------
    def forward(self, inputs: Optional[dict] = None, data_samples=None,
                mode: str = 'tensor'):
        """Generate images: ``inputs`` holds ``z`` (and optionally ``c``) or
        ``num_samples``; uses :attr:`sample_model`."""
        if mode != 'tensor':
            raise ConfigError(f"{type(self).__name__}.forward supports "
                              f"mode='tensor' only, got mode='{mode}'")
        inputs = inputs or {}
        G = self.sample_model
        n = inputs.get('num_samples', 1)
        z = inputs['z'] if 'z' in inputs else G.sample_z(n)
        c = inputs['c'] if 'c' in inputs else G.sample_c(z.shape[0])
        with torch.no_grad():
            return G(z, c)
