"""What to try next: the parameter directions that lead to good fits, and a follow-up space.

:func:`find_directions` compares the good-fit trials of a stored study with its overfit and
underfit trials, parameter by parameter; :func:`follow_up` moves the study's search space
towards its good fits, and :func:`render_space` writes that as a commented TOML file that
``python -m study run --space FILE`` accepts. Pure: it reads stored trials only, never trains.
"""

from __future__ import annotations

from study.followup._directions import (
    MAX_P,
    MIN_TRIALS,
    PROBLEMS,
    Direction,
    Findings,
    Move,
    Problem,
    find_directions,
)
from study.followup._ranges import describe, is_numeric, study_distributions
from study.followup._space import Change, FollowUp, follow_up
from study.followup._toml import render_space

__all__ = [
    "MAX_P",
    "MIN_TRIALS",
    "PROBLEMS",
    "Change",
    "Direction",
    "Findings",
    "FollowUp",
    "Move",
    "Problem",
    "describe",
    "find_directions",
    "follow_up",
    "is_numeric",
    "render_space",
    "study_distributions",
]
