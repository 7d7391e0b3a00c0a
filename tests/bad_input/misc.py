"""Input that once ended in a traceback or silently: huge CSV headers, builder parameters a study
cannot store, malformed environment variables, a failed trial's export, a two-input builder."""

from __future__ import annotations

import importlib.util
import py_compile
from pathlib import Path

from tests.bad_input import SQLITE, Case, Setup, cli, curve, diagnose, run_base, task

_HUGE_NAME = "a" * 140_000
"""A column name longer than the csv module's field limit (131,072 characters)."""
_ROWS = "".join(f"{i},{i % 3}\n" for i in range(30))
_BUILDER = (
    "import keras\n\n\n"
    "def build(params, input_shape, output):\n"
    "    inputs = keras.Input(input_shape)\n"
    "    x = keras.layers.Flatten()(inputs)\n"
    "    return keras.Model(inputs, keras.layers.Dense(output.units)(x))\n\n\n"
    "def two_inputs(params, input_shape, output):\n"
    "    a, b = keras.Input(input_shape), keras.Input(input_shape)\n"
    "    x = keras.layers.Concatenate()([keras.layers.Flatten()(a), keras.layers.Flatten()(b)])\n"
    "    return keras.Model([a, b], keras.layers.Dense(output.units)(x))\n"
)


def _builder_space(function: str, params: str) -> Setup:
    """Run a new study whose model is ``misc_builder:<function>``, with ``params`` lines."""
    text = (
        f'model = "misc_builder:{function}"\nseeds = 1\n\n[task]\nname = "sine"\n'
        f"lookback = 4\n\n[params]\nepochs = 2\n{params}\n"
    )

    def setup(folder: Path) -> list[str]:
        (folder / "bad.toml").write_text(text)
        source = folder / "misc_builder.py"
        source.write_text(_BUILDER)
        # Compiled now: importing it later then writes nothing into the folder.
        py_compile.compile(str(source), cfile=importlib.util.cache_from_source(str(source)))
        return ["run", "--space", "bad.toml", "--study", "new", "--storage", SQLITE, "--no-report"]

    return setup


def _env(id_: str, name: str, value: str, setup: Setup | None = None) -> Case:
    return Case(id_, setup or run_base(), f"${name} must be", env={name: value})


CASES = [
    Case(
        "csv-column-name-over-field-limit",
        task({"csv": "data.csv", "target": "y"}, csv=f"{_HUGE_NAME},y\n{_ROWS}"),
        "longer than 131,072 characters",
    ),
    Case(
        "diagnose-header-over-field-limit",
        diagnose(curve(10, header=f"epoch,loss,val_loss,{_HUGE_NAME}")),
        "longer than 131,072 characters",
    ),
    Case(
        "diagnose-export-of-failed-trial",
        diagnose("trial,seed,epoch,series,value\n", name="curves.csv"),
        "holds no curves",
    ),
    Case(
        "builder-choice-date",
        _builder_space("build", "zz = { choices = [1979-05-27] }"),
        "`params.zz.choices` must be a number, a string or true/false",
    ),
    Case(
        "builder-choice-array",
        _builder_space("build", "zz = { choices = [[1, 2]] }"),
        "`params.zz.choices` must be a number, a string or true/false",
    ),
    Case(
        "builder-range-over-float-width",
        _builder_space("build", "zz = { low = -1e308, high = 1e308 }"),
        "`params.zz` must have a finite width",
    ),
    Case(
        "builder-two-inputs",
        _builder_space("two_inputs", ""),
        "must take one input of shape (batch, 4, 1)",
    ),
    _env("heartbeat-env-superscript-digit", "STUDY_HEARTBEAT_SECONDS", "\u00b2"),
    _env("heartbeat-env-float", "STUDY_HEARTBEAT_SECONDS", "1.5"),
    _env("heartbeat-env-exponent", "STUDY_HEARTBEAT_SECONDS", "1e3"),
    _env("heartbeat-env-huge", "STUDY_HEARTBEAT_SECONDS", "9" * 30),
    _env("grace-env-superscript-digit", "STUDY_GRACE_SECONDS", "\u00b3"),
    _env("grace-env-over-a-day", "STUDY_GRACE_SECONDS", "86401"),
    _env("grace-env-arabic-digits", "STUDY_GRACE_SECONDS", "\u0663\u0660"),
    Case("storage-env-not-a-url", cli("list"), "storage", env={"STUDY_STORAGE": "studies.db"}),
    Case(
        "storage-env-sqlite-without-path",
        cli("show", "base"),
        "storage",
        env={"STUDY_STORAGE": "sqlite://"},
    ),
    Case(
        "storage-env-journal-without-path",
        cli("list"),
        "journal",
        env={"STUDY_STORAGE": "journal://"},
    ),
    Case(
        "storage-env-superscript-port",
        cli("list"),
        "storage",
        env={"STUDY_STORAGE": "postgresql://me@127.0.0.1:\u00b2/x"},
    ),
]
