"""A study of a few trials reads as well as a large one: nothing is cut off, axes fit the range."""

from __future__ import annotations

import dataclasses

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from optuna.distributions import IntDistribution

from study.reporting._curves_data import curve_panel
from study.reporting._curves_fig import curves_figure
from study.reporting._data import param_infos, trials_frame
from study.reporting._fitmap import fit_map_frame
from study.reporting._fitmap_fig import fit_map_figure
from study.reporting._images import figure_data
from study.reporting._objective_fig import history_figure
from tests.report_fixtures import scripted_study, scripted_trial


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


def test_a_few_trials_of_a_continuous_range_stay_on_a_numeric_axis() -> None:
    trials = [
        scripted_trial(i, {"dropout": d}, c)
        for i, (d, c) in enumerate(
            zip([0.1, 0.2, 0.3, 0.4], ["overfit", "good_fit"] * 2, strict=True)
        )
    ]
    record = scripted_study(trials)
    frame = trials_frame(record)
    params = [p for p in param_infos(record, frame) if p.name == "dropout"]
    (ax,) = fit_map_figure(fit_map_frame(frame, params), params).axes
    assert ax.get_xlabel() == "dropout"


def test_a_range_of_two_values_is_drawn_as_categories_with_counts() -> None:
    trials = [scripted_trial(i, {"layers": 1 + i % 2}, "good_fit") for i in range(4)]
    record = scripted_study(trials, searched={"layers": "int 1..2"})
    record = dataclasses.replace(
        record,
        trials=tuple(
            dataclasses.replace(t, distributions={"layers": IntDistribution(1, 2)})
            for t in record.trials
        ),
    )
    frame = trials_frame(record)
    (param,) = param_infos(record, frame)
    (ax,) = fit_map_figure(fit_map_frame(frame, [param]), [param]).axes
    assert param.domain == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1 · n=2", "2 · n=2"]


def test_trials_on_the_best_so_far_line_are_drawn_over_it() -> None:
    history = pd.DataFrame(
        {
            "number": [0, 1],
            "value": [0.4, 0.3],
            "category": ["good_fit", "overfit"],
            "pruned": [False, False],
            "best": [0.4, 0.3],
        }
    )
    ax = history_figure(history, "loss").axes[0]
    (line,) = ax.lines
    assert all(dots.get_zorder() > line.get_zorder() for dots in ax.collections)
