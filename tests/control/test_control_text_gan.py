"""The text-conditioned GANs (TextConditionalGAN, TextLatentGAN) end to
end: a few training iterations of each config (shrunk), its prompt grids,
the frozen encoder's weights from the text-image file, and
apps/text_to_image.py --method conditional."""
import os.path as osp

import pytest
import torch

from mmlatent.registry import MODELS

TEXT_IMAGE = dict(type='TextImageEncoder', resolution=16, embed_dim=8,
                  base_channels=4, max_channels=8, hidden=16,
                  text_encoder=dict(type='bow', dim=8))
# each text GAN config, shrunk to 16 px: its options, the loss terms its
# log must show, and the width of its conditional latent file
VARIANTS = {
    'text/textgan_dcgan_shapes-32x32.py': (dict(
        model__generator__resolution=16, model__generator__con_dim=8,
        model__generator__base_channels=8,
        model__discriminator__resolution=16,
        model__discriminator__text_dim=8,
        model__discriminator__base_channels=8), (
        'd_loss_adv', 'd_loss_mismatch', 'd_loss_attr', 'g_loss_adv',
        'g_loss_attr', 'g_loss_match', 'g_loss_unnamed'), 64 + 8),
    'text/textlgan_continuity_shapes-32x32.py': (dict(
        model__generator__resolution=16, model__generator__con_dim=8,
        model__generator__mapping_width=16,
        model__generator__decoder__base_channels=8,
        model__encoder__resolution=16, model__encoder__base_channels=8,
        model__discriminator__c_dim=8, model__discriminator__width=16,
        model__ae_iters=2, model__code_batch=8, model__bank_size=32,
        model__code_steps=2, model__matching_weight=1.0,
        model__matching_batch=4,
        model__matching_interval=1, model__r1__interval=1,
        model__continuity__interval=1, model__continuity__batch_size=4,
        val_evaluator=None), (
        'ae_loss_recon', 'd_loss_adv', 'd_loss_mismatch', 'd_loss_r1',
        'g_loss_adv', 'g_loss_match', 'g_loss_continuity'), 16),
}


@pytest.fixture(scope='module', params=sorted(VARIANTS))
def text_gan(request, tmp_path_factory):
    """(checkpoint, text-image file, work dir, config) of 4 iterations of
    a text GAN config at 16 px with a tiny (untrained) text-image file."""
    from helpers import make_cfg, train
    from mmlatent.text.dual_encoder import save_text_image
    folder = tmp_path_factory.mktemp('textgan')
    torch.manual_seed(0)
    encoder = MODELS.build(TEXT_IMAGE)
    ti = save_text_image(str(folder / 'ti.pth'), encoder,
                         dict(model=TEXT_IMAGE))
    cfg = make_cfg(
        request.param, folder / 'work', model__text_image=TEXT_IMAGE,
        model__text_image_checkpoint=ti, text_dim=8,
        train_dataloader__dataset__resolution=16,
        train_dataloader__dataset__num_samples=64,
        default_hooks__checkpoint__interval=4,
        custom_hooks=[dict(type='PromptGridHook', interval=2,
                           num_samples=3)],
        **VARIANTS[request.param][0])
    train(cfg)
    return (str(folder / 'work' / 'iter_4.pth'), ti, folder / 'work',
            request.param)


def test_training_logs_every_term_and_keeps_the_encoder(text_gan):
    from mmlatent.models.loading import load_model
    from mmlatent.text.dual_encoder import load_text_image
    ckpt, ti, work, config = text_gan
    model, _, _ = load_model(ckpt)
    frozen, _ = load_text_image(ti)
    for k, v in frozen.state_dict().items():
        assert torch.equal(model.text_image.state_dict()[k], v), k
    log = open(next(work.glob('*/*.log'))).read()
    for term in VARIANTS[config][1]:
        assert term in log, term
    assert (work / 'samples' / 'iter_2_prompts.png').exists()
    assert (work / 'samples' / 'final_prompts.png').exists()


def test_conditional_app(text_gan, tmp_path, run_script, capsys):
    from mmlatent.latent import load_latents
    ckpt = text_gan[0]
    app = 'apps/text_to_image.py'
    base = [ckpt, '--method', 'conditional', '--num', 3, '-o', tmp_path]
    code, err = run_script(app, base + ['--prompt', 'a red square'])
    assert code == 0, err
    out = capsys.readouterr().out
    assert "prompt 'a red square', conditional: 3 generator passes" in out
    assert 'verifier shapes:' in out
    lf = load_latents(str(tmp_path / 'text_a_red_square_conditional_'
                          'latents.pt'))
    assert lf.space == 'w' and lf.latent.shape == (
        3, VARIANTS[text_gan[3]][2])
    assert set(lf.scores) == {'verify'}
    assert osp.exists(tmp_path / 'text_a_red_square_conditional.png')
    for prompt, msg in (('  ', '--prompt is empty'),
                        ('a mauve square', "unknown word 'mauve'")):
        code, err = run_script(app, base + ['--prompt', prompt,
                                            '--overwrite'])
        assert code == 2 and msg in err, err


def test_sampling_draws_training_caption_embeddings(text_gan):
    """The checkpoint's G (and its EMA) carries the bank of training
    caption embeddings, and ``sample_c`` draws from it, not from the
    layout's uniform noise."""
    from mmlatent.models.loading import load_generator, load_model
    ckpt = text_gan[0]
    _, cfg, _ = load_model(ckpt)
    batch = cfg.train_dataloader.batch_size
    for which in ('orig', 'ema'):
        G = load_generator(ckpt, sample_model=which).G
        assert int(G.c_bank.count) == 4 * batch, which
        bank = G.c_bank.codes[:G.c_bank.filled]
        c = G.sample_c(50, torch.Generator().manual_seed(0))
        assert (c[:, None] == bank[None]).all(2).any(1).all(), which
    # the rows are caption embeddings: unit length, as encode_text's are
    # (uniform codes in [-1, 1]^8 have a norm near 1.6)
    assert torch.allclose(bank.norm(dim=1), torch.ones(len(bank)),
                          atol=1e-5)
    assert bank.std(0).sum() > 0          # different captions, not one row


def test_the_model_records_attribute_values_for_prompt_completion(text_gan):
    """The config completes prompts: the checkpoint holds the attribute
    values of every training item seen, valid indices of each attribute."""
    from mmlatent.datasets.captions import ATTRIBUTES, VALUES
    from mmlatent.models.loading import load_model
    model, cfg, _ = load_model(text_gan[0])
    bank = model.value_bank
    assert int(bank.count) == 4 * cfg.train_dataloader.batch_size
    rows = bank.codes[:bank.filled].long()
    for i, a in enumerate(ATTRIBUTES):
        assert rows[:, i].min() >= 0 and rows[:, i].max() < len(VALUES[a])
    assert len(torch.unique(rows, dim=0)) > 1
