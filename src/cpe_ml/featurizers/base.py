"""Shared machinery of the featurizers: scikit-learn API, feature labels, citations, the catalog they read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.tables import one_hot


def one_hot_columns(prefix: str, values: pd.Series, categories: Sequence[str]) -> dict[str, np.ndarray]:
    """``{prefix_<category>: indicator column}`` in category order (unknown values are all zero)."""
    return dict(zip((f"{prefix}_{c}" for c in categories), one_hot(values, categories).T))


class Featurizer(TransformerMixin, BaseEstimator):
    """One physical concept -> a block of named numeric features.

    Subclasses set ``input_columns`` (schema columns they read) and implement ``feature_labels`` and
    either ``_columns(frame) -> {label: column}`` (one column per label; the matrix follows
    ``feature_labels``, so no width or position is counted by hand) or ``_featurize(frame) -> ndarray``.
    They learn nothing from the rows: ``fit`` records the input columns (and, for a
    :class:`CatalogFeaturizer`, the catalog), so a fitted featurizer is safe to pickle into a model bundle.
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

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        """The ``_columns`` of ``frame`` stacked in ``feature_labels`` order."""
        columns, labels = self._columns(frame), self.feature_labels()
        if set(columns) != set(labels):
            raise RuntimeError(f"{type(self).__name__} computed no {sorted(set(labels) - set(columns))} "
                               f"and unlabelled {sorted(set(columns) - set(labels))}: keep _columns and feature_labels in step")
        return np.column_stack([columns[label] for label in labels])

    def _check_columns(self, X: pd.DataFrame) -> None:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"{type(self).__name__} expects a validated formulation DataFrame, got {type(X).__name__}")
        missing = [c for c in self.input_columns if c not in X.columns]
        if missing:
            raise ValueError(f"{type(self).__name__} needs columns {missing}; run cpe_ml.validation.validate_formulations first")


class CatalogFeaturizer(Featurizer):
    """A featurizer that reads catalog properties (densities, classes, stated Tg).

    ``catalog`` is resolved once, at ``fit`` (None: :func:`cpe_ml.catalog.load_catalog`, which honours
    ``$CPE_ML_CATALOG_DIR``), and kept as ``catalog_``: a fitted featurizer, and the model bundle holding
    it, computes the same features wherever it is loaded.
    """

    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog

    def fit(self, X: pd.DataFrame, y=None) -> CatalogFeaturizer:
        super().fit(X, y)
        self.catalog_ = self.catalog if self.catalog is not None else load_catalog()
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "catalog_", msg=f"{type(self).__name__} reads the catalog it resolves at fit: call fit first")
        return super().transform(X)
