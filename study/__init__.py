"""study: hyperparameter sweeps of Keras LSTM and MLP models that diagnose every trial's fit.

Importing the package is light: TensorFlow is imported only where models train
(:mod:`study.engine`, :mod:`study.models`), never by the diagnosis or the report.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
