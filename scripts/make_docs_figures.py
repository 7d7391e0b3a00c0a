"""Draw one figure per fit verdict for the documentation, from the real curves of the corpus.

Each figure shows the three seeds of one labelled configuration of ``tests/corpus/real/``
(Keras models trained by ``scripts/make_real_curves.py``): training loss with dropout off and
validation loss per epoch, on a log scale, with the verdict and advice that
:func:`study.diagnose` gives the seeds. The figures are written to ``docs/images/`` as
``fit_<category>[_<kind>].png``; the documentation site embeds them. Run from the repository
root::

    python scripts/make_docs_figures.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

import study

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "real"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "images"

# The configuration drawn for each verdict: the clearest example of it in the corpus.
EXAMPLES: dict[str, str] = {
    "good_fit": "sine_lstm32_e200",
    "underfit_still_improving": "seq_lstm10_e100",
    "underfit_capacity": "seq_lstm1_mae_sgd",
    "overfit_turning_point": "cancer_256x3_e400",
    "not_learning": "moons_lr_tiny",
    "unstable_diverged": "moons_sgd_huge_lr",
}


def _seed_files(config: str) -> list[Path]:
    files = sorted(CORPUS.glob(f"{config}_s*.csv"))
    if not files:
        raise SystemExit(f"no curve files {config}_s*.csv in {CORPUS}: run from the repository")
    return files


def draw(config: str, labels: dict[str, dict[str, Any]]) -> plt.Figure:
    """Draw the seeds of ``config`` with their diagnosis; return the figure."""
    files = _seed_files(config)
    label = labels[files[0].name]
    diagnosis = study.diagnose(
        [str(f) for f in files],
        baseline_loss=float(label["baseline_loss"]),
    )
    fig, ax = plt.subplots(figsize=(7.0, 3.8), dpi=110)
    for i, path in enumerate(files):
        frame = pd.read_csv(path)
        train = frame["train_loss"] if "train_loss" in frame else frame["loss"]
        ax.plot(
            frame["epoch"],
            train,
            color="tab:blue",
            alpha=0.75,
            lw=1.2,
            label="training (dropout off)" if i == 0 else None,
        )
        ax.plot(
            frame["epoch"],
            frame["val_loss"],
            color="tab:orange",
            alpha=0.85,
            lw=1.2,
            label="validation" if i == 0 else None,
        )
    best = diagnosis.verdict.evidence.best_epoch
    if best:
        ax.axvline(best, color="grey", ls=":", lw=1, label=f"best validation epoch ({best})")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (log scale)")
    kind = f" / {diagnosis.verdict.kind}" if diagnosis.verdict.kind else ""
    agree = round(diagnosis.agreement * len(diagnosis.seeds))
    title = f"{diagnosis.category}{kind}: {config}, {agree} of {len(diagnosis.seeds)} seeds agree"
    ax.set_title(title, fontsize=10)
    advice = textwrap.fill(f"advice: {diagnosis.verdict.advice}", 110)
    fig.text(0.01, 0.01, advice, fontsize=7, va="bottom")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return fig


def main(argv: list[str] | None = None) -> int:
    """Write every figure; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs")
    args = parser.parse_args(argv)
    labels = json.loads((CORPUS / "labels.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    for name, config in EXAMPLES.items():
        fig = draw(config, labels)
        path = args.out / f"fit_{name}.png"
        tmp = path.with_suffix(".png.tmp")
        fig.savefig(tmp, format="png")
        plt.close(fig)
        tmp.replace(path)
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
