"""``study evaluate NAME``: score a study's recommended trial on its test split, once."""

from __future__ import annotations

import argparse
import json
from typing import Any

from study.cli._common import add_storage_option


def add_parser(subparsers: Any) -> None:
    """Register ``evaluate``."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score a study's recommended trial on its test split",
        description="Train the seeds of a stored study's recommended trial again (same "
        "parameters, seeds and epochs: the same models) and score them on the test split of its "
        "CSV task "
        "(`test` in [task]), which no trial saw; store the score with the study and print it "
        "next to the validation score. `run` does this at its end.",
    )
    parser.add_argument("name", help="the study's name")
    add_storage_option(parser)
    parser.add_argument(
        "--jobs", type=int, metavar="J", help="seed workers (default: cores available)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from study.runner import RunOptions, evaluate

    score = evaluate(RunOptions(study=args.name, trials=0, storage=args.storage, jobs=args.jobs))
    if args.json:
        print(json.dumps(score.summary(), indent=1))
    else:
        print(f"study '{args.name}': {score.describe()}")
    return 0
