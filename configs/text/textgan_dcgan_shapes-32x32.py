# Text-conditioned DCGAN on captioned Shapes (issue 17, part 4):
# GAN-INT-CLS (Reed et al. 2016) with AC-GAN style attribute heads.
# G gets [z | t], t the caption's embedding by the text tower of a frozen
# text-image encoder (bag of words + projection, trained on real images by
# tools/train_text_image.py); D is matching-aware (a real image with a
# caption that names a value it does not have counts as fake) and has one
# head per caption attribute trained on real images; G is also trained so
# that the frozen encoder's heads read the named attributes in its images.
# Needs the text-image file first:
#   python tools/train_text_image.py -o work_dirs/text/text_image_bow.pth
_base_ = [
    '../_base_/models/dcgan-32x32.py', '../_base_/datasets/shapes-32x32.py',
    '../_base_/schedules/iter_2k.py', '../_base_/default_runtime.py'
]
text_dim = 64  # the text-image encoder's embed_dim
model = dict(
    _delete_=True,
    type='TextConditionalGAN',
    generator=dict(type='DCGANGenerator', resolution=32, z_dim=64,
                   con_dim=text_dim, base_channels=32, norm='bn',
                   # the last 4096 training captions' embeddings, saved
                   # with G: what G.sample_c draws (evaluation, apps)
                   c_bank=4096),
    # the discriminator is a config key (measured: norm='bn'); untried
    # alternatives: norm='none' with spectral_norm=True, or with
    # mbstd_group_size=4 and r1=dict(gamma=0.05, interval=4)
    discriminator=dict(type='TextMatchingDiscriminator', text_dim=text_dim,
                       resolution=32, base_channels=32, norm='bn'),
    gan_loss=dict(type='NonSaturatingGANLoss'),
    text_image=dict(type='TextImageEncoder', base_channels=16,
                    max_channels=64, embed_dim=text_dim,
                    text_encoder=dict(type='bow', dim=64)),
    text_image_checkpoint='work_dirs/text/text_image_bow.pth',
    mismatch_weight=0.5,
    attribute_weight=1.0,
    matching_weight=1.0,
    # the attributes a caption leaves out should take every value, among
    # the images of one caption: the G phase draws 4 images (own z) for each
    # of 16 captions (docs/text.md: weight 3 with groups of 8 varies them
    # more, at a cost in accuracy and Frechet distance)
    unnamed_weight=1.0,
    unnamed_repeats=4,
    # a prompt's unnamed attributes are completed from those of a random
    # training item that shows what it names (docs/text.md, session 10)
    complete_prompts=True,
    # noise on G's text condition: robust to unseen sentence templates
    text_noise=0.03,
    channels_last=True,
)
train_dataloader = dict(
    dataset=dict(type='CaptionedShapesDataset', resolution=32,
                 num_samples=50000, seed=0))
train_cfg = dict(type='LatentTrainLoop', max_iters=6000)
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=6))
custom_hooks = [
    dict(type='PromptGridHook', interval=1000),
]
