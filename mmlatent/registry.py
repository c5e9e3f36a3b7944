"""Registries of mmlatent, children of mmengine's root registries.

Every registry lists the package that holds its modules in ``locations`` so
that building an object by ``type`` name imports the code on demand, and a
config with ``default_scope = 'mmlatent'`` finds mmlatent's modules first and
mmengine's (optimizers, hooks, schedulers) through the parent.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

from .utils.build import (OnDemandRegistry, build_checked,
                          build_model_checked)

SCOPE = 'mmlatent'

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS,
                   locations=['mmlatent.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['mmlatent.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, build_func=build_checked,
                 locations=['mmlatent.hooks', 'mmlatent.engine'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS,
                    build_func=build_checked,
                    locations=['mmlatent.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS,
                         locations=['mmlatent.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS,
                      locations=['mmlatent.datasets'])
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS,
                     locations=['mmlatent.datasets'])
#: Networks, GANs and losses. Building a type already registered (e.g. a
#: generator once ``mmlatent.models.generators`` is imported) imports no
#: other location: apps load a generator without the GAN classes.
MODELS = OnDemandRegistry(
    'model', parent=MMENGINE_MODELS, build_func=build_model_checked,
    locations=['mmlatent.models.generators',
               'mmlatent.models.discriminators', 'mmlatent.models.encoders',
               'mmlatent.models.losses',
               'mmlatent.models.ema', 'mmlatent.models.base_gan',
               'mmlatent.models.gans', 'mmlatent.text'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          locations=['mmlatent.engine'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS,
                      locations=['mmlatent.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS,
                          locations=['mmlatent.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['mmlatent.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler',
                            parent=MMENGINE_PARAM_SCHEDULERS,
                            locations=['mmlatent.engine'])
METRICS = Registry('metric', parent=MMENGINE_METRICS,
                   build_func=build_checked,
                   locations=['mmlatent.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR,
                     locations=['mmlatent.evaluation'])
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS,
                       locations=['mmlatent.engine'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS,
                       locations=['mmlatent.engine'])
LOG_PROCESSORS = Registry('log_processor', parent=MMENGINE_LOG_PROCESSORS,
                          locations=['mmlatent.engine'])
#: Attribute scorers (image -> named scores) for controllable generation.
SCORERS = Registry('scorer', build_func=build_checked,
                   locations=['mmlatent.control'])
#: Text encoders (list of strings -> embeddings [N, dim]).
TEXT_ENCODERS = Registry('text encoder', build_func=build_checked,
                         locations=['mmlatent.text'])
#: Feature extractors (image -> feature vectors) for distribution metrics.
FEATURE_EXTRACTORS = Registry('feature extractor', build_func=build_checked,
                              locations=['mmlatent.evaluation'])
