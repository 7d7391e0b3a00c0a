from __future__ import annotations

import math

import pytest

from study.validation import check_bool, check_choice, check_int, check_number


def test_int_check_names_the_value_and_bounds() -> None:
    with pytest.raises(ValueError) as info:
        check_int("units", 0, low=1, high=8)
    assert str(info.value) == "`units` must be an integer from 1 to 8, but got units=0."


def test_integral_float_is_an_int() -> None:
    assert check_int("units", 64.0, low=1) == 64


@pytest.mark.parametrize("value", [True, 2.5, "3", None])
def test_non_integers_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="must be an integer"):
        check_int("n", value)


@pytest.mark.parametrize("value", [math.nan, math.inf, 1e32, True])
def test_number_check_refuses_non_finite_out_of_bounds_and_bool(value: float) -> None:
    with pytest.raises(ValueError, match="`x` must be a number from 0 to 10"):
        check_number("x", value, low=0, high=10)


def test_open_bounds_are_described() -> None:
    with pytest.raises(ValueError, match="`p` must be a number > 0 and < 1, but got p=1"):
        check_number("p", 1, low=0, high=1, low_inclusive=False, high_inclusive=False)


def test_bool_and_choice_checks() -> None:
    assert check_bool("on", False) is False
    with pytest.raises(ValueError, match=r"`on` must be true or false, but got on=1\."):
        check_bool("on", 1)
    with pytest.raises(ValueError, match="`wrap` must be one of 'none', 'median'"):
        check_choice("wrap", "magic", ("none", "median"))
