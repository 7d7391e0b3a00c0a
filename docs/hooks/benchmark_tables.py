"""MkDocs hook: render the measurement tables from the benchmarks' result files.

A page line ``<!-- benchmark: NAME -->`` is replaced by the table of
``benchmarks/results/NAME.json``: its command, what it measures, how it was measured, one row
per measurement, any ``more_tables`` (a title, columns and rows each) and its notes. The
numbers live only in those files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
MARKER = re.compile(r"^<!-- benchmark: ([a-z0-9_]+) -->$", re.MULTILINE)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(columns: dict[str, str], rows: list[dict[str, Any]]) -> list[str]:
    """A Markdown table's lines, a blank line after it."""
    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(key, "")) for key in columns) + " |" for row in rows]
    return [*lines, ""]


def render(name: str) -> str:
    """The Markdown of one result file's table.

    Args:
        name: The file's name in ``benchmarks/results/``, without ``.json``.

    Returns:
        The command, the description, the table and its notes.

    Raises:
        FileNotFoundError: No such result file.
    """
    data = json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))
    columns: dict[str, str] = data["columns"]
    command = data["command"]
    options = f" ({data['options']})" if data.get("options") else ""
    lines = [f"`{command}`{options}" if command else "No benchmark script: figures measured once."]
    lines += ["", data["measures"], "", f"*How it was measured:* {data['how_measured']}", ""]
    lines += _table(columns, data["rows"])
    for table in data.get("more_tables", []):
        lines += [f"*{table['title']}*", "", *_table(table["columns"], table["rows"])]
    lines += [f"- {note}" for note in data.get("notes", [])]
    lines.append(f"\n<small>Data: `benchmarks/results/{name}.json`</small>")
    return "\n".join(lines)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace every benchmark marker of a page by its table."""
    return MARKER.sub(lambda match: render(match.group(1)), markdown)
