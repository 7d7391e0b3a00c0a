"""Write a :class:`~study.followup.FollowUp` as a commented search-space file (TOML)."""

from __future__ import annotations

from typing import Any

import tomlkit
from tomlkit.items import Table

from study.followup._space import FollowUp

_SCALARS = ("family", "model", "task", "seeds", "objective", "sampler_seed")
_TABLES = ("diagnosis", "pruner")


def render_space(follow: FollowUp) -> str:
    """The follow-up space as TOML text, each changed parameter under a comment saying why.

    The study's family (or model builder), task, seeds, objective, sampler seed,
    ``[diagnosis]`` and ``[pruner]`` carry over from its stored search-space file (see
    :func:`~study.followup.follow_up` for the task's CSV path); ``[params]`` holds the
    follow-up's ranges, then the values the study held fixed.
    """
    doc = tomlkit.document()
    doc.add(
        tomlkit.comment(f"Follow-up of study {follow.study!r}, written by `python -m study next`.")
    )
    doc.add(tomlkit.comment(f"{follow.summary}. Each parameter says what changed and why."))
    doc.add("description", f"follow-up of {follow.study}")
    tables: list[tuple[str, Any]] = []
    for key in _SCALARS:
        if key in follow.base:
            value = follow.base[key]
            if isinstance(value, dict):
                tables.append((key, value))
            else:
                doc.add(key, value)
    for key, value in tables:
        doc.add(key, _table(value))
    doc.add("params", _params(follow))
    for key in _TABLES:
        if follow.base.get(key):
            doc.add(key, _table(follow.base[key]))
    return tomlkit.dumps(doc)


def _params(follow: FollowUp) -> Table:
    params = tomlkit.table()
    for change in follow.changes:
        params.add(tomlkit.comment(change.reason))
        params.add(
            change.param, _inline(change.entry) if isinstance(change.entry, dict) else change.entry
        )
    if follow.fixed:
        params.add(tomlkit.comment("held fixed, as in the study"))
        for name, value in follow.fixed.items():
            params.add(name, value)
    return params


def _inline(entry: dict[str, Any]) -> Any:
    table = tomlkit.inline_table()
    table.update(entry)
    return table


def _table(values: dict[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, value)
    return table
