from __future__ import annotations

import pytest

from study.params import PARAMS, TrialParams, params_for


def test_every_interface_name_is_a_parameter() -> None:
    names = {
        "units",
        "layers",
        "epochs",
        "dropout",
        "recurrent_dropout",
        "l2",
        "learning_rate",
        "batch_size",
        "optimizer",
        "activation",
        "cell",
        "bidirectional",
    }
    assert set(PARAMS) == names


def test_family_parameters_exclude_the_other_familys() -> None:
    assert "recurrent_dropout" not in params_for("mlp")
    assert "activation" not in params_for("lstm")


def test_from_values_fills_defaults() -> None:
    params = TrialParams.from_values("mlp", {"units": 500})
    assert params.units == 500
    assert params.epochs == PARAMS["epochs"].default


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("units", 0, "`units` must be an integer from 1 to 4096, but got units=0."),
        ("units", 1e32, "`units` must be an integer from 1 to 4096, but got units=1e+32."),
        ("dropout", 1.0, "`dropout` must be a number >= 0 and < 1, but got dropout=1.0."),
        ("epochs", -5, "but got epochs=-5"),
        ("optimizer", "adagrad", "one of 'adam'"),
        ("units", 2.5, "but got units=2.5"),
        ("units", True, "but got units=True"),
    ],
)
def test_invalid_values_name_the_parameter_and_the_constraint(
    name: str, value: object, fragment: str
) -> None:
    with pytest.raises(ValueError) as info:
        TrialParams.from_values("mlp", {name: value})
    assert fragment in str(info.value)


def test_parameter_of_another_family_is_rejected() -> None:
    with pytest.raises(ValueError, match="does not apply to the mlp family"):
        TrialParams.from_values("mlp", {"recurrent_dropout": 0.1})


def test_integral_float_is_accepted_for_int() -> None:
    assert TrialParams.from_values("mlp", {"units": 64.0}).units == 64


def test_to_dict_limits_to_family() -> None:
    values = TrialParams().to_dict("lstm")
    assert "activation" not in values and "recurrent_dropout" in values


def test_bidirectional_takes_only_booleans() -> None:
    assert TrialParams.from_values("lstm", {"bidirectional": True}).bidirectional is True
    with pytest.raises(ValueError, match="`bidirectional` must be true or false, but got"):
        TrialParams.from_values("lstm", {"bidirectional": 1})


def test_cell_and_bidirectional_are_lstm_family_parameters() -> None:
    assert {"cell", "bidirectional"} <= set(params_for("lstm"))
    assert not {"cell", "bidirectional"} & set(params_for("mlp"))
