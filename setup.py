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
    # console commands: each runs one script of apps/ or tools/ of this
    # checkout (mmlatent/apis/commands.py; needs pip install -e .)
    entry_points={
        'console_scripts': [
            'mmlatent-train = mmlatent.apis.commands:train',
            'mmlatent-evaluate = mmlatent.apis.commands:evaluate',
            'mmlatent-generate = mmlatent.apis.commands:generate',
            'mmlatent-convert = mmlatent.apis.commands:convert',
            'mmlatent-export = mmlatent.apis.commands:export',
            'mmlatent-train-classifier = mmlatent.apis.commands:train_classifier',
            'mmlatent-train-feature-net = mmlatent.apis.commands:train_feature_net',
            'mmlatent-train-text-image = mmlatent.apis.commands:train_text_image',
            'mmlatent-interpolate = mmlatent.apis.commands:interpolate',
            'mmlatent-project = mmlatent.apis.commands:project',
            'mmlatent-sefa = mmlatent.apis.commands:sefa',
            'mmlatent-mutate = mmlatent.apis.commands:mutate',
            'mmlatent-explorer = mmlatent.apis.commands:explorer',
            'mmlatent-generate-latents = mmlatent.apis.commands:generate_latents',
            'mmlatent-train-boundary = mmlatent.apis.commands:train_boundary',
            'mmlatent-edit = mmlatent.apis.commands:edit',
            'mmlatent-guide = mmlatent.apis.commands:guide',
            'mmlatent-text-to-image = mmlatent.apis.commands:text_to_image',
            'mmlatent-infogan-traversal = mmlatent.apis.commands:infogan_traversal',
            'mmlatent-conditional-sample = mmlatent.apis.commands:conditional_sample',
        ],
    },
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
        'tests': ['pytest>=7', 'pytest-timeout', 'pytest-xdist>=3',
                  'playwright>=1.40'],
        # optional text encoders (mmlatent.text.pretrained)
        'wordllama': ['wordllama>=0.4'],
        'clip': ['open_clip_torch>=2.20'],
        # tools/train.py --vis-backend tensorboard
        'tensorboard': ['tensorboard>=2.10'],
        # tools/train.py --vis-backend wandb
        'wandb': ['wandb'],
    },
)
