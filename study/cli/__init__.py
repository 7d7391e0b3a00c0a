"""The ``python -m study`` command line.

Each subcommand lives in its own module and registers itself through ``add_parser``; errors
that are the user's to fix (:class:`~study.errors.InputError`) print one line and exit with
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from study.errors import InputError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors follow the one-line, exit-2 convention."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see `python -m study {self.prog.split()[-1]} --help`).")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand registered."""
    from study.cli import _diagnose, _list, _next, _report, _run, _show

    parser = _Parser(
        prog="study",
        description="Hyperparameter sweeps of Keras LSTM and MLP models that diagnose "
        "every trial's fit (underfit, good fit, overfit) from its learning curves.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (_run, _list, _show, _diagnose, _report, _next):
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    # TensorFlow's start-up chatter (CPU features, missing CUDA) is noise to a study's user.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            parser.print_help()
            return 2
        return int(args.func(args))
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return 130
