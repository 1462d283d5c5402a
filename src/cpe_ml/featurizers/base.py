"""Shared machinery of the featurizers: scikit-learn API, feature labels, citations, per-distinct caching."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin


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
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)


def one_hot(values: pd.Series, categories: Sequence[str]) -> np.ndarray:
    """Rows x categories indicator matrix (unknown values are all-zero rows)."""
    index = {c: i for i, c in enumerate(categories)}
    codes = values.map(index).fillna(-1).to_numpy(dtype=np.int64)
    out = np.zeros((len(values), len(categories)))
    rows = np.flatnonzero(codes >= 0)
    out[rows, codes[rows]] = 1.0
    return out


class Featurizer(TransformerMixin, BaseEstimator):
    """One physical concept -> a block of named numeric features.

    Subclasses set ``input_columns`` (schema columns they read) and implement ``feature_labels`` and
    ``_featurize(frame) -> ndarray``. They hold no learned state: ``fit`` only records the input
    columns, so a fitted featurizer is identical to a fresh one and safe to pickle into a model bundle.
    """

    input_columns: tuple[str, ...] = ()
    #: Columns read when present (training tables have them, candidates need not).
    optional_columns: tuple[str, ...] = ()

    def fit(self, X: pd.DataFrame, y=None) -> Featurizer:
        self._check_columns(X)
        self.n_features_in_ = len(self.input_columns)
        self.feature_names_in_ = np.asarray(self.input_columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        self._check_columns(X)
        out = self._featurize(X.reset_index(drop=True))
        if out.shape != (len(X), len(self.feature_labels())):
            raise RuntimeError(f"{type(self).__name__} produced {out.shape}, expected {(len(X), len(self.feature_labels()))}")
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(self.feature_labels(), dtype=object)

    def feature_labels(self) -> list[str]:
        raise NotImplementedError

    def feature_descriptions(self) -> dict[str, str]:
        """Plain-words meaning of each feature (used in explanations and the docs)."""
        return {}

    def citations(self) -> list[str]:
        return []

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def _check_columns(self, X: pd.DataFrame) -> None:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"{type(self).__name__} expects a validated formulation DataFrame, got {type(X).__name__}")
        missing = [c for c in self.input_columns if c not in X.columns]
        if missing:
            raise ValueError(f"{type(self).__name__} needs columns {missing}; run cpe_ml.validation.validate_formulations first")
