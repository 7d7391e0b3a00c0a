"""The documentation: a short README, a nav whose pages exist, and a site that builds strictly."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 220
_SITE_PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml; a tag naming a Python object (``!!python/name:...``) reads as None."""


_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *args: None)


def _nav_pages(entries: list[Any]) -> list[str]:
    pages: list[str] = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            pages += _nav_pages(value)
        else:
            pages.append(value)
    return pages


def _missing_site_packages() -> list[str]:
    missing = []
    for name in _SITE_PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


def _hook(name: str = "benchmark_tables") -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_marker_becomes_its_table() -> None:
    page = _hook().on_page_markdown("## Pruning\n\n<!-- benchmark: pruning -->\n")
    assert "<!-- benchmark:" not in page
    assert "| measure | result |" in page
    assert "`python benchmarks/pruning.py`" in page


def test_a_result_file_more_tables_follow_its_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = _hook()
    data = {
        "command": "python x.py",
        "measures": "m",
        "how_measured": "h",
        "columns": {"a": "A"},
        "rows": [{"a": 1}],
        "more_tables": [{"title": "Per round", "columns": {"b": "B"}, "rows": [{"b": 2}]}],
    }
    (tmp_path / "x.json").write_text(json.dumps(data))
    monkeypatch.setattr(hook, "RESULTS", tmp_path)
    page = hook.render("x")
    assert page.index("| 1 |") < page.index("*Per round*") < page.index("| B |\n|---|\n| 2 |")


def test_every_benchmark_result_is_on_the_page() -> None:
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    shown = set(_hook().MARKER.findall(page))
    stored = {path.stem for path in (ROOT / "benchmarks" / "results").glob("*.json")}
    assert shown == stored


def test_cli_marker_becomes_every_command_help() -> None:
    page = _hook("cli_help").on_page_markdown("# Commands\n\n<!-- cli-help -->\n")
    assert "<!-- cli-help -->" not in page
    for command in ("run", "list", "show", "diagnose", "report", "next", "export", "evaluate"):
        assert f"usage: python -m study {command}" in page


def test_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


def test_every_nav_page_exists() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_ConfigLoader)
    pages = _nav_pages(config["nav"])
    assert pages
    missing = [page for page in pages if not (ROOT / "docs" / page).is_file()]
    assert missing == []


@pytest.mark.e2e
def test_site_builds_strictly(tmp_path: Path) -> None:
    missing = _missing_site_packages()
    if missing:
        pytest.skip(
            f"the docs extra is not installed ({', '.join(missing)} missing): "
            "pip install -e '.[docs]'"
        )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "reference" / "api" / "diagnosis" / "index.html").is_file()
