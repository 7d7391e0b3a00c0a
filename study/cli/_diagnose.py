"""``study diagnose``: diagnose the fit of learning curves saved by Keras or by `study`.

Each FILE is one seed's curves (a Keras ``CSVLogger`` file, a saved ``history.history`` JSON,
or a `study` curve CSV). Every file is diagnosed, then the files are read as the seeds of one
trial and diagnosed together. A CSV with a ``seed`` column (or the long layout of ``study
export``) holds several seeds. Seeds may differ in length (``EarlyStopping`` runs): each is
diagnosed on its own epochs, and the trial's mean curve is taken over their common epochs,
leaving out seeds shorter than half the longest. Only numpy, pandas and scipy are imported:
no TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from study.errors import InputError

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``diagnose`` subcommand."""
    parser = subparsers.add_parser(
        "diagnose",
        help="diagnose the fit shown by saved learning curves",
        description="Diagnose the fit (underfit, good fit, overfit, ...) shown by learning "
        "curves: Keras CSVLogger files, history.history JSON files or study curve CSVs, "
        "one file per seed of the same configuration.",
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="curve file (one per seed, or several seeds in a `seed` column)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--baseline",
        type=_positive_float,
        metavar="LOSS",
        help="validation loss of the trivial predictor (training mean or class prior): "
        "underfitting is judged against it instead of the curves' starting loss",
    )
    parser.add_argument(
        "--reached",
        type=_positive_float,
        metavar="LOSS",
        help="the lowest validation loss other configurations of the same task reached: a "
        "curve that levels off is called too small a model only if they did materially better",
    )
    parser.add_argument(
        "--val-samples",
        type=_positive_int,
        metavar="N",
        help="the number of validation samples behind val_loss: a rise that a few samples "
        "can cause is judged with that in mind (study exports carry it)",
    )
    parser.add_argument(
        "--allow-negative",
        action="store_true",
        help="accept negative values: the columns hold a metric that is not a loss (the "
        "diagnosis still reads lower as better)",
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a diagnosis threshold, e.g. --config rise_ratio=1.2 (repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Diagnose the files named in ``args`` and print the result; return the exit code."""
    from study.api import diagnose_with_context
    from study.curvefiles import CurveContext, read_trial_curves
    from study.diagnosis import DiagnosisConfig

    overrides = _overrides(args.config)
    try:
        DiagnosisConfig.from_mapping(overrides)
    except InputError as e:
        raise InputError(f"--config: {e}") from None
    # Seeds are numbered in reading order; a file with a `seed` column gives several.
    read = [
        (str(path), read_trial_curves(path, allow_negative=args.allow_negative))
        for path in args.files
    ]
    paths = [path for path, (seeds, _) in read for _ in seeds]
    context = next((c for _, (_, c) in read if c != CurveContext()), CurveContext())
    trial = diagnose_with_context(
        [c for _, (seeds, _) in read for c in seeds],
        context,
        config=overrides,
        baseline_loss=args.baseline,
        reached_loss=args.reached,
        val_samples=args.val_samples,
    )
    per_file = trial.seeds  # Each seed's own diagnosis, in reading order.
    files: list[dict[str, Any]] = [
        {"path": path, "seed": i, **dx.to_dict()}
        for i, (path, dx) in enumerate(zip(paths, per_file, strict=True))
    ]
    aggregate = {
        **trial.verdict.to_dict(),
        "agreement": trial.agreement,
        "agreement_text": trial.agreement_text(),
        "disagreeing": list(trial.disagreeing),
        "disagreeing_paths": [paths[s] for s in trial.disagreeing],
    }
    if args.json:
        print(json.dumps({"files": files, "aggregate": aggregate}, indent=2))
    else:
        print(_text(files, aggregate))
    return 0


def _text(files: list[dict[str, Any]], aggregate: dict[str, Any]) -> str:
    several = len({f["path"] for f in files}) < len(files)
    label = [f["path"] + (f" seed {f['seed']}" if several else "") for f in files]
    lines = [
        f"{name}: {_summary(f)}\n    {f['advice']}" for name, f in zip(label, files, strict=True)
    ]
    lines.append(
        f"all {len(files)} file{'s' if len(files) > 1 else ''}: {_summary(aggregate)} "
        f"({aggregate['agreement_text']})\n    {aggregate['advice']}"
    )
    return "\n".join(lines)


def _summary(entry: dict[str, Any]) -> str:
    label = entry["category"] + (f"/{entry['kind']}" if entry["kind"] else "")
    best = entry["evidence"]["best_epoch"]
    best_text = "" if best is None else f", best epoch {best} of {entry['evidence']['epochs']}"
    return f"{label} (confidence {entry['confidence']:.2f}{best_text})"


def _overrides(pairs: list[str]) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` pairs; values become int or float where they read as numbers."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(
                f"`--config` must be KEY=VALUE, but got {pair!r} (e.g. --config rise_ratio=1.2)."
            )
        out[key.strip()] = _number(text.strip())
    return out


def _number(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, but got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number > 0, but got {text!r}")
    return value
