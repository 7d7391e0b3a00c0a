"""Figures as images embedded in the page, each with the data of what it shows.

Beside its PNG, each figure carries a JSON record of its text as drawn: every visible tick
label with its box in image pixels (origin top left), the other texts and the legend. The
page puts it in the figure's ``data-figure`` attribute, so a test (or a reader's script) can
check that no two tick labels overlap and that every share has its count without reading
pixels.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

import seaborn as sns
from matplotlib.axis import Axis
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

DPI = 90
"""Resolution of the embedded PNGs."""


@dataclasses.dataclass(frozen=True)
class Image:
    """An embedded figure.

    Attributes:
        title: A caption shown above the image.
        uri: The PNG as a ``data:image/png;base64,...`` URI.
        alt: Text describing the image for screen readers.
        data: The figure's JSON record (see the module docstring).
    """

    title: str
    uri: str
    alt: str
    data: str = "{}"


def to_data_uri(fig: Figure, *, dpi: int = DPI) -> str:
    """Encode ``fig`` as a PNG data URI and release it."""
    return _encode(fig, dpi)[0]


def _encode(fig: Figure, dpi: int) -> tuple[str, dict[str, Any]]:
    """The PNG data URI of ``fig`` and its text as drawn; ``fig`` is released."""
    FigureCanvasAgg(fig)  # a canvas that can measure text after drawing
    fig.set_dpi(dpi)  # draw and measure at the resolution the page shows
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    data = figure_data(fig)
    fig.clear()
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return uri, data


def figure_data(fig: Figure) -> dict[str, Any]:
    """The text of drawn ``fig``: per axes its title, tick labels with pixel boxes and texts.

    Boxes are ``[left, top, right, bottom]`` in pixels of the saved image (origin top left).
    """
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # type: ignore[no-untyped-call]
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    height = fig.bbox.height
    axes = []
    for ax in fig.axes:
        axes.append(
            {
                "title": ax.get_title(),
                "x": _ticks(ax.xaxis, renderer, height),
                "y": _ticks(ax.yaxis, renderer, height),
                "texts": [t.get_text() for t in ax.texts if t.get_visible()],
            }
        )
    legend = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    return {"width": fig.bbox.width, "height": height, "axes": axes, "legend": legend}


def _ticks(axis: Axis, renderer: RendererBase, height: float) -> list[dict[str, Any]]:
    low, high = sorted(axis.get_view_interval())
    span = (high - low) * 1e-9
    shown = []
    locs = axis.get_majorticklocs()
    for loc, tick in zip(locs, axis.get_major_ticks(len(locs)), strict=True):
        text: Text = tick.label1
        if not (tick.get_visible() and text.get_visible() and text.get_text()):
            continue
        if not low - span <= loc <= high + span:  # ticks outside the view are not drawn
            continue
        box = text.get_window_extent(renderer)
        edges = (box.x0, height - box.y1, box.x1, height - box.y0)
        shown.append({"text": text.get_text(), "box": [round(e, 1) for e in edges]})
    return shown


def image(fig: Figure, title: str, alt: str = "", *, facts: dict[str, Any] | None = None) -> Image:
    """Embed ``fig`` with a caption; ``facts`` (JSON-able) join its data record."""
    uri, data = _encode(fig, DPI)
    if facts:
        data["facts"] = facts
    return Image(title=title, uri=uri, alt=alt or title, data=json.dumps(data, sort_keys=True))


@contextlib.contextmanager
def report_style() -> Iterator[None]:
    """The look of every figure of the report (seaborn's white grid, small fonts)."""
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.85):
        yield
