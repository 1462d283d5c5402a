"""Small table helpers shared by validation, featurizers, models and prediction (below all of them).

Work on a formulation table is done once per distinct combination of columns and broadcast back to the
rows: a million candidates drawn from 300 formulations cost 300 evaluations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd


def per_distinct(frame: pd.DataFrame, columns: Sequence[str], compute: Callable[[tuple], Sequence[float]], width: int) -> np.ndarray:
    """Apply ``compute`` once per distinct combination of ``columns`` and broadcast back to the rows.

    This is why featurization cost grows with the number of distinct chemistries, not with rows:
    a million candidates drawn from 300 formulations call the RDKit code 300 times.
    """
    codes, first = per_distinct_rows(frame, columns)
    values = np.empty((len(first), width), dtype=np.float64)
    for i, key in enumerate(frame[list(columns)].iloc[first].itertuples(index=False, name=None)):
        values[i] = compute(key)
    return values[codes]


def per_distinct_rows(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Integer code per row for its combination of ``columns``, and the position of each code's first row."""
    combined = np.zeros(len(frame), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
        if len(uniques) > 1 and combined.max(initial=0) > 2**40:  # keep the mixed-radix key inside int64
            combined = np.unique(combined, return_inverse=True)[1].reshape(-1)
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    return codes.reshape(-1), first


def as_float(values: pd.Series | np.ndarray) -> np.ndarray:
    """Numbers as float64, anything unreadable (blank text included) as NaN."""
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)


def one_hot(values: pd.Series, categories: Sequence[str]) -> np.ndarray:
    """Rows x categories indicator matrix (unknown values are all-zero rows)."""
    index = {c: i for i, c in enumerate(categories)}
    codes = values.map(index).fillna(-1).to_numpy(dtype=np.int64)
    out = np.zeros((len(values), len(categories)))
    rows = np.flatnonzero(codes >= 0)
    out[rows, codes[rows]] = 1.0
    return out
