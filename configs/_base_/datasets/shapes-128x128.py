_base_ = ['./shapes-32x32.py']
train_dataloader = dict(batch_size=32, dataset=dict(resolution=128))
