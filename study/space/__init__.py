"""Search spaces: which model parameters a study samples, fixes and leaves at their defaults."""

from __future__ import annotations

from study.space._model import OBJECTIVES, Choices, Objective, Range, Searched, SearchSpace
from study.space._parse import load_space, parse_overrides, parse_space

__all__ = [
    "OBJECTIVES",
    "Choices",
    "Objective",
    "Range",
    "SearchSpace",
    "Searched",
    "load_space",
    "parse_overrides",
    "parse_space",
]
