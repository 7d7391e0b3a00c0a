"""The fingerprint of a search space: canonical JSON of everything that defines its trials.

It is built from data: each searched parameter's Optuna distribution as
:func:`optuna.distributions.distribution_to_json` writes it, the fixed values, the task, the
family (or builder), the objective, the seeds and the diagnosis and pruner settings. How a
range is shown to a person is no part of it. Studies stored with the earlier form, whose
searched parameters were their ranges in words, are still recognised
(:func:`text_fingerprint`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from optuna.distributions import BaseDistribution, distribution_to_json


def fingerprint(
    definition: Mapping[str, Any], distributions: Mapping[str, BaseDistribution]
) -> str:
    """The fingerprint of a space's ``definition`` with its searched ``distributions`` as data.

    Args:
        definition: Everything but the searched parameters: family (and model), task, seeds,
            objective, fixed values, diagnosis and pruner settings.
        distributions: Each searched parameter's Optuna distribution.
    """
    searched = {name: json.loads(distribution_to_json(d)) for name, d in distributions.items()}
    return _dumps({**definition, "searched": searched})


def text_fingerprint(definition: Mapping[str, Any], described: Mapping[str, str]) -> str:
    """The earlier form, with each searched parameter's range in words, as older studies hold."""
    return _dumps({**definition, "searched": dict(described)})


def closest_difference(stored: str, given: tuple[str, ...]) -> str:
    """The first key in which ``stored`` differs from the closest of the ``given`` forms."""
    try:
        old = json.loads(stored)
    except ValueError:
        return "stored space unreadable"
    if not isinstance(old, dict):
        return "stored space unreadable"
    differences = [_differences(old, json.loads(form)) for form in given]
    closest = min(differences, key=len)
    return closest[0] if closest else "stored space unreadable"


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [
        f"{key}: stored {old.get(key)!r}, given {new.get(key)!r}"
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def _dumps(parts: Mapping[str, Any]) -> str:
    return json.dumps(dict(parts), sort_keys=True, default=str)
