from __future__ import annotations

import dataclasses

import pytest

from study.diagnosis import DiagnosisConfig
from study.errors import InputError


def test_defaults_are_valid() -> None:
    config = DiagnosisConfig()
    assert config.rise_ratio > 1
    assert 0 < config.window_fraction < 1


def test_every_field_is_documented() -> None:
    doc = DiagnosisConfig.__doc__ or ""
    for field in dataclasses.fields(DiagnosisConfig):
        assert f"{field.name}:" in doc, field.name


def test_from_mapping_overrides_only_given_keys() -> None:
    config = DiagnosisConfig.from_mapping({"rise_ratio": 1.3, "min_window": 7})
    assert config.rise_ratio == 1.3
    assert config.min_window == 7
    assert config.capacity_gain == DiagnosisConfig().capacity_gain


def test_from_mapping_accepts_int_for_float() -> None:
    assert DiagnosisConfig.from_mapping({"capacity_gain": 3}).capacity_gain == 3


def test_unknown_key_names_the_key_and_the_choices() -> None:
    with pytest.raises(InputError, match=r"`\[diagnosis\] rise_ratoi` is not a diagnosis setting"):
        DiagnosisConfig.from_mapping({"rise_ratoi": 1.2})


def test_out_of_range_names_key_constraint_and_value() -> None:
    with pytest.raises(InputError) as info:
        DiagnosisConfig.from_mapping({"rise_ratio": 0.5})
    message = str(info.value)
    assert message == "`[diagnosis] rise_ratio` must be a number > 1, but got rise_ratio=0.5."
    assert "\n" not in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("rise_ratio", "1.2"),
        ("rise_ratio", True),
        ("min_window", 2.5),
        ("window_fraction", 1.5),
        ("noise_z", -1),
        ("min_window", 0),
        ("rise_ratio", float("nan")),
    ],
)
def test_wrong_type_or_range_is_an_input_error(key: str, value: object) -> None:
    with pytest.raises(InputError, match=rf"`\[diagnosis\] {key}` must be"):
        DiagnosisConfig.from_mapping({key: value})


def test_not_a_mapping_is_an_input_error() -> None:
    with pytest.raises(InputError, match="must be a table"):
        DiagnosisConfig.from_mapping([("rise_ratio", 1.2)])  # type: ignore[arg-type]


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match="`rise_ratio` must be a number > 1"):
        DiagnosisConfig(rise_ratio=1.0)


def test_to_dict_round_trips() -> None:
    config = DiagnosisConfig(rise_ratio=1.5)
    assert DiagnosisConfig.from_mapping(config.to_dict()) == config


def test_integer_setting_given_as_a_whole_float_is_stored_as_an_integer() -> None:
    config = DiagnosisConfig.from_mapping({"min_window": 5.0})
    assert config.min_window == 5 and isinstance(config.min_window, int)
