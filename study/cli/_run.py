"""``study run``: create or resume a study and run it to its target number of trials."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from study.cli._artifacts import artifacts_callback
from study.errors import InputError

if TYPE_CHECKING:
    from study.runner import RunOptions

DEMO_SPACE = "demo.toml"
DEMO_STUDY = "demo"
DEFAULT_TRIALS = 20

LIVE_REPORT_EVERY = 5
"""Finished trials between two rewrites of the report during a run, by default."""
BACKENDS = ("loky", "threading", "dask")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run``."""
    parser = subparsers.add_parser(
        "run",
        help="run (or resume) a study",
        description="Run a study until it has --trials finished trials. Running the same "
        "command again resumes it: finished trials are kept, and a trial that was interrupted "
        "(Ctrl-C, a crash, a lost worker) is run again with the same parameters. With no "
        "arguments, runs a small demo study. "
        "Storages: SQLite (the default) serves one process at a time; a run on SQLite takes "
        "any trial left RUNNING for one of a crashed run and re-runs it. For several runs of "
        "one study at once, start the same command in each process with --storage "
        "journal:///path/study.log (one machine) or --storage postgresql://user:pw@host/db "
        "(many machines): each takes trials until the study has its target, and a dead "
        "worker's trial is re-run by the others once its heartbeat is older than "
        "$STUDY_GRACE_SECONDS (default 30; heartbeat every $STUDY_HEARTBEAT_SECONDS, "
        "default 10). Exit codes: 0 done, 2 bad input or storage unreachable or lost (finished "
        "trials are kept; run again to resume), 130 interrupted (Ctrl-C or SIGTERM).",
    )
    parser.add_argument("--space", type=Path, metavar="FILE", help="search-space file (TOML)")
    parser.add_argument("--study", metavar="NAME", help="study name (default: the file's name)")
    parser.add_argument(
        "--trials",
        type=int,
        metavar="N",
        help=f"finished trials to reach (default {DEFAULT_TRIALS}; demo 12)",
    )
    parser.add_argument("--seeds", type=int, metavar="K", help="seeds per trial (default: file)")
    parser.add_argument(
        "--jobs", type=int, metavar="J", help="seed workers per trial (default: cores available)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="overrides",
        help="fix a parameter for this run (repeatable)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="joblib backend for the seed workers (default loky; dask when --scheduler is given)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler (e.g. tcp://10.0.0.5:8786) that runs every "
        "trial's seeds; implies --backend dask. Without it, --backend dask "
        "starts a local cluster for the run. Live pruning checks need workers "
        "that share this machine's filesystem",
    )
    parser.add_argument(
        "--trust-stored-model",
        action="store_true",
        help="resume a study of your own model without --space, importing "
        "the builder module that the storage names (a stored study runs no "
        "code otherwise)",
    )
    parser.add_argument("--no-report", action="store_true", help="do not write the HTML report")
    parser.add_argument(
        "--report-every",
        type=int,
        default=LIVE_REPORT_EVERY,
        metavar="N",
        help="rewrite the report (marked partial) every N trials this run finishes, so a "
        "browser tab can be reloaded mid-study, within a tenth of the run's time; 0: only at "
        f"the end (default {LIVE_REPORT_EVERY})",
    )
    parser.add_argument(
        "--artifacts",
        type=Path,
        metavar="DIR",
        help="the Optuna artifact folder (default: $STUDY_ARTIFACTS): each finished trial's "
        "learning-curve figure (PNG) is stored there, shown on the trial's page by "
        "optuna-dashboard STORAGE --artifact-dir DIR, beside the kept models' weights "
        "(without either, no figures, and the weights go to STORAGE_FILE.artifacts beside an "
        "SQLite or journal file)",
    )
    parser.add_argument(
        "--keep-models",
        type=int,
        default=3,
        metavar="N",
        help="keep the final weights of the seeds of the N trials the recommendation ranks "
        "best (and of a pruned or overfit trial's seeds their best validation epoch's), for "
        "study.load_model and export --models (0: none; default 3)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="stop at the first error of a seed and show its traceback, instead "
        "of recording it and going on",
    )
    from study.cli._common import add_storage_option

    add_storage_option(parser)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from study.api import run

    options = _options(args)
    callbacks = _live_report(args, options) + artifacts_callback(args.artifacts, options.storage)
    with _sigterm_interrupts():
        result = run(
            options.space,
            name=options.study,
            trials=options.trials,
            seeds=options.seeds,
            storage=options.storage,
            jobs=options.jobs,
            overrides=options.overrides,
            backend=options.backend,
            scheduler=options.scheduler,
            debug=options.debug,
            trust_stored_model=options.trust_stored_model,
            artifacts=options.artifacts,
            keep_models=options.keep_models,
            callbacks=callbacks,
        )
    if not args.no_report:
        from study.cli._report import write_report

        path = write_report(result.study, options.storage, None)
        print(f"report: {path}")
    return 0


def _live_report(args: argparse.Namespace, options: RunOptions) -> tuple[Any, ...]:
    """The callback that rewrites the report during the run; none with --no-report or 0."""
    if args.report_every < 0:
        raise InputError(
            f"`--report-every` must be 0 or more, but got --report-every={args.report_every}."
        )
    if args.no_report or args.report_every == 0:
        return ()
    from study.cli._report import DEFAULT_OUT
    from study.reporting import LiveReport, safe_dirname
    from study.storage import mask_url, resolve_url

    shown = mask_url(resolve_url(options.storage))
    folder = DEFAULT_OUT / safe_dirname(options.study)
    return (LiveReport(folder, shown, every=args.report_every),)


def _options(args: argparse.Namespace) -> RunOptions:
    demo = args.space is None and args.study is None
    space = _demo_space() if demo else args.space
    name = args.study or (DEMO_STUDY if demo else Path(args.space).stem)
    trials = args.trials if args.trials is not None else (12 if demo else DEFAULT_TRIALS)
    if trials < 1:
        raise InputError(f"`--trials` must be a positive integer, but got --trials={trials}.")
    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"`--jobs` must be a positive integer, but got --jobs={args.jobs}.")
    if args.seeds is not None and args.seeds < 1:
        raise InputError(f"`--seeds` must be a positive integer, but got --seeds={args.seeds}.")
    backend = args.backend or ("dask" if args.scheduler is not None else "loky")
    from study.runner import RunOptions

    return RunOptions(
        study=name,
        trials=trials,
        space=space,
        seeds=args.seeds,
        overrides=_overrides(args.overrides),
        storage=args.storage,
        jobs=args.jobs,
        backend=backend,
        scheduler=args.scheduler,
        debug=args.debug,
        trust_stored_model=args.trust_stored_model,
        artifacts=None if args.artifacts is None else str(args.artifacts),
        keep_models=args.keep_models,
    )


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM (``kill PID``, a batch scheduler's stop) as Ctrl-C while the run lasts.

    The running trial is then stored as interrupted and re-run on resume, as with Ctrl-C.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _overrides(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"`--set` takes NAME=VALUE, e.g. --set units=64, but got {pair!r}.")
        if name.strip() in out:
            raise InputError(f"`--set {name.strip()}` is given twice; give each parameter once.")
        out[name.strip()] = value.strip()
    return out


def _demo_space() -> Path:
    here = Path("search_spaces") / DEMO_SPACE
    if here.is_file():
        return here
    shipped = Path(__file__).resolve().parents[2] / "search_spaces" / DEMO_SPACE
    if shipped.is_file():
        return shipped
    raise InputError(
        f"demo search space {DEMO_SPACE} not found; run from the project folder or pass --space."
    )
