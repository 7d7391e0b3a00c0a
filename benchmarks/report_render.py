"""Benchmark: rendering the report page of a large study, against pandas' plain HTML table.

A study of N scripted trials (3 seeds of 300 epochs each) is rendered to one HTML page; next
to it, the same trials' parameters and values as a plain ``DataFrame.to_html`` table (what a
user could print without the report). Medians of the repeats, both timed in turn; the page's
table rows are counted so that a page missing trials shows up in the output.

Run: ``python -m benchmarks.report_render [--trials 1000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

from study.reporting import render_report
from tests.report_fixtures import grid_study


def main() -> None:
    """Print seconds per page and per plain table, and the page's size and rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    record = grid_study(args.trials, epochs=300)
    frame = pd.DataFrame([{**t.params, "value": t.value} for t in record.trials])
    page_s, table_s, html = [], [], ""
    for _ in range(args.repeats):
        start = time.perf_counter()
        html = render_report(record)
        page_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        frame.to_html()
        table_s.append(time.perf_counter() - start)
    page, table = statistics.median(page_s), statistics.median(table_s)
    print(f"{'trials':>7} {'page s':>8} {'to_html s':>10} {'ratio':>7} {'page MB':>8} {'rows':>6}")
    print(
        f"{args.trials:>7} {page:>8.2f} {table:>10.3f} {page / table:>7.0f} "
        f"{len(html) / 1e6:>8.1f} {html.count('<tr>'):>6}"
    )


if __name__ == "__main__":
    main()
