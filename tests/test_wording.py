"""Counts are worded in the right number."""

from __future__ import annotations

import pytest

from study.wording import plural


@pytest.mark.parametrize(
    ("n", "text"), [(0, "0 overfit trials"), (1, "1 overfit trial"), (2, "2 overfit trials")]
)
def test_plural_agrees_with_the_count(n: int, text: str) -> None:
    assert plural(n, "overfit trial") == text


def test_an_irregular_plural_is_used_as_given() -> None:
    assert plural(3, "analysis", "analyses") == "3 analyses"
