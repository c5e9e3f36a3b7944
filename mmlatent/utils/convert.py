"""Kept for compatibility: the converters live in :mod:`mmlatent.converters`
(rosinality, MMGeneration, NVIDIA pickles, export to rosinality)."""
from ..converters import *  # noqa: F401,F403
from ..converters import __all__  # noqa: F401
