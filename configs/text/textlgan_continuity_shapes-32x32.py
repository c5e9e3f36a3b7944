# A text-conditioned l-GAN on captioned Shapes (issue 17, part 4): the
# conditional main job (../lgan/lgan_continuity-conditional_shapes-32x32.py,
# which follows its class 96% of the time) with a caption's text embedding
# in place of the class. The autoencoder (4000 iterations) learns to draw
# Shapes from 16-number codes; then the mapping draws the code for [z | t],
# t the caption's embedding by the text tower of the frozen text-image
# encoder (tools/train_text_image.py), against a matching-aware code
# discriminator: t projected onto its features (Miyato & Koyama 2018), and
# a real code with a caption that names a value its image does not have
# counts as fake (GAN-INT-CLS, Reed et al. 2016); the mapping's copy of t
# is noised (std 0.06, conditioning augmentation). The matching loss (the
# frozen encoder's heads on decoded images) is off: at weight 1 and 0.25
# one caption's codes varied with z 0.41x and 0.62x as much as the real
# codes of its values, and the Frechet distance rose 8x and 5.6x
# (docs/text.md). Needs the text-image file first:
#   python tools/train_text_image.py -o work_dirs/text/text_image_bow.pth
_base_ = ['../lgan/lgan_continuity-conditional_shapes-32x32.py']
text_dim = 64  # the text-image encoder's embed_dim
model = dict(
    type='TextLatentGAN',
    # the last 4096 training captions' embeddings, saved with G: what
    # G.sample_c draws (evaluation, sample apps)
    generator=dict(cat_dims=[], con_dim=text_dim, c_bank=4096),
    discriminator=dict(c_dim=text_dim, conditioning='projection'),
    text_image=dict(type='TextImageEncoder', base_channels=16,
                    max_channels=64, embed_dim=text_dim,
                    text_encoder=dict(type='bow', dim=64)),
    text_image_checkpoint='work_dirs/text/text_image_bow.pth',
    mismatch_weight=0.5,
    matching_weight=0.0,
    text_noise=0.06,
    # a prompt's unnamed attributes are completed from those of a random
    # training item that shows what it names (docs/text.md, session 10)
    complete_prompts=True)
train_dataloader = dict(
    dataset=dict(type='CaptionedShapesDataset', resolution=32,
                 num_samples=50000, seed=0))
default_hooks = dict(checkpoint=dict(interval=1000))
# one row per prompt (a sample grid would traverse each of t's 64
# numbers as if it were an InfoGAN code)
custom_hooks = [dict(type='PromptGridHook', interval=1000)]
