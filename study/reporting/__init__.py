"""The HTML report of a stored study: one self-contained page built from the storage alone.

The page shows the fit of every trial (underfit, good fit, overfit, ...), where in the search
space each fit lies, which parameters drive it, learning curves of typical trials, the
objective, a sortable trial table and what to try next. Figures are PNG data URIs, so the
page opens offline and can be mailed as one file.
"""

from __future__ import annotations

from typing import Any

from study.reporting._limits import MAX_CURVES
from study.reporting._palette import CATEGORY_COLORS, NO_CATEGORY
from study.reporting._paths import safe_dirname

__all__ = [
    "CATEGORY_COLORS",
    "MAX_CURVES",
    "NO_CATEGORY",
    "CurveArtifacts",
    "LiveReport",
    "build_report",
    "render_report",
    "safe_dirname",
    "trial_png",
]

_DRAWING = {
    "build_report": "_build",
    "render_report": "_build",
    "CurveArtifacts": "_artifacts",
    "LiveReport": "_live",
    "trial_png": "_artifacts",
}


def __getattr__(name: str) -> Any:
    # The drawing stack (matplotlib, seaborn) loads only when a page is built, so commands
    # that never draw start fast.
    if name in _DRAWING:
        import importlib

        import matplotlib

        matplotlib.use("Agg")  # The report only draws to files; never open a window.
        return getattr(importlib.import_module(f"study.reporting.{_DRAWING[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
