"""A GAN in the code space of an autoencoder (l-GAN, Achlioptas et al.
2018): first an autoencoder learns to draw the data from codes, then a
mapping from ``z`` learns the codes' distribution adversarially.

Why (docs/fidelity.md, session 14): on Shapes an image-space DCGAN draws
blobs, while the same generator trained as a decoder draws crisp shapes
(a per-sample pixel target), and a GAN on the 16 numbers of a code is an
easy game for a small MLP discriminator.
"""
from typing import Dict, Optional, Tuple

import torch
from mmengine.dist import all_reduce_params
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from ...registry import MODELS
from ...utils.errors import ConfigError
from ...utils.model import no_param_grads
from ..base_gan import Losses, UnconditionalGAN, current_iter


@MODELS.register_module()
class LatentGAN(UnconditionalGAN):
    """Two phases over one run:

    1. iterations ``[0, ae_iters)``: the ``encoder`` and the generator's
       ``decoder`` learn an L1 reconstruction of the real batch; the
       generator's code statistics (``w_mean``, ``w_std``) follow the
       encoder's codes (an average with ``stats_momentum``);
    2. from ``ae_iters`` on, encoder and decoder are frozen (eval mode):
       the ``discriminator`` (a :class:`CodeDiscriminator`) tells the
       standardised codes of the real batch from ``mapping(z)``, and the
       generator's mapping learns to fool it (plus the continuity term on
       whole images, through the frozen decoder). The real batch's codes
       go into a bank of the last ``bank_size`` codes, from which each
       step draws ``code_batch`` real codes (and maps as many ``z``), so
       the code GAN's batch does not depend on the image batch. Each
       iteration of this phase takes ``code_steps`` D and mapping steps
       (R1 and continuity intervals count these steps), so that the
       loading and encoding of an image batch is shared by several cheap
       code steps. The bank is filled during the autoencoder phase too,
       so the code GAN starts on a full bank.

    With a condition (the generator's ``cat_dims=[num_classes]`` and the
    discriminator's ``c_dim``), real codes are paired with their images'
    labels, the mapping takes ``[z | c]`` and the discriminator scores
    ``[w | c]``: a conditional l-GAN.

    Args:
        generator: a :class:`LatentCodeGenerator` config.
        discriminator: a :class:`CodeDiscriminator` config.
        encoder: a :class:`DCGANEncoder` config (``code_dim`` as G's).
        ae_iters: iterations of the autoencoder phase.
        stats_momentum: weight of each batch in the running code statistics.
        code_batch: codes per step of the code GAN.
        code_steps: code GAN steps (each a D step and, see
            ``discriminator_steps``, a mapping step) per iteration of
            phase 2.
        discriminator_steps: D steps per mapping step (WGAN's n_critic):
            a code step takes its mapping step only every this many code
            steps.
        bank_size: real codes kept (a FIFO, saved with the checkpoint).
        gradient_penalty: GradientPenalty options (``loss_weight``, the
            paper's lambda): WGAN-GP's penalty on codes between the real
            and the mapped ones, scored with the real codes' conditions
            (as :class:`WGANGP`); with ``gan_loss=WassersteinGANLoss`` the
            code GAN is an l-WGAN-GP (Achlioptas et al.'s l-WGAN).
        autocast: ``'bfloat16'`` or ``'auto'`` (as :class:`UnconditionalGAN`)
            for the autoencoder phase only; the code GAN's small MLPs and
            its R1 stay in float32. The StyleGAN2 decoder's autoencoder
            iteration takes 0.105 s in bfloat16 against 0.148 s in float32
            on a 2-core CPU with AMX (session 29).
        Other arguments as :class:`UnconditionalGAN` (``r1`` acts on codes).
        No EMA: the decoder's batch-norm statistics must stay those of the
        real codes, which the EMA's refresh would replace.

    Multi-process runs (``--launcher pytorch``) use no DDP: the phases
    call the generator's decoder and mapping directly, past any wrapper,
    so each network's ``SyncedOptimWrapper`` averages its gradients over
    the processes before each step (:mod:`mmlatent.engine.self_sync`),
    and after each autoencoder step the batch-norm and code statistics
    are averaged too. Each process banks the codes of its own batches.

    Optimizers (``optim_wrapper``): ``encoder`` and ``decoder`` (phase 1),
    ``mapping`` and ``discriminator`` (phase 2); ``decoder`` and
    ``mapping`` are the generator's two parts. Learning-rate schedules
    can be placed in the phases by name (``PhaseLinearLR`` with
    ``phase='autoencoder'`` or ``'code'``; :meth:`training_phases`).
    """

    #: multi-process runs average the gradients in the optim wrappers
    #: (``SyncedOptimWrapper``), not through DDP (see above).
    syncs_own_gradients = True
    #: the phases learning-rate schedules can name (:meth:`training_phases`)
    phase_names = ('autoencoder', 'code')

    def __init__(self, generator: dict, discriminator: dict, encoder: dict,
                 ae_iters: int = 3000, stats_momentum: float = 0.01,
                 code_batch: int = 256, bank_size: int = 8192,
                 code_steps: int = 1, discriminator_steps: int = 1,
                 gan_loss: Optional[dict] = None,
                 continuity: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 r1: Optional[dict] = None,
                 gradient_penalty: Optional[dict] = None,
                 autocast: Optional[str] = None):
        super().__init__(generator, discriminator, gan_loss,
                         discriminator_steps=discriminator_steps,
                         continuity=continuity,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg, r1=r1, autocast=autocast)
        self.encoder = MODELS.build(encoder)
        if self.encoder.code_dim != self.G.w_dim:
            raise ConfigError(
                f'encoder.code_dim={self.encoder.code_dim} differs from the '
                f"generator's code_dim={self.G.w_dim}; set both alike")
        if not isinstance(ae_iters, int) or ae_iters < 1:
            raise ConfigError(f'ae_iters={ae_iters!r} must be an int >= 1 '
                              '(iterations of the autoencoder phase)')
        if not 0 < stats_momentum <= 1:
            raise ConfigError(f'stats_momentum={stats_momentum} must be in '
                              '(0, 1]')
        for name, v in (('code_batch', code_batch),
                        ('bank_size', bank_size), ('code_steps', code_steps)):
            if not isinstance(v, int) or v < 1:
                raise ConfigError(f'{name}={v!r} must be an int >= 1')
        self.ae_iters, self.stats_momentum = ae_iters, stats_momentum
        d_c_dim = getattr(self.D, 'c_dim', 0)
        if d_c_dim != self.G.c_dim:
            raise ConfigError(
                f"the code discriminator's c_dim={d_c_dim} differs from the "
                f"generator's c_dim={self.G.c_dim}; set both alike")
        self.code_batch, self.code_steps = code_batch, code_steps
        self.gradient_penalty = MODELS.build(
            {'type': 'GradientPenalty', **gradient_penalty}) \
            if gradient_penalty else None
        self.register_buffer('code_bank', torch.zeros(bank_size, self.G.w_dim))
        self.register_buffer('c_bank', torch.zeros(bank_size, self.G.c_dim))
        self.register_buffer('bank_count', torch.tensor(0, dtype=torch.long))

    @property
    def decoder(self):
        """The generator's decoder (the ``decoder`` optimizer's network)."""
        return self.G.decoder

    @property
    def mapping(self):
        """The generator's mapping MLP (the ``mapping`` optimizer's)."""
        return self.G.mapping_net

    def training_phases(self, max_iters: int) -> Dict[str, Tuple[int, int]]:
        """The two phases as ``[first, end)`` iterations of a run of
        ``max_iters``: ``'autoencoder'`` ``[0, ae_iters)`` and ``'code'``
        from ``ae_iters`` to the run's end (empty if the run ends first)."""
        return {'autoencoder': (0, self.ae_iters),
                'code': (self.ae_iters, max(self.ae_iters, max_iters))}

    # -- phase 1: the autoencoder --------------------------------------------
    def reconstruction_loss(self, real: Tensor,
                            c: Optional[Tensor] = None) -> Losses:
        """L1 between ``real`` and its reconstruction; updates the code
        statistics from the batch's codes and pushes them (standardised,
        with their conditions ``c``) into the bank."""
        code = self.encoder(real)
        kept = code.detach().float()    # bfloat16 under autocast
        self._track_stats(kept)
        self.push_codes(self.G.standardise(kept), c)
        return dict(recon=(self.G.decoder(code) - real).abs().mean())

    @torch.no_grad()
    def _track_stats(self, code: Tensor) -> None:
        G, m = self.G, self.stats_momentum
        G.w_mean.lerp_(code.mean(0), m)
        G.w_std.lerp_(code.std(0).clamp_min(1e-6), m)

    # -- phase 2: the GAN on codes -------------------------------------------
    @torch.no_grad()
    def real_codes(self, real: Tensor) -> Tensor:
        """The standardised codes ``w`` [n, code_dim] of ``real``."""
        return self.G.standardise(self.encoder(real))

    def real_c(self, labels: Optional[Tensor]) -> Optional[Tensor]:
        """The one-hot condition of labelled real images (None when the
        generator takes no condition)."""
        if self.G.c_dim == 0:
            return None
        if labels is None:
            raise ConfigError('a conditional LatentGAN needs labelled data: '
                              'use a dataset that returns a label per image')
        return self.G.make_c(labels.long())

    @torch.no_grad()
    def push_codes(self, w: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Put the codes ``w`` [n, code_dim] (and their conditions ``c``)
        into the bank (FIFO); returns the bank rows written (one per code
        kept: the last ``bank_size`` of ``w``)."""
        size = self.code_bank.shape[0]
        w = w[-size:]
        idx = (self.bank_count + torch.arange(
            w.shape[0], device=w.device)) % size
        self.code_bank[idx] = w
        if c is not None:
            self.c_bank[idx] = c[-size:].to(self.c_bank)
        self.bank_count += w.shape[0]
        return idx

    def bank_rows(self, n: int) -> Tensor:
        """``n`` rows [n] of the filled bank, drawn with replacement."""
        filled = int(min(int(self.bank_count), self.code_bank.shape[0]))
        if filled == 0:
            raise RuntimeError('the code bank is empty; push_codes first')
        return torch.randint(0, filled, (n, ), device=self.code_bank.device)

    def bank_sample(self, n: int) -> Tuple[Tensor, Optional[Tensor]]:
        """``n`` codes (and their conditions, None without) drawn with
        replacement from the filled bank."""
        return self.bank_at(self.bank_rows(n))

    def bank_at(self, rows: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
        """The banked codes (and conditions, None without) at ``rows``."""
        return self.code_bank[rows], \
            self.c_bank[rows] if self.G.c_dim else None

    def train_discriminator(self, real_w: Tensor, c_real: Optional[Tensor],
                            it: int, rows: Optional[Tensor] = None
                            ) -> Losses:
        """Named D loss terms: real codes against mapped ones (``rows``:
        the bank rows of ``real_w``, for subclasses that bank more). Real
        and mapped codes go through D as one batch, which R1 reuses."""
        n = real_w.shape[0]
        c_fake = self.fake_c(n)
        with torch.no_grad():
            fake_w = self.G.mapping(self.G.sample_z(n), c_fake)[:, 0]
        D = self.discriminator
        r1 = self.r1 is not None and self.r1.active(it)
        real_w = real_w.detach().requires_grad_(r1)
        pred = D(torch.cat([real_w, fake_w]),
                 None if c_real is None else torch.cat([c_real, c_fake]))
        losses = dict(adv=self.gan_loss.d_loss(pred[:n], pred[n:]))
        if r1:
            losses['r1'] = self.r1.weighted(pred[:n], real_w)
        if self.gradient_penalty is not None:
            losses['gp'] = self.gradient_penalty(lambda w: D(w, c_real),
                                                 real_w, fake_w)
        return losses

    def realism_logits(self, w: Tensor, img: Tensor,
                       c: Optional[Tensor] = None) -> Tensor:
        """The code discriminator's raw score [n] of the codes ``w``
        [n, code_dim]: how much they look like codes of real images."""
        return self.D(w, c).reshape(-1)

    def train_generator(self, n: int, it: int) -> Losses:
        """Named loss terms of the mapping: adversarial on its codes and
        the continuity term on the images they decode to."""
        z, c = self.G.sample_z(n), self.fake_c(n)
        losses = dict(adv=self.gan_loss.g_loss(
            self.discriminator(self.G.mapping(z, c)[:, 0], c)))
        losses.update(self.g_regularizers(z, c, None, None, it))
        return losses

    # -- the training step --------------------------------------------------
    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """An autoencoder step before ``ae_iters``, then a D step and a
        mapping step on codes."""
        data = self.data_preprocessor(data, True)
        real = data['img']
        it = current_iter()
        c = self.real_c(data.get('label'))
        if it < self.ae_iters:
            return self._autoencoder_step(real, c, optim_wrapper, it)
        self.encoder.eval()
        self.G.decoder.eval()
        self.push_codes(self.real_codes(real), c)
        first = (it - self.ae_iters) * self.code_steps
        # the decoder is frozen for the whole phase: freeze its parameters
        # once per iteration, not once per code step (a walk of its modules)
        with no_param_grads(self.G.decoder):
            for step in range(first, first + self.code_steps):
                log = self._code_step(optim_wrapper, step, it)
        return log

    def _code_step(self, optim_wrapper, step: int, it: int
                   ) -> Dict[str, Tensor]:
        """A D step on codes, and a mapping step at every
        ``discriminator_steps``-th call; ``step`` counts the code steps
        (for the R1 and continuity intervals). The caller freezes the
        decoder's parameters (the continuity term backpropagates through
        it to the mapping only)."""
        rows = self.bank_rows(self.code_batch)
        real_w, c_real = self.bank_at(rows)
        log = self._step(
            'd', optim_wrapper['discriminator'], self.discriminator,
            lambda: self.train_discriminator(real_w, c_real, step, rows), it,
            autocast=False)
        if (step + 1) % self.discriminator_steps:
            return log
        with no_param_grads(self.discriminator):
            log.update(self._step(
                'g', optim_wrapper['mapping'], self.generator,
                lambda: self.train_generator(self.code_batch, step), it,
                autocast=False))
        return log

    def _autoencoder_step(self, real: Tensor, c: Optional[Tensor],
                          optim_wrapper, it: int) -> Dict[str, Tensor]:
        enc = optim_wrapper['encoder']
        with enc.optim_context(self.encoder):
            log = self._step('ae', optim_wrapper['decoder'],
                             self.generator,
                             lambda: self.reconstruction_loss(real, c), it)
            enc.step()
            enc.zero_grad()
        self._average_buffers()
        return log

    @torch.no_grad()
    def _average_buffers(self) -> None:
        """Average the floating-point buffers of the encoder and G (batch
        norm and code statistics) over the processes (nothing in one)."""
        all_reduce_params([b for net in (self.encoder, self.G)
                           for b in net.buffers() if b.is_floating_point()],
                          op='mean')
