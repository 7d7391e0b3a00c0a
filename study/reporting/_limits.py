"""Limits that keep a report readable and fast for studies of any size."""

from __future__ import annotations

MAX_CURVES = 12
"""Trials shown in the learning-curve overview (the best and typical ones of each fit)."""
