"""The report page: one autoescaped jinja2 template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
"""The folder of the page template (package data)."""

SECTIONS = (
    ("summary", "Summary"),
    ("fit-map", "Fit map"),
    ("drivers", "What drives the fit"),
    ("curves", "Learning curves"),
    ("objective", "Objective"),
    ("trial-table", "Trials"),
    ("advice", "What to try next"),
)
"""Each section's anchor and title, top to bottom."""


def environment() -> jinja2.Environment:
    """The jinja2 environment of the page: every value is HTML-escaped."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(context: dict[str, Any]) -> str:
    """Render the page from ``context`` (see ``report.html.j2`` for the names it reads)."""
    template = environment().get_template("report.html.j2")
    return template.render(sections=SECTIONS, **context)
