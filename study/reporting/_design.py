"""Parameters as a numeric design matrix for the importance and rule models."""

from __future__ import annotations

import dataclasses

import pandas as pd

from study.reporting._data import ParamInfo


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a design matrix.

    Attributes:
        param: The parameter the column encodes.
        choice: For a choice parameter, the value the 0/1 column indicates; ``None`` for a
            numeric parameter's own column.
    """

    param: str
    choice: str | None = None


def design_matrix(
    frame: pd.DataFrame, params: list[ParamInfo]
) -> tuple[pd.DataFrame, list[Column]]:
    """Encode the parameters of ``frame``'s rows as numbers.

    Numeric parameters are one column each (missing values take the median); each value of a
    choice parameter is a 0/1 column.

    Returns:
        The matrix of shape ``(len(frame), n_columns)`` and what each column encodes.
    """
    data: dict[str, pd.Series] = {}
    columns: list[Column] = []
    for p in params:
        if p.numeric:
            values = pd.to_numeric(frame[p.name], errors="coerce").astype(float)
            data[f"c{len(columns)}"] = values.fillna(values.median())
            columns.append(Column(p.name))
            continue
        labels = frame[p.name].astype(str)
        for choice in sorted(labels.unique()):
            data[f"c{len(columns)}"] = (labels == choice).astype(float)
            columns.append(Column(p.name, choice))
    return pd.DataFrame(data, index=frame.index), columns
