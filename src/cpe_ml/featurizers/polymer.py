"""Polymer host: the repeat-unit descriptors of :mod:`cpe_ml.chemistry.polymer_descriptors` as features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.chemistry.polymer_descriptors import DESCRIPTOR_LABELS, repeat_unit_descriptors
from cpe_ml.catalog import Catalog
from cpe_ml.featurizers.base import CatalogFeaturizer
from cpe_ml.tables import as_float, per_distinct


class PolymerFeaturizer(CatalogFeaturizer):
    """Repeat-unit chemistry of the host polymer (blend-weighted when ``polymer2`` is given).

    Features:
        polymer_ru_heavy_atoms ... polymer_formal_charge_per_ru: RDKit descriptors of the canonical
            repeat unit (element fractions, Li+-coordinating group densities, flexibility, polarity;
            :func:`cpe_ml.chemistry.polymer_descriptors.repeat_unit_descriptors`);
        polymer_morgan_count_<i>: folded Morgan count fingerprint (radius 2) of the cyclic oligomer;
        polymer_tg_c: glass transition from the catalog (NaN when no source gives it);
        polymer_log10_mw: log10 of the molecular weight when stated.
    A blend's features are the mass-weighted average of its two polymers.

    References:
        Bradford et al., ACS Cent. Sci. 2023, 9, 206 (descriptor-based conductivity models).
        Rogers, Hahn, J. Chem. Inf. Model. 2010, 50, 742 (extended-connectivity fingerprints).
    """

    #: The columns that name the host (or blend) chemistry: its features are computed once per distinct host.
    host_columns = ("polymer", "polymer_canonical_smiles", "polymer2", "polymer2_canonical_smiles", "polymer2_wt_pct")
    input_columns = (*host_columns, "polymer_mw_g_mol")

    def __init__(self, fingerprint_bits: int = 64, catalog: Catalog | None = None):
        super().__init__(catalog)
        self.fingerprint_bits = fingerprint_bits

    def _unit_labels(self) -> list[str]:
        """Features of one polymer (a blend averages them): descriptors, fingerprint counts, catalog Tg."""
        fp = [f"morgan_count_{i}" for i in range(self.fingerprint_bits)]
        return [f"polymer_{name}" for name in (*DESCRIPTOR_LABELS, *fp, "tg_c")]

    def feature_labels(self) -> list[str]:
        return [*self._unit_labels(), "polymer_log10_mw"]

    def citations(self) -> list[str]:
        return ["10.1021/acscentsci.2c01123", "10.1021/ci100050t"]

    def _unit(self, name: str, canonical: str) -> np.ndarray:
        if not canonical:
            return np.full(len(self._unit_labels()), np.nan)
        tg = self.catalog_.property("polymer", name, "tg_c") if name else None
        return np.array([*repeat_unit_descriptors(canonical, self.fingerprint_bits), np.nan if tg is None else tg])

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        def blend(key: tuple) -> np.ndarray:
            name, canonical, name2, canonical2, share2 = key
            first = self._unit(name, canonical)
            if not canonical2 or share2 != share2:
                return first
            second = self._unit(name2, canonical2)
            w = float(share2) / 100.0
            return np.where(np.isnan(second), first, (1 - w) * first + w * np.nan_to_num(second))

        labels = self._unit_labels()
        columns = dict(zip(labels, per_distinct(frame, self.host_columns, blend, len(labels)).T))
        mw = as_float(frame["polymer_mw_g_mol"])
        with np.errstate(divide="ignore", invalid="ignore"):
            columns["polymer_log10_mw"] = np.where(mw > 0, np.log10(mw), np.nan)
        return columns
