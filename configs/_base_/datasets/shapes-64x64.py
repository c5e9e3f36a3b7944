_base_ = ['./shapes-32x32.py']
train_dataloader = dict(dataset=dict(resolution=64))
