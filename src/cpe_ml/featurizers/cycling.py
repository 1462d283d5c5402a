"""Cycling test conditions: what the capacity retention was measured against."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.featurizers.base import Featurizer, as_float, one_hot, per_distinct

CATHODE_FAMILIES = ("lfp", "ncm_high_ni", "ncm", "lco", "nca", "lmo", "sulfur", "other")
#: Upper cut-off family of a cathode: high-voltage cathodes stress the electrolyte's oxidation stability.
HIGH_VOLTAGE = ("ncm_high_ni", "ncm", "lco", "nca", "lmo")


def cathode_family(name: str) -> str:
    """Map the many ways papers write a cathode onto a family."""
    text = str(name or "").lower().replace(" ", "").replace("-", "")
    if not text:
        return ""
    if "lfp" in text or "lifepo4" in text:
        return "lfp"
    if any(t in text for t in ("ncm811", "nmc811", "ncm90", "ncm9", "ni0.8", "ncm83", "ncm88")):
        return "ncm_high_ni"
    if any(t in text for t in ("ncm", "nmc", "lini")):
        return "ncm"
    if "lco" in text or "licoo2" in text:
        return "lco"
    if "nca" in text:
        return "nca"
    if "lmo" in text or "limn2o4" in text:
        return "lmo"
    if text in ("s", "sulfur", "sulphur") or "li-s" in text or "s@" in text or "/s" in text:
        return "sulfur"
    return "other"


class CyclingFeaturizer(Featurizer):
    """Cycle count, C-rate, cycling temperature and cathode family.

    Features:
        log10_retention_cycles: cycle count of the retention (retention decays with cycles);
        c_rate, cycling_temperature_c: as stated;
        cathode_<family>: one-hot of the cathode family; cathode_high_voltage: NCM/LCO/NCA/LMO.

    References:
        Pan et al., Energy Environ. Sci. 2022, 15, 2753 (cathode/electrolyte interface stability).
    """

    input_columns = ("retention_cycles", "c_rate", "cycling_temperature_c", "cathode")

    def feature_labels(self) -> list[str]:
        return ["log10_retention_cycles", "c_rate", "cycling_temperature_c",
                *(f"cathode_{f}" for f in CATHODE_FAMILIES), "cathode_high_voltage"]

    def citations(self) -> list[str]:
        return ["10.1039/d1ee03466a"]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        cycles = as_float(frame["retention_cycles"])
        with np.errstate(divide="ignore", invalid="ignore"):
            log_cycles = np.where(cycles > 0, np.log10(cycles), np.nan)
        families = pd.Series(per_distinct(frame, ("cathode",), lambda key: (CATHODE_FAMILIES.index(f) if (f := cathode_family(key[0])) else -1,), 1)[:, 0])
        names = families.map(lambda i: CATHODE_FAMILIES[int(i)] if i >= 0 else "")
        hot = one_hot(names, CATHODE_FAMILIES)
        high = names.isin(HIGH_VOLTAGE).to_numpy(dtype=float)
        return np.column_stack([log_cycles, as_float(frame["c_rate"]), as_float(frame["cycling_temperature_c"]), hot, high])
