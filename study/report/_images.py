"""Figures as images embedded in the page."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import io
from collections.abc import Iterator

import seaborn as sns
from matplotlib.figure import Figure

DPI = 90
"""Resolution of the embedded PNGs."""


@dataclasses.dataclass(frozen=True)
class Image:
    """An embedded figure.

    Attributes:
        title: A caption shown above the image.
        uri: The PNG as a ``data:image/png;base64,...`` URI.
        alt: Text describing the image for screen readers.
    """

    title: str
    uri: str
    alt: str


def to_data_uri(fig: Figure, *, dpi: int = DPI) -> str:
    """Encode ``fig`` as a PNG data URI and release it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image(fig: Figure, title: str, alt: str = "") -> Image:
    """Embed ``fig`` with a caption."""
    return Image(title=title, uri=to_data_uri(fig), alt=alt or title)


@contextlib.contextmanager
def report_style() -> Iterator[None]:
    """The look of every figure of the report (seaborn's white grid, small fonts)."""
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.85):
        yield
