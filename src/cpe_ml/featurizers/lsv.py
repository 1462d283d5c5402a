"""How a voltage window was measured: the same electrolyte reads higher at a fast scan, on an inert electrode,
with a loose current threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.featurizers.base import Featurizer, one_hot_columns
from cpe_ml.tables import as_float

ELECTRODE_CLASSES = ("stainless_steel", "platinum", "carbon", "aluminium", "other")


def electrode_class(text: str) -> str:
    """Free-text working electrode -> class (``SS``, ``stainless steel`` -> ``stainless_steel``)."""
    word = str(text or "").lower().replace("-", " ").replace("_", " ").strip()
    if not word or word == "nan":
        return ""
    if word in ("ss", "sus", "ss304", "ss316") or "stainless" in word or word.startswith("sus"):
        return "stainless_steel"
    if word in ("pt",) or "platinum" in word:
        return "platinum"
    if any(w in word for w in ("carbon", "graphite", "super p", "glassy", "gc")):
        return "carbon"
    if word in ("al",) or "alumin" in word:
        return "aluminium"
    return "other"


class LSVProtocolFeaturizer(Featurizer):
    """Linear-sweep voltammetry protocol of the voltage window.

    Features:
        log10_scan_rate_mv_s: log10 of the scan rate (a faster sweep outruns slow oxidation and reads higher);
        log10_cutoff_current_ua_cm2: log10 of the onset threshold (a looser threshold reads higher);
        electrode_<class>: working electrode (stainless steel, platinum, carbon, aluminium, other); carbon
            and composite-cathode electrodes with a large surface read lower than a blocking steel disc.
        All NaN / zero when not stated.

    References:
        Homann et al., Sci. Rep. 2020, 10, 4390 (PEO's apparent oxidation onset depends on the electrode and
        on the potentiodynamic vs galvanostatic protocol).
    """

    input_columns = ("lsv_scan_rate_mv_s", "lsv_cutoff_current_ua_cm2", "lsv_working_electrode")

    def feature_labels(self) -> list[str]:
        return ["log10_scan_rate_mv_s", "log10_cutoff_current_ua_cm2", *(f"electrode_{c}" for c in ELECTRODE_CLASSES)]

    def citations(self) -> list[str]:
        return ["10.1038/s41598-020-61373-9"]

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        columns = {}
        with np.errstate(divide="ignore", invalid="ignore"):
            for column in ("lsv_scan_rate_mv_s", "lsv_cutoff_current_ua_cm2"):
                values = as_float(frame[column])
                columns[f"log10_{column.removeprefix('lsv_')}"] = np.where(values > 0, np.log10(values), np.nan)
        return {**columns, **one_hot_columns("electrode", frame["lsv_working_electrode"].map(electrode_class), ELECTRODE_CLASSES)}
