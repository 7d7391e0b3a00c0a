"""Screenshot the report of a demo-like scripted study into ``docs/images/report.png``.

The study is :func:`tests.report_fixtures.demo_study`: the shipped demo's search space with
scripted curves and diagnoses (no training), two of its overfit trials pruned; each trial's
evidence is what its scripted seeds say (intervals, the recommended trial), as a stored
study's is. The page is
opened in headless Chromium (Debian's ``chromium`` package) at 1280 pixels wide; the
screenshot is cut below the page's last line, reduced to 256 colours and written to a
temporary file in the same folder, then renamed into place.

Run from the repository root: ``PYTHONPATH=. python scripts/screenshot_report.py [--out PATH]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from study.evidence import seed_values, trial_evidence
from study.reporting import build_report
from study.storage import StudyRecord
from tests import browser
from tests.report_fixtures import demo_study

DEFAULT_OUT = Path("docs/images/report.png")
WIDTH = 1280
"""Window width in pixels (the page's layout is at most 1180 pixels wide)."""
TALL = 12000
"""Window height in pixels: taller than the page, cut back to its content afterwards."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"(default: {DEFAULT_OUT})")
    return parser.parse_args(argv)


def chromium() -> str | None:
    """The path of a headless Chromium, or ``None``."""
    for name in (os.environ.get("CHROMIUM", ""), *browser.NAMES):
        path = shutil.which(name) if name else None
        if path:
            return path
    return None


def trim(png: Path) -> Image.Image:
    """The screenshot without the rows of plain background below the page."""
    image = Image.open(png).convert("RGB")
    pixels = np.asarray(image)
    background = pixels[-1, 0]
    filled = np.flatnonzero((pixels != background).any(axis=(1, 2)))
    bottom = int(filled[-1]) + 24 if filled.size else pixels.shape[0]
    return image.crop((0, 0, image.width, min(bottom, image.height)))


def with_evidence(record: StudyRecord) -> StudyRecord:
    """``record`` with each trial's evidence read from its seeds' curves, as storage reads it."""
    trials = tuple(
        dataclasses.replace(
            t,
            evidence=trial_evidence(
                seed_values("final_val_loss", [c for c in t.seeds if c.epochs_trained > 0]),
                number=t.number,
            ),
        )
        if t.seeds
        else t
        for t in record.trials
    )
    return dataclasses.replace(record, trials=trials)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.out.suffix != ".png":
        print(f"--out must end in .png, but got --out={args.out}.", file=sys.stderr)
        return 2
    if chromium() is None:
        print(
            f"headless Chromium not found: install it with `{browser.INSTALL}`.", file=sys.stderr
        )
        return 2
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        page = build_report(with_evidence(demo_study()), folder / "report")
        shot = browser.screenshot(
            page, folder / "shot.png", folder / "profile", size=f"{WIDTH},{TALL}"
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{args.out.name}.", suffix=".tmp", dir=args.out.parent
        )
        os.close(fd)
        try:
            # 256 colours keep the flat charts sharp at a third of the size
            palette = trim(shot).quantize(colors=256, method=Image.Quantize.MEDIANCUT)
            palette.save(name, format="PNG", optimize=True)
            os.chmod(name, 0o644)
            os.replace(name, args.out)
        finally:
            if os.path.exists(name):
                os.unlink(name)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
