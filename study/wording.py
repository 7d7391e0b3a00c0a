"""Wording shared by messages, the report and the follow-up space: counts in the right number."""

from __future__ import annotations


def plural(n: int, noun: str, many: str = "") -> str:
    """``n`` with ``noun`` in the right number: ``1 overfit trial``, ``2 overfit trials``.

    Args:
        n: The count.
        noun: The singular noun phrase.
        many: The plural when it is not ``noun + "s"``.
    """
    return f"{n} {noun if n == 1 else many or noun + 's'}"
