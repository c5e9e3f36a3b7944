"""User-facing errors: one line that names the bad value and the fix."""


class MMLatentError(Exception):
    """Base class of errors caused by the user's input, not by a bug.

    Command-line tools print these as one line (``error: <message>``)
    instead of a traceback.
    """


class ConfigError(MMLatentError, TypeError):
    """A config names an unknown type, an unknown key or a bad value."""


class DataError(MMLatentError, ValueError):
    """A data folder or image cannot be used."""


class CheckpointError(MMLatentError, ValueError):
    """A checkpoint cannot be read or does not match the model."""


class NonFiniteLossError(MMLatentError, FloatingPointError):
    """A training loss became NaN or infinite."""


class ShapeError(MMLatentError, ValueError):
    """A tensor or array has a shape that does not fit where it is used
    (a latent code, image batch, direction or mask)."""
