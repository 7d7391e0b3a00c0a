"""Bad search-space files: syntax, keys, values, parameter bounds and task options."""

from __future__ import annotations

from tests.bad_input import MLP, TINY, Case, cli, space, task, tiny_replacing, tiny_with

_UNITS = "units = { low = 2, high = 8 }"
_EPOCHS = "epochs = { low = 20, high = 40, step = 10 }"

CASES = [
    # The file itself.
    Case(
        "space-missing",
        cli("run", "--space", "nope.toml", "--storage", "sqlite:///s.db"),
        "search-space file not found",
    ),
    Case(
        "space-is-a-folder",
        cli("run", "--space", ".", "--study", "new", "--storage", "sqlite:///s.db"),
        "search-space file",
    ),
    Case("space-empty", space(""), "`family`"),
    Case("space-only-comments", space("# nothing here\n"), "`family`"),
    Case("space-not-utf8", space(TINY.encode("utf-16")), "search-space file"),
    Case("space-binary", space(b"\x89PNG\r\n\x1a\n\x00\x00" * 50), "search-space file"),
    Case("space-syntax", space('family = "lstm\ntask = "sequence"\n'), "TOML syntax error"),
    Case("space-duplicate-key", space('family = "mlp"\n' + TINY), "TOML syntax error"),
    Case("space-oversize", space(TINY + "# " + "x" * 60_000_000 + "\n"), "too large"),
    # Top-level keys.
    Case("space-unknown-key", space("colour = 1\n" + TINY), "unknown key `colour`"),
    Case(
        "space-unknown-key-before-params",
        tiny_replacing("seeds = 2", "seeds = 2\ncolour = 1"),
        "unknown key `colour`",
    ),
    Case("space-unknown-family", tiny_replacing('"lstm"', '"cnn"'), "`family` must be"),
    Case("space-family-not-string", tiny_replacing('"lstm"', "3"), "`family` must be"),
    Case("space-task-missing", space('family = "mlp"\n[params]\nepochs = 5\n'), "`task`"),
    Case("space-unknown-task", tiny_replacing('"sequence"', '"mnist"'), "unknown task"),
    Case("space-task-number", tiny_replacing('"sequence"', "5"), "`task` must be"),
    Case("space-lstm-on-tabular", tiny_replacing('"sequence"', '"moons"'), "needs sequence data"),
    Case("space-seeds-string", tiny_replacing("seeds = 2", 'seeds = "two"'), "`seeds` must"),
    Case("space-seeds-zero", tiny_replacing("seeds = 2", "seeds = 0"), "`seeds` must"),
    Case("space-seeds-huge", tiny_replacing("seeds = 2", "seeds = 100000"), "`seeds` must"),
    Case("space-seeds-float", tiny_replacing("seeds = 2", "seeds = 2.5"), "`seeds` must"),
    Case(
        "space-objective-unknown",
        space(MLP.replace("seeds = 1", 'seeds = 1\nobjective = "x"')),
        "`objective`",
    ),
    Case(
        "space-sampler-seed-negative",
        space(MLP.replace("seeds = 1", "seeds = 1\nsampler_seed = -1")),
        "`sampler_seed`",
    ),
    Case(
        "space-params-not-table",
        space(MLP.replace("[params]\nepochs = 5\n", "params = 3\n")),
        "`params`",
    ),
    # Parameters.
    Case("param-unknown", tiny_with("colour = 3"), "not a parameter"),
    Case(
        "param-other-family",
        space(MLP + "recurrent_dropout = 0.1\n"),
        "not a parameter of the mlp family",
    ),
    Case(
        "param-empty-range",
        tiny_replacing("low = 2, high = 8", "low = 8, high = 2"),
        "empty range",
    ),
    Case(
        "param-range-without-high",
        tiny_replacing(_UNITS, "units = { low = 2 }"),
        "needs both `low` and `high`",
    ),
    Case(
        "param-range-unknown-key",
        tiny_replacing(_UNITS, "units = { low = 2, hi = 8 }"),
        "unknown key `params.units.hi`",
    ),
    Case(
        "param-log-nonpositive",
        tiny_with("l2 = { low = 0.0, high = 0.01, log = true }"),
        "needs low > 0",
    ),
    Case(
        "param-log-not-bool",
        tiny_with("l2 = { low = 1e-5, high = 0.01, log = 1 }"),
        "`params.l2.log` must be true or false",
    ),
    Case(
        "param-step-zero",
        tiny_replacing(_EPOCHS, "epochs = { low = 20, high = 40, step = 0 }"),
        "step` must be an integer >= 1",
    ),
    Case(
        "param-step-float-on-int",
        tiny_replacing(_EPOCHS, "epochs = { low = 20, high = 40, step = 0.5 }"),
        "step` must be an integer >= 1",
    ),
    Case(
        "param-log-and-step",
        tiny_replacing(_EPOCHS, "epochs = { low = 20, high = 40, step = 10, log = true }"),
        "both log = true and a step",
    ),
    Case(
        "param-choices-empty",
        tiny_with("optimizer = { choices = [] }"),
        "must be a non-empty list",
    ),
    Case(
        "param-choices-and-range",
        tiny_replacing(_UNITS, "units = { choices = [2], low = 1 }"),
        "both `choices` and `low`",
    ),
    Case(
        "param-range-on-choice",
        tiny_with('optimizer = { low = "adam", high = "sgd" }'),
        "is a choice",
    ),
    Case("param-unknown-optimizer", tiny_with('optimizer = "adamw9"'), "optimizer"),
    Case("param-bad-choice", tiny_with('optimizer = { choices = ["adam", "lion"] }'), "optimizer"),
    Case("param-negative-epochs", tiny_replacing(_EPOCHS, "epochs = -5"), "epochs"),
    Case("param-epochs-huge", tiny_replacing(_EPOCHS, "epochs = 10000000"), "epochs"),
    Case("param-epochs-float", tiny_replacing(_EPOCHS, "epochs = 20.5"), "epochs"),
    Case("param-epochs-string", tiny_replacing(_EPOCHS, 'epochs = "20"'), "epochs"),
    Case("param-epochs-bool", tiny_replacing(_EPOCHS, "epochs = true"), "epochs"),
    Case("param-negative-units", tiny_replacing(_UNITS, "units = -3"), "units"),
    Case("param-units-1e32", tiny_replacing(_UNITS, "units = 1e32"), "units"),
    Case("param-units-huge-int", tiny_replacing(_UNITS, "units = 100000000"), "units"),
    Case("param-layers-zero", tiny_with("layers = 0"), "layers"),
    Case("param-layers-many", tiny_with("layers = 100"), "layers"),
    Case("param-dropout-one", tiny_with("dropout = 1.0"), "dropout"),
    Case("param-dropout-negative", tiny_with("dropout = -0.1"), "dropout"),
    Case("param-dropout-nan", tiny_with("dropout = nan"), "dropout"),
    Case("param-recurrent-dropout-one", tiny_with("recurrent_dropout = 1.0"), "recurrent_dropout"),
    Case("param-l2-negative", tiny_with("l2 = -0.1"), "l2"),
    Case("param-l2-inf", tiny_with("l2 = inf"), "l2"),
    Case(
        "param-learning-rate-zero",
        tiny_replacing("learning_rate = 0.01", "learning_rate = 0"),
        "learning_rate",
    ),
    Case(
        "param-learning-rate-nan",
        tiny_replacing("learning_rate = 0.01", "learning_rate = nan"),
        "learning_rate",
    ),
    Case(
        "param-learning-rate-huge",
        tiny_replacing("learning_rate = 0.01", "learning_rate = 1e6"),
        "learning_rate",
    ),
    Case("param-batch-size-zero", tiny_with("batch_size = 0"), "batch_size"),
    Case("param-batch-size-huge", tiny_with("batch_size = 10000000000"), "batch_size"),
    # [pruner] and [diagnosis].
    Case("pruner-unknown-key", space(MLP + "\n[pruner]\ncolour = 1\n"), "colour"),
    Case("pruner-patience-zero", space(MLP + "\n[pruner]\npatience = 0\n"), "patience"),
    Case("pruner-enabled-string", space(MLP + '\n[pruner]\nenabled = "yes"\n'), "enabled"),
    Case("pruner-rise-ratio-nan", space(MLP + "\n[pruner]\nrise_ratio = nan\n"), "rise_ratio"),
    Case("diagnosis-unknown-key", space(MLP + "\n[diagnosis]\ncolour = 1\n"), "colour"),
    Case(
        "diagnosis-rise-ratio-below-one",
        space(MLP + "\n[diagnosis]\nrise_ratio = 0.5\n"),
        "rise_ratio",
    ),
    Case(
        "diagnosis-window-negative",
        space(MLP + "\n[diagnosis]\nwindow_fraction = -1\n"),
        "window_fraction",
    ),
    # Built-in task options.
    Case("task-unknown-option", task({"name": "moons", "colour": 1}), "unknown option `colour`"),
    Case(
        "task-sine-lookback-beyond-series",
        task({"name": "sine", "lookback": 100_000_000}, family="lstm"),
        "`lookback` of task 'sine'",
    ),
    Case(
        "task-sine-lookback-fills-series",
        task({"name": "sine", "lookback": 399}, family="lstm"),
        "training windows",
    ),
    Case(
        "task-sine-length-tiny",
        task({"name": "sine", "length": 5}, family="lstm"),
        "`length` of task 'sine'",
    ),
    Case(
        "task-sine-length-huge",
        task({"name": "sine", "length": 10**12}, family="lstm"),
        "`length` of task 'sine'",
    ),
    Case(
        "task-sine-noise-nan",
        space('family = "lstm"\ntask = { name = "sine", noise = nan }\n'),
        "`noise` of task 'sine'",
    ),
    Case(
        "task-validation-one",
        task({"name": "wine", "validation": 1.0}),
        "`validation` of task 'wine'",
    ),
    Case("task-moons-train-all", task({"name": "moons", "train": 100}), "`train` of task 'moons'"),
    Case(
        "task-moons-seed-negative",
        task({"name": "moons", "data_seed": -1}),
        "`data_seed` of task 'moons'",
    ),
    Case(
        "task-sequence-loss",
        task({"name": "sequence", "loss": "hinge"}, family="lstm"),
        "`loss` of task 'sequence'",
    ),
]
