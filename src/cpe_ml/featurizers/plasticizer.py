"""Plasticizer: small molecules that swell the polymer, raise segmental mobility and dissolve salt."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from rdkit import Chem

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.featurizers.base import Featurizer, as_float, per_distinct

PLASTICIZER_KINDS = ("carbonate", "ether", "nitrile", "ionic_liquid", "phosphate", "other")
# Kind of a neutral molecule given as SMILES, first match wins (the catalog's ``kind`` column for named ones).
_KIND_PATTERNS = tuple(
    (kind, Chem.MolFromSmarts(smarts))
    for kind, smarts in (
        ("carbonate", "[OX2][CX3](=O)[OX2]"),
        ("phosphate", "[PX4](=O)([OX2])([OX2])[OX2]"),
        ("nitrile", "[CX2]#[NX1]"),
        ("ether", "[OX2;!$(O[CX3]=O)]([#6])[#6]"),
    )
)


@lru_cache(maxsize=1024)
def smiles_kinds(smiles: str) -> tuple[str, ...]:
    """Kinds of the plasticizers in a '.'-joined SMILES: charged fragments together are one ionic liquid."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return ()
    fragments = Chem.GetMolFrags(mol, asMols=True)
    kinds = ["ionic_liquid"] if any(Chem.GetFormalCharge(f) for f in fragments) else []
    for fragment in (f for f in fragments if not Chem.GetFormalCharge(f)):
        kinds.append(next((kind for kind, pattern in _KIND_PATTERNS if fragment.HasSubstructMatch(pattern)), "other"))
    return tuple(kinds)


class PlasticizerFeaturizer(Featurizer):
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

    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog

    def feature_labels(self) -> list[str]:
        return ["plasticizer_present", "plasticizer_components", *(f"plasticizer_kind_{k}" for k in PLASTICIZER_KINDS),
                "plasticizer_wt_pct"]

    def citations(self) -> list[str]:
        return ["10.1039/d1ee03466a"]

    def _kinds(self, key: tuple) -> np.ndarray:
        parts = [p for p in str(key[0] or "").split("+") if p]
        table = (self.catalog or load_catalog()).tables["plasticizer"].set_index("name")["kind"] if parts else {}
        kinds = [table.get(p, "other") for p in parts] + list(smiles_kinds(str(key[1] or "")))
        if not kinds:
            return np.zeros(2 + len(PLASTICIZER_KINDS))
        return np.array([1.0, len(kinds), *(kinds.count(k) / len(kinds) for k in PLASTICIZER_KINDS)])

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        kinds = per_distinct(frame, ("plasticizer", "plasticizer_smiles"), self._kinds, 2 + len(PLASTICIZER_KINDS))
        wt = as_float(frame["plasticizer_wt_pct"])
        return np.column_stack([kinds, np.where(kinds[:, 0] == 0, 0.0, wt)])
