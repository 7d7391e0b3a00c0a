"""The report in a real headless Chromium: it loads offline and every image decodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from study.report import build_report
from tests import browser
from tests.report_fixtures import mixed_study

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
