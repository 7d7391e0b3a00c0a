"""A study of one trial reads as well as a large one: nothing is cut off, trials are whole."""

from __future__ import annotations

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg

from study.reporting._curves_data import curve_panel
from study.reporting._curves_fig import curves_figure
from study.reporting._images import figure_data
from study.reporting._objective_fig import history_figure
from tests.report_fixtures import scripted_trial


def test_a_lone_pruned_panel_keeps_its_whole_legend_inside_the_figure() -> None:
    panel = curve_panel(scripted_trial(0, {}, "overfit", state="PRUNED", pruned_at=60))
    assert panel is not None
    fig = curves_figure([panel])
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call]
    (legend,) = fig.legends
    box, page = legend.get_window_extent(canvas.get_renderer()), fig.bbox  # type: ignore[no-untyped-call]
    assert "pruned" in figure_data(fig)["legend"]
    assert page.x0 <= box.x0 and box.x1 <= page.x1


def test_the_history_of_trial_zero_alone_has_only_whole_trial_ticks() -> None:
    history = pd.DataFrame(
        {"number": [0], "value": [0.45], "category": ["overfit"], "pruned": [True], "best": [None]}
    )
    ticks = figure_data(history_figure(history, "loss"))["axes"][0]["x"]
    assert [t["text"] for t in ticks] == ["0"]
