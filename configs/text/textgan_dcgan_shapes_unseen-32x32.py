# The text-conditioned GAN of textgan_dcgan_shapes-32x32.py trained without
# one colour-shape pair (issue 17, part 6: "unseen combination"): no
# training image is a red triangle, so no caption names one; the other
# images are those of the full data set. Measure with
#   python benchmarks/text_quality.py --gan-ckpt CKPT --unseen 'red triangle'
_base_ = ['./textgan_dcgan_shapes-32x32.py']
train_dataloader = dict(dataset=dict(exclude=['red triangle']))
