from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest

from study.errors import InputError
from study.space import MAX_SPACE_BYTES, Choices, Range, load_space, parse_space
from tests.conftest import SPACES

BASE = 'family = "mlp"\ntask = "moons"\n'


def _parse(text: str, **kwargs: object) -> object:
    return parse_space(text, Path("space.toml"), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", sorted(SPACES.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_spaces_are_valid(path: Path) -> None:
    space = load_space(path)
    assert space.searched
    assert space.seeds >= 1


def test_range_choices_and_fixed_are_told_apart() -> None:
    space = _parse(
        BASE + "[params]\nunits = {low = 4, high = 64, log = true}\n"
        'activation = {choices = ["relu", "tanh"]}\nepochs = 300\n'
    )
    assert space.searched["units"] == Range(4, 64, log=True)  # type: ignore[attr-defined]
    assert space.searched["activation"] == Choices(("relu", "tanh"))  # type: ignore[attr-defined]
    assert space.fixed == {"epochs": 300}  # type: ignore[attr-defined]


def test_int_parameter_gets_an_int_distribution() -> None:
    space = _parse(BASE + "[params]\nunits = {low = 4, high = 64, step = 4}\n")
    dist = space.distributions()["units"]  # type: ignore[attr-defined]
    assert dist == optuna.distributions.IntDistribution(4, 64, step=4)


def test_override_fixes_a_searched_parameter() -> None:
    space = _parse(BASE + "[params]\nunits = {low = 4, high = 64}\n", overrides={"units": "500"})
    assert "units" not in space.searched  # type: ignore[attr-defined]
    assert space.fixed["units"] == 500  # type: ignore[attr-defined]


def test_override_fixes_a_defaulted_parameter() -> None:
    space = _parse(BASE, overrides={"epochs": "4000", "dropout": "0.2"})
    assert space.params_for({}).epochs == 4000  # type: ignore[attr-defined]
    assert space.params_for({}).dropout == 0.2  # type: ignore[attr-defined]


def test_cli_seeds_override_the_file() -> None:
    assert _parse(BASE + "seeds = 5\n", seeds=2).seeds == 2  # type: ignore[attr-defined]


def test_fingerprint_changes_with_a_range() -> None:
    a = _parse(BASE + "[params]\nunits = {low = 4, high = 64}\n")
    b = _parse(BASE + "[params]\nunits = {low = 4, high = 128}\n")
    assert a.fingerprint() != b.fingerprint()  # type: ignore[attr-defined]


def test_fingerprint_does_not_depend_on_how_a_range_is_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    space = _parse(BASE + "[params]\nunits = {low = 4, high = 64, log = true}\n")
    before = space.fingerprint()  # type: ignore[attr-defined]
    monkeypatch.setattr(Range, "describe", lambda self: "shown differently")
    assert space.fingerprint() == before  # type: ignore[attr-defined]


def test_fingerprint_holds_each_searched_distribution_as_optuna_json() -> None:
    space = _parse(BASE + "[params]\nunits = {low = 4, high = 64, log = true}\n")
    searched = json.loads(space.fingerprint())["searched"]  # type: ignore[attr-defined]
    units = optuna.distributions.IntDistribution(4, 64, log=True)
    assert searched == {"units": json.loads(optuna.distributions.distribution_to_json(units))}


BAD_SPACES = [
    ("syntax", BASE + "[params\n", "TOML syntax error"),
    ("unknown key", BASE + "colour = 1\n", "unknown key `colour`"),
    ("no family", 'task = "moons"\n', "missing key `family`"),
    ("unknown family", 'family = "cnn"\ntask = "moons"\n', "`family` must be"),
    ("unknown task", 'family = "mlp"\ntask = "mnist"\n', "unknown task 'mnist'"),
    (
        "unknown task option",
        'family = "mlp"\ntask = {name = "moons", size = 3}\n',
        "unknown option `size`",
    ),
    ("lstm on tabular", 'family = "lstm"\ntask = "moons"\n', "needs sequence data"),
    ("unknown param", BASE + "[params]\nfilters = 3\n", "`params.filters` is not a parameter"),
    (
        "other family param",
        BASE + "[params]\nrecurrent_dropout = 0.1\n",
        "not a parameter of the mlp family",
    ),
    ("wrong type", BASE + '[params]\nunits = "many"\n', "`units` must be an integer"),
    ("negative epochs", BASE + "[params]\nepochs = -1\n", "but got epochs=-1"),
    ("zero units", BASE + "[params]\nunits = 0\n", "but got units=0"),
    ("dropout one", BASE + "[params]\ndropout = {low = 0.0, high = 1.0}\n", "and < 1"),
    ("empty range", BASE + "[params]\nunits = {low = 64, high = 4}\n", "empty range"),
    (
        "log non-positive",
        BASE + "[params]\nl2 = {low = 0.0, high = 0.1, log = true}\n",
        "needs low > 0",
    ),
    (
        "log and step",
        BASE + "[params]\nunits = {low = 4, high = 64, log = true, step = 2}\n",
        "both log = true and a step",
    ),
    ("missing high", BASE + "[params]\nunits = {low = 4}\n", "needs both `low` and `high`"),
    (
        "unknown range key",
        BASE + "[params]\nunits = {low = 4, high = 8, scale = 2}\n",
        "unknown key `params.units.scale`",
    ),
    ("empty choices", BASE + "[params]\noptimizer = {choices = []}\n", "non-empty list"),
    (
        "bad choice",
        BASE + '[params]\noptimizer = {choices = ["adam", "lion"]}\n',
        "`optimizer` must be one of",
    ),
    ("unknown optimizer", BASE + '[params]\noptimizer = "lion"\n', "`optimizer` must be one of"),
    ("seeds zero", BASE + "seeds = 0\n", "`seeds` must be an integer from 1"),
    ("bad objective", BASE + 'objective = "auc"\n', "`objective` must be one of"),
    ("params not table", BASE + "params = 3\n", "`params` must be a table"),
    ("range on choice", BASE + "[params]\noptimizer = {low = 1, high = 2}\n", "is a choice"),
]


@pytest.mark.parametrize(
    ("text", "fragment"), [c[1:] for c in BAD_SPACES], ids=[c[0] for c in BAD_SPACES]
)
def test_bad_space_is_one_line_naming_file_and_key(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        _parse(text)
    message = str(info.value)
    assert fragment in message
    assert message.startswith("space.toml: ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"colour": "red"}, "`colour` is not a parameter of any family"),
        ({"recurrent_dropout": "0.1"}, "not a parameter of the mlp family"),
        ({"units": "many"}, "--set units=many: `units` must be an integer"),
        ({"units": "2.5"}, "but got units='2.5'"),
        ({"dropout": "1.5"}, "`dropout` must be a number >= 0 and < 1"),
    ],
)
def test_bad_override_is_a_clear_error(overrides: dict[str, str], fragment: str) -> None:
    with pytest.raises(InputError) as info:
        _parse(BASE, overrides=overrides)
    assert fragment in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="search-space file not found"):
        load_space(tmp_path / "nope.toml")


