# The text-conditioned l-GAN of textlgan_continuity_shapes-32x32.py trained
# without one colour-shape pair (issue 17, part 6: "unseen combination"):
# no training image is a red triangle, so no caption names one; the other
# images are those of the full data set (the frozen text-image encoder is
# the config's, trained on every pair). Measure with
#   python benchmarks/text_quality.py --gan-ckpt CKPT --unseen 'red triangle'
_base_ = ['./textlgan_continuity_shapes-32x32.py']
train_dataloader = dict(dataset=dict(exclude=['red triangle']))
