from setuptools import find_packages, setup

setup(
    name='mmlatent',
    version='0.1.0',
    description='GANs with regular latent spaces, and tools to explore and '
    'control the latent space of trained generators (mmengine-based).',
    long_description=open('README.md').read() if __import__('os').path.exists(
        'README.md') else '',
    long_description_content_type='text/markdown',
    python_requires='>=3.10',
    packages=find_packages(include=['mmlatent', 'mmlatent.*']),
    # the latent explorer's page travels with the package
    package_data={'mmlatent.explorer': ['page.html']},
    install_requires=[
        'torch>=2.1',
        'torchvision>=0.16',
        'mmengine>=0.10.4,<0.11',
        'numpy',
        'scipy',
        'lpips>=0.1.4',
        'pytorch-fid>=0.3.0',
        'opencv-python>=4.5',
        'scikit-learn>=1.2',
        'imageio>=2.30',
        'imageio-ffmpeg>=0.4.9',
        'tqdm',
        'Pillow',
    ],
    extras_require={
        # playwright drives the system Chromium (apt-get install chromium)
        # in the latent explorer's browser tests; never `playwright install`
        'tests': ['pytest>=7', 'pytest-timeout', 'playwright>=1.40'],
        # optional text encoders (mmlatent.text.pretrained)
        'wordllama': ['wordllama>=0.4'],
        'clip': ['open_clip_torch>=2.20'],
        # tools/train.py --vis-backend tensorboard
        'tensorboard': ['tensorboard>=2.10'],
        # tools/train.py --vis-backend wandb
        'wandb': ['wandb'],
    },
)
