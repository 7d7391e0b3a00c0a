"""study: hyperparameter sweeps of Keras LSTM and MLP models that diagnose every trial's fit.

The notebook API (:mod:`study.api`)::

    import study
    study.diagnose(history)                 # a Keras History, dict, DataFrame or files
    trials, curves = study.load("seq")      # a stored study as DataFrames
    study.recommended("seq")                # the trial to use, and why
    study.load_model("seq")                 # its recommended trained model, and its scaling
    study.report("seq")                     # its HTML report; returns the path
    study.run("space.toml", trials=20)      # run (or resume) a sweep; a path, TOML or dict

Importing the package is light: TensorFlow is imported only where models train
(:mod:`study.engine`, :mod:`study.models`, :mod:`study.keras`), never by the diagnosis, the
report or the API, and pandas only when a function of the API needs it.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = [
    "FitDiagnosis",
    "StudyFrames",
    "__version__",
    "diagnose",
    "load",
    "load_model",
    "recommended",
    "report",
    "run",
]

_API = tuple(name for name in __all__ if name != "__version__")
"""The names that load from :mod:`study.api` on first use."""


def __getattr__(name: str) -> Any:
    # The API (and what it imports) loads on first use, so `import study` stays fast.
    if name in _API:
        from study import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
