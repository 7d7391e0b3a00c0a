"""The report page: sections, escaping, embedded images, empty and large studies."""

from __future__ import annotations

import base64
import datetime
import errno
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest
from matplotlib.figure import Figure

from study.errors import InputError
from study.reporting import build_report, render_report
from study.reporting._curves_data import curve_panel
from study.reporting._curves_fig import curves_figure, draw_curves
from study.reporting._page import SECTIONS
from tests.report_fixtures import grid_study, scripted_study, scripted_trial

XSS = "<script>alert(1)</script>"


def images(html: str) -> list[bytes]:
    """The PNG bytes of every embedded image."""
    return [
        base64.b64decode(uri) for uri in re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    ]


@pytest.fixture(scope="module")
def page() -> str:
    return render_report(grid_study(60), trials=[3])


def test_page_has_every_section(page: str) -> None:
    for anchor, title in SECTIONS:
        assert f'<section id="{anchor}">' in page
        assert title in page


def test_images_are_valid_pngs(page: str) -> None:
    pngs = images(page)
    assert len(pngs) == page.count("<img ")
    assert len(pngs) >= 7
    for png in pngs:
        pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
        assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100


def test_page_is_self_contained(page: str) -> None:
    assert not re.search(r'(src|href)="(?!data:|#)', page)
    assert "http://" not in page and "https://" not in page
    assert "Content-Security-Policy" in page


def test_page_shows_rules_advice_and_requested_trial(page: str) -> None:
    assert "→ overfit in" in page
    assert "What to try next" in page and "overfit → good fit: lower units" in page
    assert "Trial #3" in page
    assert 'id="trials"' in page and page.count("<tr>") >= 60


def test_user_text_is_escaped() -> None:
    record = scripted_study(
        [scripted_trial(0, {XSS: 1.0}, None, state="FAIL", error=XSS)],
        name=XSS,
        task_description=XSS,
        searched={XSS: "0..2"},
        space_text=XSS,
    )
    html = render_report(record)
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 2  # the page's own error recorder and table sorter


def test_empty_study_renders_a_clear_page() -> None:
    html = render_report(scripted_study([]))
    assert "This study has no trials yet" in html
    assert "<img " not in html


def test_study_without_completed_trials_says_so() -> None:
    trials = [
        scripted_trial(
            0, {"units": 8, "dropout": 0.1, "optimizer": "adam"}, None, state="FAIL", error="boom"
        ),
        scripted_trial(
            1,
            {"units": 64, "dropout": 0.1, "optimizer": "adam"},
            "overfit",
            state="PRUNED",
            pruned_at=30,
        ),
    ]
    html = render_report(scripted_study(trials))
    assert "No trial has completed with a finite final_val_loss yet" in html
    assert len(images(html)) >= 1  # the pruned trial's learning curves


@pytest.mark.usefixtures("undrawn_figures")  # The page's words, not its pixels.
def test_summary_explains_pruned_trials_that_beat_the_best_complete_one() -> None:
    trials = [
        scripted_trial(0, {"units": 8, "dropout": 0.1, "optimizer": "adam"}, "underfit"),
        scripted_trial(
            1,
            {"units": 64, "dropout": 0.1, "optimizer": "adam"},
            "overfit",
            state="PRUNED",
            value=0.45,
            pruned_at=80,
        ),
    ]
    html = render_report(scripted_study(trials))
    assert 'id="best-of"' in html and "pruned at epoch 80 of 100" in html
    note = html.split('id="pruned-note">', 1)[1].split("</p>", 1)[0]
    assert note.startswith("1 pruned trial beats the best complete trial #0")
    assert "The best early-stopped alternative: #1 stopped at epoch" in note


@pytest.mark.usefixtures("undrawn_figures")  # The page's words, not its pixels.
def test_build_report_writes_index_html(tmp_path: Path) -> None:
    path = build_report(grid_study(12), tmp_path / "out" / "demo", max_curves=1)
    assert path == tmp_path / "out" / "demo" / "index.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_unknown_requested_trial_is_rejected() -> None:
    with pytest.raises(ValueError, match="`trials` must be numbers of trials"):
        render_report(grid_study(5), trials=[99])


def test_figures_draw_prepared_data_on_a_given_axes() -> None:
    panel = curve_panel(scripted_trial(0, {}, "overfit", state="PRUNED", pruned_at=50))
    assert panel is not None
    ax = Figure().subplots()
    assert draw_curves(panel, ax) is ax
    assert ax.get_title().startswith("#0")
    assert isinstance(curves_figure([panel, panel]), Figure)


@pytest.mark.e2e
def test_report_never_imports_tensorflow() -> None:
    code = (
        "import sys, study.reporting, study.cli._report; "
        "bad = [m for m in ('tensorflow', 'keras', 'study.engine', 'study.models') "
        "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.usefixtures("undrawn_figures")  # The page's words, not its pixels.
def test_partial_report_says_so_and_when_it_was_written() -> None:
    when = datetime.datetime(2025, 1, 1, 12, 30, tzinfo=datetime.UTC)
    html = render_report(grid_study(3), partial=True, written_at=when)
    line = html.split('id="partial">', 1)[1].split("</p>", 1)[0]
    assert line.startswith("Partial report: the study is still running")
    assert "written 2025-01-01 12:30:00 UTC after 3 finished trials" in line
    assert 'id="partial"' not in render_report(scripted_study([]))


def test_build_report_replaces_the_page_in_one_rename(tmp_path: Path) -> None:
    build_report(scripted_study([]), tmp_path)
    path = build_report(scripted_study([], name="second"), tmp_path, partial=True)
    assert "Study second" in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def test_failed_write_keeps_the_old_page_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = build_report(scripted_study([]), tmp_path)
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(InputError, match="No space left"):
        build_report(scripted_study([], name="second"), tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


@pytest.mark.usefixtures("undrawn_figures")  # The page's words, not its pixels.
def test_loss_scale_is_stated_only_when_curves_are_drawn() -> None:
    assert "Loss axis" not in render_report(scripted_study([]))
    assert "Loss axis: log scale on every panel" in render_report(grid_study(3), max_curves=1)
