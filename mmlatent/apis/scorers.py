"""``--scorer SPEC ...`` of the apps that score what they make.

Its own module, so that the apps that take no scorer do not import the
control stack (issue 19: start-up)."""
from typing import List, Optional, Sequence

from ..control.scorers import Scorer, build_scorers


def scorers_of(specs: Optional[Sequence[str]], device: str) -> List[Scorer]:
    """The scorers of ``--scorer SPEC ...`` (none when not given)."""
    return build_scorers(list(specs or []), device)
