"""Bad input to ``diagnose``: missing, unreadable or malformed curve files, and bad flags."""

from __future__ import annotations

import json

from tests.bad_input import Case, cli, curve, diagnose

_DEEP = '{"loss": ' + "[" * 200_000 + "]" * 200_000 + "}"
_NEGATIVE = "epoch,loss,val_loss\n" + "".join(
    f"{i},{-1 - i / 10},{-1 + i / 100}\n" for i in range(20)
)
_GOOD = {"good.csv": curve(20)}
_SEEDED = "seed,epoch,loss,val_loss\n" + "".join(
    f"{seed},{e},{1 / e},{1 / e + 0.1}\n" for seed in (0, 1) for e in range(1, 21)
)
_LONG = "epoch,series,value\n" + "".join(
    f"{e},{name},0.5\n" for e in range(1, 21) for name in ("loss", "val_loss")
)

CASES = [
    Case("diagnose-no-files", cli("diagnose"), "the following arguments are required"),
    Case("diagnose-missing-file", cli("diagnose", "nope.csv"), "does not exist"),
    Case("diagnose-folder", cli("diagnose", "sub", written={"sub/x": "x"}), "is not a file"),
    Case("diagnose-empty-file", diagnose(""), "could not be parsed as CSV"),
    Case("diagnose-header-only", diagnose("epoch,loss,val_loss\n"), "has 0 epochs"),
    Case("diagnose-missing-columns", diagnose(curve(10, "epoch,loss,acc")), "no 'val_loss'"),
    Case("diagnose-only-epoch", diagnose("epoch\n" + "1\n" * 10), "no 'val_loss'"),
    Case("diagnose-too-few-epochs", diagnose(curve(3)), "at least 5"),
    Case(
        "diagnose-all-nan",
        diagnose("epoch,loss,val_loss\n" + "1,nan,nan\n" * 10),
        "no numeric value",
    ),
    Case(
        "diagnose-text-values",
        diagnose("epoch,loss,val_loss\n" + "1,abc,def\n" * 10),
        "no numeric value",
    ),
    Case(
        "diagnose-binary",
        diagnose(b"\x89HDF\r\n\x1a\n\x00\x00\xff\xfe" * 20, name="w.h5"),
        "not a CSV or JSON",
    ),
    Case("diagnose-binary-with-nul", diagnose(b"epoch,loss\x00\n" * 20), "binary"),
    Case(
        "diagnose-not-utf8",
        diagnose(b"epoch,loss,val_loss\n" + "é".encode("latin-1")),
        "not a CSV or JSON",
    ),
    Case(
        "diagnose-ragged-csv",
        diagnose("epoch,loss,val_loss\n1,2\n3,4,5,6,7\n"),
        "could not be parsed as CSV",
    ),
    Case(
        "diagnose-repeated-column",
        diagnose(curve(10, "epoch,loss,loss")),
        "column name 'loss' appears 2 times",
    ),
    Case("diagnose-negative-loss", diagnose(_NEGATIVE), "--allow-negative"),
    Case(
        "diagnose-seed-missing",
        diagnose(_SEEDED.replace("\n0,3,", "\n,3,")),
        "must hold whole numbers",
    ),
    Case(
        "diagnose-seed-fraction",
        diagnose(_SEEDED.replace("\n0,3,", "\n1.5,3,")),
        "must hold whole numbers",
    ),
    Case(
        "diagnose-long-text-value",
        diagnose(_LONG.replace(",0.5\n", ",high\n", 1)),
        "must hold numbers",
    ),
    Case("diagnose-long-repeated-row", diagnose(_LONG + "1,loss,0.5\n"), "repeats a"),
    Case("diagnose-broken-json", diagnose('{"loss": [1, 2', name="h.json"), "not valid JSON"),
    Case("diagnose-json-list", diagnose("[1, 2, 3]", name="h.json"), "not an object of lists"),
    Case("diagnose-json-nested-deep", diagnose(_DEEP, name="h.json"), "nests JSON too deeply"),
    Case(
        "diagnose-json-arrays-deep",
        diagnose("[" * 200_000 + "]" * 200_000, name="h.json"),
        "nests JSON too deeply",
    ),
    Case(
        "diagnose-json-unequal",
        diagnose(json.dumps({"loss": [1.0] * 10, "val_loss": [1.0] * 9}), name="h.json"),
        "different lengths",
    ),
    Case(
        "diagnose-json-no-lists",
        diagnose(json.dumps({"loss": 1, "val_loss": 2}), name="h.json"),
        "no 'val_loss'",
    ),
    Case(
        "diagnose-baseline-negative",
        cli("diagnose", "--baseline", "-1", "good.csv", written=dict(_GOOD)),
        "must be a number > 0",
    ),
    Case(
        "diagnose-baseline-nan",
        cli("diagnose", "--baseline", "nan", "good.csv", written=dict(_GOOD)),
        "must be a number > 0",
    ),
    Case(
        "diagnose-baseline-text",
        cli("diagnose", "--baseline", "low", "good.csv", written=dict(_GOOD)),
        "must be a number > 0",
    ),
    Case(
        "diagnose-config-without-equals",
        cli("diagnose", "--config", "rise_ratio", "good.csv", written=dict(_GOOD)),
        "KEY=VALUE",
    ),
    Case(
        "diagnose-config-unknown-key",
        cli("diagnose", "--config", "colour=1", "good.csv", written=dict(_GOOD)),
        "colour",
    ),
    Case(
        "diagnose-config-bad-value",
        cli("diagnose", "--config", "rise_ratio=0.5", "good.csv", written=dict(_GOOD)),
        "`[diagnosis] rise_ratio`",
    ),
    Case(
        "diagnose-config-text-value",
        cli("diagnose", "--config", "rise_ratio=high", "good.csv", written=dict(_GOOD)),
        "rise_ratio",
    ),
]
