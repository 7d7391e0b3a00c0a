"""The report in a real headless Chromium: it loads offline, every image decodes, and the
shipped demo study's page reads consistently (its next steps agree with its fit map)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import optuna
import pytest

from study.cli import main
from study.reporting import build_report
from study.storage import study_record
from tests import browser
from tests.report_fixtures import demo_study, mixed_study

pytestmark = pytest.mark.e2e

SORT_PROBE = """<script>
window.addEventListener("load", function () {
  var header = document.querySelectorAll("#trials th")[0];
  header.click(); header.click();
  document.body.setAttribute("data-first-trial",
    document.querySelector("#trials tbody tr td").getAttribute("data-sort"));
});
</script></body>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    browser.find_chromium()
    out = tmp_path_factory.mktemp("report")
    return build_report(mixed_study(60, name="browser <test>"), out, trials=[2])


def test_page_loads_without_errors_and_every_image_decodes(page: Path, tmp_path: Path) -> None:
    loaded = browser.load(page, tmp_path / "profile")
    assert loaded.body_attr("data-errors") is None
    assert loaded.console == []
    shown = loaded.body_attr("data-images-ok")
    assert shown is not None, loaded.log[-2000:]
    ok, total = map(int, shown.split("/"))
    assert total >= 7 and ok == total


def test_table_sorts_on_header_click(page: Path, tmp_path: Path) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", SORT_PROBE))
    loaded = browser.load(probe, tmp_path / "profile")
    assert loaded.body_attr("data-errors") is None
    assert loaded.body_attr("data-first-trial") == "59.0"  # descending after two clicks


def test_screenshot(page: Path, tmp_path: Path) -> None:
    shot = browser.screenshot(page, tmp_path / "report.png", tmp_path / "profile")
    assert shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")


@pytest.fixture(scope="module")
def scripted_dom(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The DOM, after its scripts ran, of the report of a demo-like scripted study."""
    browser.find_chromium()
    out = tmp_path_factory.mktemp("scripted")
    page = build_report(demo_study(), out)
    loaded = browser.load(page, out / "profile")
    assert loaded.body_attr("data-errors") is None and loaded.console == []
    return loaded.dom


def test_no_two_tick_labels_of_an_axis_overlap_in_the_browser(scripted_dom: str) -> None:
    figures = browser.figures(scripted_dom)
    assert len(figures) == 6  # fit map, pairs, importance, curves, objective, history
    ticks = sum(len(ax["x"]) + len(ax["y"]) for f in figures for ax in f["axes"])
    assert ticks > 100
    for figure in figures:
        assert browser.overlapping_ticks(figure) == [], figure["axes"][0]["title"]


def test_every_share_on_the_page_has_its_count(scripted_dom: str) -> None:
    fit_map, pairs = browser.figures(scripted_dom, "fit-map")
    bars = [ax for ax in fit_map["axes"] if ax["x"] and ax["x"][-1]["text"] == "1.0"]
    assert len(bars) == 2  # layers (two values) and bidirectional (a choice)
    for ax in bars:
        assert all(re.fullmatch(r".+ · n=\d+", t["text"]) for t in ax["y"]), ax["y"]
    cells = [t for ax in pairs["axes"] for t in ax["texts"]]
    assert cells and all(re.fullmatch(r"(tie )?\d+%\nn=\d+", t) for t in cells), cells
    chips = re.findall(r'<span class="chip"[^>]*>([^<]+)</span>', scripted_dom)
    assert chips and all(re.fullmatch(r"\w+ \d+", c) for c in chips[:3]), chips
    rules = section_items(scripted_dom, "drivers", "rules")
    assert rules and all(re.search(r"in \d+ of \d+ trials$", r) for r in rules), rules


def test_pruned_trials_appear_in_the_objective_section(scripted_dom: str) -> None:
    figures = browser.figures(scripted_dom, "objective")
    assert [f["facts"]["pruned"] for f in figures] == [2, 2]
    assert all("pruned (value at the stop)" in f["legend"] for f in figures)
    section = scripted_dom.split('<section id="objective">', 1)[1].split("</section>", 1)[0]
    assert "pruned trials as crosses" in section


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the shipped demo study (``python -m study run`` with no arguments)."""
    browser.find_chromium()
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'studies.db'}"
    assert main(["run", "--storage", url, "--no-report"]) == 0
    record = study_record(optuna.load_study(study_name="demo", storage=url), url)
    return build_report(record, folder / "report")


def section_items(page: str, section: str, css: str) -> list[str]:
    """The text of each ``<li>`` of the list of class ``css`` in ``section``."""
    body = page.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
    lists = re.findall(rf'<ul class="{css}">(.*?)</ul>', body, flags=re.S)
    items = re.findall(r"<li>(.*?)</li>", "".join(lists), flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", i)).strip() for i in items]


def test_demo_report_next_steps_agree_with_its_rules(demo_page: Path, tmp_path: Path) -> None:
    loaded = browser.load(demo_page, tmp_path / "profile")
    assert loaded.body_attr("data-errors") is None and loaded.console == []
    page = demo_page.read_text(encoding="utf-8")
    rules = section_items(page, "drivers", "rules")
    advice = section_items(page, "advice", "advice")
    assert advice, "the demo's page gives no next step"
    for line in advice:
        moves = re.findall(r"(\w+) → good fit: (raise|lower) (\w+)", line)
        for problem, move, param in moves:
            into, away = ("≥", "<") if move == "raise" else ("<", "≥")
            for rule in rules:
                single = rule.count(" and ") == 0
                assert not (
                    single and rule.startswith(f"{param} {into} ") and f"→ {problem} " in rule
                ), (line, rule)
                assert not (
                    single and rule.startswith(f"{param} {away} ") and "→ good_fit " in rule
                ), (line, rule)
    fits = re.findall(r'<span class="chip"[^>]*>(overfit|underfit) \d+</span>', page)
    for problem in fits:  # each problem the summary counts gets a direction or "too thin"
        assert any(
            line.startswith(f"{problem} → good fit")
            or re.search(rf"\b{problem} trials? — evidence too thin", line)
            for line in advice
        ), advice


def test_demo_screenshot(demo_page: Path, tmp_path: Path) -> None:
    shot = browser.screenshot(demo_page, tmp_path / "demo.png", tmp_path / "profile")
    assert shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")
