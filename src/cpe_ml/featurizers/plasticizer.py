"""Plasticizer: small molecules that swell the polymer, raise segmental mobility and dissolve salt."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.chemistry.plasticizer import PLASTICIZER_KINDS, smiles_kinds
from cpe_ml.featurizers.base import CatalogFeaturizer
from cpe_ml.tables import as_float, per_distinct

#: Features that depend on which plasticizers are present (computed once per distinct combination).
KIND_LABELS: tuple[str, ...] = ("plasticizer_present", "plasticizer_components", *(f"plasticizer_kind_{k}" for k in PLASTICIZER_KINDS))


class PlasticizerFeaturizer(CatalogFeaturizer):
    """Which kinds of plasticizer are present and how much.

    Features:
        plasticizer_present, plasticizer_components: presence and number of components (catalog names
            joined by '+' plus the molecules of ``plasticizer_smiles``; the ions there count as one);
        plasticizer_kind_<kind>: share of components of each kind (carbonate, ether, nitrile (SN),
            ionic liquid, phosphate, other);
        plasticizer_wt_pct: stated mass share (NaN when not stated).

    References:
        Pan et al., Energy Environ. Sci. 2022, 15, 2753.
    """

    input_columns = ("plasticizer", "plasticizer_smiles", "plasticizer_wt_pct")

    def feature_labels(self) -> list[str]:
        return [*KIND_LABELS, "plasticizer_wt_pct"]

    def citations(self) -> list[str]:
        return ["10.1039/d1ee03466a"]

    def _kinds(self, key: tuple) -> np.ndarray:
        """The :data:`KIND_LABELS` of one (catalog names, SMILES) pair."""
        parts = [p for p in str(key[0] or "").split("+") if p]
        table = self.catalog_.tables["plasticizer"].set_index("name")["kind"] if parts else {}
        kinds = [table.get(p, "other") for p in parts] + list(smiles_kinds(str(key[1] or "")))
        if not kinds:
            return np.zeros(len(KIND_LABELS))
        return np.array([1.0, len(kinds), *(kinds.count(k) / len(kinds) for k in PLASTICIZER_KINDS)])

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        columns = dict(zip(KIND_LABELS, per_distinct(frame, ("plasticizer", "plasticizer_smiles"), self._kinds, len(KIND_LABELS)).T))
        wt = as_float(frame["plasticizer_wt_pct"])
        return {**columns, "plasticizer_wt_pct": np.where(columns["plasticizer_present"] == 0, 0.0, wt)}
