"""The ``python -m study`` command line.

Each subcommand lives in its own module and registers itself through ``add_parser``; errors
that are the user's to fix (:class:`~study.errors.InputError`) print one line and exit with
code 2, never a traceback. Building the parser imports nothing heavy: each subcommand imports
what it needs (optuna, pandas, TensorFlow) only when it runs, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from study.cli._common import settle_storage
from study.errors import InputError

__all__ = ["PROG", "build_parser", "main"]

PROG = "python -m study"
"""How the command is invoked; usage lines and error hints name it."""

BROKEN_PIPE_EXIT = 141
"""Exit code when the reader of standard output went away (128 + SIGPIPE, as a shell shows)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors follow the one-line, exit-2 convention."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see `{self.prog} --help`).")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand registered."""
    from study.cli import _diagnose, _evaluate, _export, _list, _next, _report, _run, _show

    parser = _Parser(
        prog=PROG,
        description="Hyperparameter sweeps of Keras LSTM and MLP models that diagnose "
        "every trial's fit (underfit, good fit, overfit) from its learning curves.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (_run, _list, _show, _diagnose, _report, _next, _export, _evaluate):
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    # TensorFlow's start-up chatter (CPU features, missing CUDA) is noise to a study's user.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = build_parser()
    try:
        args = _parse(parser, list(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            parser.print_help()
            return 2
        settle_storage(args)
        with warnings.catch_warnings():
            # Extreme values (overflow in exp, a mean of an all-NaN window) are handled by the
            # code that meets them; numpy's RuntimeWarnings about them would only be noise.
            warnings.simplefilter("ignore", RuntimeWarning)
            code = int(args.func(args))
        sys.stdout.flush()  # A reader that went away shows here, not at interpreter exit.
        return code
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE_EXIT
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return 130


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``; an unknown argument's message names the subcommand's own help."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command = f" {args.command}" if args.command else ""
        raise InputError(
            f"unrecognized arguments: {' '.join(unknown)} (see `{PROG}{command} --help`)."
        )
    return args


def _silence_stdout() -> None:
    """Point standard output at the null device, so that the final flush does not fail too.

    The reader of a pipe (``| head``) closed it: what is left to print has nowhere to go.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # Not a real file (tests capture it).
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
