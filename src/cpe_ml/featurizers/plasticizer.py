"""Plasticizer: small molecules that swell the polymer, raise segmental mobility and dissolve salt."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.featurizers.base import Featurizer, as_float, per_distinct

PLASTICIZER_KINDS = ("carbonate", "ether", "nitrile", "ionic_liquid", "phosphate", "other")


class PlasticizerFeaturizer(Featurizer):
    """Which kinds of plasticizer are present and how much.

    Features:
        plasticizer_present, plasticizer_components: presence and number of '+'-joined components;
        plasticizer_kind_<kind>: share of components of each kind (carbonate, ether, nitrile (SN),
            ionic liquid, phosphate, other);
        plasticizer_wt_pct: stated mass share (NaN when not stated).

    References:
        Pan et al., Energy Environ. Sci. 2022, 15, 2753.
    """

    input_columns = ("plasticizer", "plasticizer_wt_pct")

    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog

    def feature_labels(self) -> list[str]:
        return ["plasticizer_present", "plasticizer_components", *(f"plasticizer_kind_{k}" for k in PLASTICIZER_KINDS),
                "plasticizer_wt_pct"]

    def citations(self) -> list[str]:
        return ["10.1039/d1ee03466a"]

    def _kinds(self, key: tuple) -> np.ndarray:
        parts = [p for p in str(key[0] or "").split("+") if p]
        if not parts:
            return np.zeros(2 + len(PLASTICIZER_KINDS))
        table = (self.catalog or load_catalog()).tables["plasticizer"].set_index("name")["kind"]
        kinds = [table.get(p, "other") for p in parts]
        return np.array([1.0, len(parts), *(kinds.count(k) / len(parts) for k in PLASTICIZER_KINDS)])

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        kinds = per_distinct(frame, ("plasticizer",), self._kinds, 2 + len(PLASTICIZER_KINDS))
        wt = as_float(frame["plasticizer_wt_pct"])
        return np.column_stack([kinds, np.where(kinds[:, 0] == 0, 0.0, wt)])
