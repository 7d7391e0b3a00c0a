"""The figures read at a glance: ticks that never overlap, a count beside every share, ties
shown as ties, pruned trials in the objective plots, one loss scale for every curve panel."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from study.reporting import render_report
from study.reporting._curves_data import curve_panel, log_scale
from study.reporting._curves_fig import curves_figure
from study.reporting._data import param_infos, trials_frame
from study.reporting._fitmap import fit_map_frame, pair_cells, param_pairs
from study.reporting._fitmap_fig import dominant_heatmap, pairs_figure
from study.reporting._images import image
from study.reporting._objective_fig import history_figure
from tests import browser
from tests.report_fixtures import demo_study, mixed_study, scripted_trial


@pytest.fixture(scope="module")
def page() -> str:
    return render_report(demo_study(), trials=[9])


def test_no_two_tick_labels_of_an_axis_overlap(page: str) -> None:
    figures = browser.figures(page)
    assert len(figures) >= 7
    for figure in figures:
        assert browser.overlapping_ticks(figure) == [], figure["axes"][0]["title"]


def test_overlapping_tick_labels_are_found() -> None:
    ticks = [{"text": "3e-3", "box": [0, 0, 20, 10]}, {"text": "4e-3", "box": [15, 0, 35, 10]}]
    apart = [{"text": "1", "box": [0, 0, 10, 10]}, {"text": "2", "box": [10, 0, 20, 10]}]
    figure = {"axes": [{"x": ticks, "y": apart}]}
    assert browser.overlapping_ticks(figure) == [("3e-3", "4e-3")]


def test_log_axes_read_plain_ticks(page: str) -> None:
    labels = [
        t["text"] for f in browser.figures(page) for ax in f["axes"] for t in ax["x"] + ax["y"]
    ]
    assert "1e-3" in labels and "3e-3" in labels
    assert not [t for t in labels if "×" in t or "10^" in t or "e+" in t or "e-0" in t]


def test_integer_parameters_get_integer_ticks(page: str) -> None:
    (fit_map, *_) = browser.figures(page, "fit-map")
    units = next(ax for ax in fit_map["axes"] if ax["title"].startswith("units"))
    assert [t["text"] for t in units["x"]] == ["2", "4", "8", "16", "32", "64", "128", "256"]


def test_few_valued_and_choice_parameters_are_bars_with_counts(page: str) -> None:
    (fit_map, *_) = browser.figures(page, "fit-map")
    bars = {ax["title"].split()[0]: ax for ax in fit_map["axes"]}
    for name in ("layers", "bidirectional"):
        labels = [t["text"] for t in bars[name]["y"]]
        assert labels and all(re.fullmatch(r".+ · n=\d+", t) for t in labels), labels
    assert [t["text"] for t in bars["bidirectional"]["y"]] == ["False · n=23", "True · n=1"]


def test_every_heatmap_cell_shows_its_count(page: str) -> None:
    pairs = browser.figures(page, "fit-map")[1]
    texts = [t for ax in pairs["axes"] for t in ax["texts"]]
    assert texts and all(re.search(r"\nn=\d+$", t) for t in texts), texts


def test_objective_section_shows_pruned_trials(page: str) -> None:
    figures = browser.figures(page, "objective")
    assert len(figures) == 2
    for figure in figures:
        assert figure["facts"]["pruned"] == 2
        assert "pruned (value at the stop)" in figure["legend"]


def test_curve_caption_states_the_one_loss_scale(page: str) -> None:
    assert "Loss axis: log scale on every panel" in page


def test_every_curve_panel_has_the_same_y_scale() -> None:
    panels = [
        curve_panel(scripted_trial(n, {}, c)) for n, c in enumerate(["underfit", "good_fit"])
    ]
    drawn = [p for p in panels if p is not None]
    assert {ax.get_yscale() for ax in curves_figure(drawn).axes} == {"log"}
    assert {ax.get_yscale() for ax in curves_figure(drawn, log_y=False).axes} == {"linear"}


def test_loss_scale_is_linear_when_a_loss_is_not_positive() -> None:
    panel = curve_panel(scripted_trial(0, {}, "good_fit"))
    assert panel is not None
    assert log_scale([panel])
    zero = dataclasses.replace(panel, train=panel.train * 0.0)
    assert not log_scale([panel, zero])


def cells(rows: list[tuple[str, str, int, str, float, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["x", "y", "n", "dominant", "share", "tie"])


def face(ax: object, index: int) -> float:
    patches = [p for p in ax.patches if isinstance(p, Rectangle)]  # type: ignore[attr-defined]
    return float(np.sum(patches[index].get_facecolor()[:3]))


def test_cells_with_few_trials_are_drawn_fainter() -> None:
    ax = Figure().subplots()
    dominant_heatmap(
        cells([("a", "a", 1, "overfit", 1.0, False), ("b", "a", 8, "overfit", 1.0, False)]), ax
    )
    assert face(ax, 0) > face(ax, 1)  # nearer white


def test_a_tie_is_hatched_and_labelled_tie() -> None:
    ax = Figure().subplots()
    dominant_heatmap(cells([("a", "a", 2, "good_fit", 0.5, True)]), ax)
    (cell,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert cell.get_hatch() == "///"
    assert ax.texts[0].get_text() == "tie 50%\nn=2"


def test_a_single_point_history_has_a_whole_trial_axis_with_room() -> None:
    history = pd.DataFrame(
        {"number": [2], "value": [0.5], "category": ["good_fit"], "pruned": [False], "best": [0.5]}
    )
    ax = history_figure(history, "loss").axes[0]
    assert ax.get_xlim() == (-0.5, 2.5)
    low, high = ax.get_ylim()
    assert low < 0.5 < high and high - low >= 0.09
    assert all(float(x).is_integer() for x in ax.get_xticks())


def test_long_bin_labels_of_pairs_do_not_overlap() -> None:
    record = mixed_study(80)
    frame = trials_frame(record)
    params = {p.name: p for p in param_infos(record, frame)}
    fit_map = fit_map_frame(frame, list(params.values()))
    top = [params["learning_rate"], params["dropout"], params["units"]]
    cells = [(pair_cells(fit_map, x, y), x, y) for x, y in param_pairs(top)]
    figure = json.loads(image(pairs_figure(cells), "pairs").data)
    assert figure["axes"][0]["x"][0]["text"] == "1.1e-5–\n7.9e-5"
    assert browser.overlapping_ticks(figure) == []
