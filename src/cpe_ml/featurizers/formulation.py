"""Compose the concept featurizers into one named feature matrix for a formulation table."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.featurizers.base import Featurizer
from cpe_ml.featurizers.composite import CompositeFeaturizer, FillerEffectFeaturizer
from cpe_ml.featurizers.concentration import SaltConcentrationFeaturizer
from cpe_ml.featurizers.conditions import ConditionsFeaturizer
from cpe_ml.featurizers.cycling import CyclingFeaturizer
from cpe_ml.featurizers.filler import FillerFeaturizer
from cpe_ml.featurizers.glass_transition import GlassTransitionFeaturizer
from cpe_ml.featurizers.lsv import LSVProtocolFeaturizer
from cpe_ml.featurizers.oxidation import OxidationFeaturizer
from cpe_ml.featurizers.plasticizer import PlasticizerFeaturizer
from cpe_ml.featurizers.polymer import PolymerFeaturizer
from cpe_ml.featurizers.polymer_physics import PolymerTransportFeaturizer
from cpe_ml.featurizers.process import ProcessFeaturizer
from cpe_ml.featurizers.salt import SaltFeaturizer
from cpe_ml.featurizers.source import SourceFeaturizer
from cpe_ml.tables import per_distinct_rows

#: Featurizer blocks by name; a target chooses the blocks that can physically matter for it.
BLOCKS: dict[str, type[Featurizer]] = {
    "polymer": PolymerFeaturizer,
    "salt": SaltFeaturizer,
    "concentration": SaltConcentrationFeaturizer,
    "filler": FillerFeaturizer,
    "composite": CompositeFeaturizer,
    "source": SourceFeaturizer,
    "filler_effect": FillerEffectFeaturizer,
    "plasticizer": PlasticizerFeaturizer,
    "process": ProcessFeaturizer,
    "conditions": ConditionsFeaturizer,
    "cycling": CyclingFeaturizer,
    "polymer_physics": PolymerTransportFeaturizer,
    "glass_transition": GlassTransitionFeaturizer,
    "oxidation": OxidationFeaturizer,
    "lsv": LSVProtocolFeaturizer,
}
FORMULATION_BLOCKS: tuple[str, ...] = ("polymer", "salt", "concentration", "filler", "plasticizer", "process")


class FormulationFeaturizer(TransformerMixin, BaseEstimator):
    """All features of a validated formulation table, each column named ``<block>__<feature>``.

    ``blocks`` selects the concept featurizers (see :data:`BLOCKS`); ``fingerprint_bits`` sets the size
    of the polymer's Morgan count fingerprint (0 turns it off); ``filler_effect`` is the fitted
    :class:`~cpe_ml.models.filler_effect.FillerEffectModel` of the ``filler_effect`` block (None: physics
    only); ``catalog`` is the catalog the blocks read (None: :func:`cpe_ml.catalog.load_catalog` at fit).
    ``fit`` resolves the catalog (``catalog_``) and keeps the fitted block featurizers in ``featurizers_``.
    """

    def __init__(self, blocks: Sequence[str] = (*FORMULATION_BLOCKS, "conditions"), fingerprint_bits: int = 64,
                 filler_effect=None, catalog: Catalog | None = None):
        self.blocks = blocks
        self.fingerprint_bits = fingerprint_bits
        self.filler_effect = filler_effect
        self.catalog = catalog

    def featurizers(self) -> list[tuple[str, Featurizer]]:
        """(block, featurizer) per block: the fitted ones after ``fit``, fresh ones before."""
        return self.featurizers_ if hasattr(self, "featurizers_") else self._make(self.catalog)

    def _make(self, catalog: Catalog | None) -> list[tuple[str, Featurizer]]:
        unknown = [b for b in self.blocks if b not in BLOCKS]
        if unknown:
            raise ValueError(f"unknown featurizer blocks {unknown}; choose from {list(BLOCKS)}")
        # each block takes the arguments among these that its constructor names
        arguments = {"fingerprint_bits": self.fingerprint_bits, "effect": self.filler_effect, "catalog": catalog}
        made = []
        for block in self.blocks:
            names = inspect.signature(BLOCKS[block]).parameters
            made.append((block, BLOCKS[block](**{k: v for k, v in arguments.items() if k in names})))
        return made

    def fit(self, X: pd.DataFrame, y=None) -> FormulationFeaturizer:
        self.catalog_ = self.catalog if self.catalog is not None else load_catalog()
        self.featurizers_ = [(name, featurizer.fit(X)) for name, featurizer in self._make(self.catalog_)]
        self.feature_names_out_ = self.get_feature_names_out()
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Featurize each distinct formulation once, then broadcast to its rows (one output allocation)."""
        check_is_fitted(self, "featurizers_")
        if not len(X):
            return np.empty((0, len(self.feature_names_out_)))
        optional = [c for _, f in self.featurizers_ for c in f.optional_columns if c in X]
        codes, first = per_distinct_rows(X, list(dict.fromkeys([*self.input_columns(), *optional])))
        distinct = X.iloc[first].reset_index(drop=True)
        return np.column_stack([f.transform(distinct) for _, f in self.featurizers_])[codes]

    def transform_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(self.transform(X), columns=self.get_feature_names_out(), index=X.index)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray([f"{name}__{label}" for name, f in self.featurizers() for label in f.feature_labels()], dtype=object)

    def citations(self) -> dict[str, list[str]]:
        return {name: f.citations() for name, f in self.featurizers()}

    def input_columns(self) -> list[str]:
        return list(dict.fromkeys(c for _, f in self.featurizers() for c in f.input_columns))


def feature_documentation(fingerprint_bits: int = 64) -> pd.DataFrame:
    """One row per feature: block, name and the docstring of the featurizer that makes it."""
    rows = []
    for name, featurizer in FormulationFeaturizer(tuple(BLOCKS), fingerprint_bits).featurizers():
        summary = (type(featurizer).__doc__ or "").strip().splitlines()[0]
        rows += [(name, f"{name}__{label}", type(featurizer).__name__, summary) for label in featurizer.feature_labels()]
    return pd.DataFrame(rows, columns=["block", "feature", "featurizer", "concept"])
