"""Cycling test conditions: what the capacity retention was measured against."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.chemistry.cathode import CATHODE_CLASSES, HIGH_VOLTAGE_CLASSES, cathode_class
from cpe_ml.featurizers.base import Featurizer, one_hot_columns
from cpe_ml.tables import as_float


class CyclingFeaturizer(Featurizer):
    """Cycle count, C-rate, cycling temperature, upper cut-off voltage and cathode family.

    Features:
        log10_retention_cycles: cycle count (the retention model is monotone in it, see
            :class:`cpe_ml.models.targets.Target`);
        c_rate, cycling_temperature_c, cutoff_voltage_v: as stated (NaN when not);
        cathode_<family>: one-hot of the cathode family (:mod:`cpe_ml.chemistry.cathode`);
        cathode_high_voltage: NCM/LCO/NCA/LMO, charged to >= ~4.2 V.

    References:
        Pan et al., Energy Environ. Sci. 2022, 15, 2753 (cathode/electrolyte interface stability).
    """

    input_columns = ("retention_cycles", "c_rate", "cycling_temperature_c", "cutoff_voltage_v", "cathode")

    def feature_labels(self) -> list[str]:
        return ["log10_retention_cycles", "c_rate", "cycling_temperature_c", "cutoff_voltage_v", *(f"cathode_{f}" for f in CATHODE_CLASSES), "cathode_high_voltage"]

    def citations(self) -> list[str]:
        return ["10.1039/d1ee03466a"]

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        classes = frame["cathode"].map(cathode_class)
        cycles = as_float(frame["retention_cycles"])
        with np.errstate(divide="ignore", invalid="ignore"):
            log_cycles = np.where(cycles > 0, np.log10(cycles), np.nan)
        return {
            "log10_retention_cycles": log_cycles,
            **{column: as_float(frame[column]) for column in ("c_rate", "cycling_temperature_c", "cutoff_voltage_v")},
            **one_hot_columns("cathode", classes, CATHODE_CLASSES),
            "cathode_high_voltage": classes.isin(HIGH_VOLTAGE_CLASSES).to_numpy(dtype=float),
        }