def test_cell_and_bidirectional_are_searchable_choices() -> None:
    text = (
        'family = "lstm"\ntask = "sequence"\n[params]\ncell = {choices = ["lstm", "gru"]}\n'
        "bidirectional = {choices = [true, false]}\n"
    )
    space = _parse(text)
    assert space.searched["cell"] == Choices(("lstm", "gru"))  # type: ignore[attr-defined]
    assert space.searched["bidirectional"] == Choices((True, False))  # type: ignore[attr-defined]
    params = space.params_for({"cell": "gru", "bidirectional": True})  # type: ignore[attr-defined]
    assert (params.cell, params.bidirectional) == ("gru", True)


def test_override_sets_bidirectional_from_text() -> None:
    space = _parse('family = "lstm"\ntask = "sequence"\n', overrides={"bidirectional": "true"})
    assert space.params_for({}).bidirectional is True  # type: ignore[attr-defined]


def test_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_space(path).family == "mlp"


def test_an_oversized_space_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(BASE + "# " + "x" * MAX_SPACE_BYTES + "\n")
    with pytest.raises(InputError, match=r"too large .* at most 1,000,000"):
        load_space(path)


def test_a_huge_unit_count_is_refused() -> None:
    with pytest.raises(InputError, match="`units` must be an integer from 1 to 4096"):
        _parse(BASE + "[params]\nunits = { low = 1, high = 1e32 }\n")


def test_range_record_validates_itself() -> None:
    with pytest.raises(ValueError, match="`high` must be a number >= 4"):
        Range(4, 2)
