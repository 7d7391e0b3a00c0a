"""Search spaces: which model parameters a study samples, fixes and leaves at their defaults."""

from __future__ import annotations

from study.objectives import OBJECTIVES, Objective
from study.space._builder import sample_values
from study.space._fingerprint import closest_difference
from study.space._model import Choices, Range, Searched, SearchSpace
from study.space._overrides import parse_overrides
from study.space._parse import MAX_SPACE_BYTES, load_space, parse_space

__all__ = [
    "MAX_SPACE_BYTES",
    "OBJECTIVES",
    "Choices",
    "Objective",
    "Range",
    "SearchSpace",
    "Searched",
    "closest_difference",
    "load_space",
    "parse_overrides",
    "parse_space",
    "sample_values",
]
