"""MkDocs hook: render every command's ``--help`` from the command-line parser itself.

A page line ``<!-- cli-help -->`` is replaced by the help of ``python -m study`` and of each of
its commands, as ``study.cli.build_parser`` defines them, so the reference cannot drift from
the commands.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- cli-help -->"
WIDTH = "96"  # argparse wraps at $COLUMNS: a fixed width makes the page the same everywhere


def _parser() -> argparse.ArgumentParser:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the checkout's package, as mkdocstrings reads it
    from study.cli import build_parser

    return build_parser()


def render() -> str:
    """The Markdown of the top-level help and of every command's help."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        parser = _parser()
        sections = [f"```\n{parser.format_help()}```"]
        # argparse keeps its subcommands only on a private action class.
        commands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        for action in commands:
            for name, sub in action.choices.items():
                sections.append(f"### `{name}`\n\n```\n{sub.format_help()}```")
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    return "\n\n".join(sections)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace the marker of a page by the commands' help."""
    return markdown.replace(MARKER, render()) if MARKER in markdown else markdown
