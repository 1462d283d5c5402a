"""Measurement conditions: temperature on the scales that ion transport follows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.featurizers.base import Featurizer, as_float, per_distinct
from cpe_ml.featurizers.glass_transition import host_glass_transition_c
from cpe_ml.schema import ROOM_TEMPERATURE_C

#: The VTF equation's ideal glass temperature sits roughly this far below the calorimetric Tg.
VTF_T0_BELOW_TG_K = 50.0
#: Smallest T - T0 used in the VTF term (K): keeps 1/(T - T0) finite at and below T0.
MIN_T_MINUS_T0_K = 1.0


class ConditionsFeaturizer(Featurizer):
    """Temperature as T, 1000/T (Arrhenius) and 1/(T - T0) with T0 = Tg - 50 K (Vogel-Tammann-Fulcher).

    Features:
        temperature_k, inverse_temperature_1000_k: Arrhenius scale;
        t_minus_tg_k: distance above the host's glass transition (stated or estimated Tg, see
            :mod:`cpe_ml.featurizers.glass_transition`; NaN only without a polymer);
        vtf_inverse_t_minus_t0: 1 / max(T - T0, 1 K): capped at 1 K^-1 at and below T0, so it stays
            finite and falls monotonically with T (a NaN below T0 would send those temperatures down
            XGBoost's missing-value branch, outside the monotone constraint);
        assumed_temperature: 1 when the row gave the temperature in words and 25 C was used.

    References:
        Ratner, Shriver, Chem. Rev. 1988, 88, 109 (VTF behaviour of polymer electrolytes).
    """

    input_columns = ("temperature_c", "assumed_temperature", "polymer", "polymer_canonical_smiles")

    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog

    def feature_labels(self) -> list[str]:
        return ["temperature_k", "inverse_temperature_1000_k", "t_minus_tg_k", "vtf_inverse_t_minus_t0", "assumed_temperature"]

    def citations(self) -> list[str]:
        return ["10.1021/cr00083a006"]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        assumed = as_float(frame["assumed_temperature"])
        assumed = np.where(np.isnan(assumed), 0.0, assumed)
        celsius = as_float(frame["temperature_c"])
        celsius = np.where(np.isnan(celsius) & (assumed == 1), ROOM_TEMPERATURE_C, celsius)
        kelvin = celsius + 273.15
        catalog = self.catalog or load_catalog()
        tg = per_distinct(frame, self.input_columns[2:], lambda key: host_glass_transition_c(*key, catalog)[:1], 1)[:, 0]
        over_tg = kelvin - (tg + 273.15)
        with np.errstate(divide="ignore", invalid="ignore"):
            vtf = 1.0 / np.maximum(over_tg + VTF_T0_BELOW_TG_K, MIN_T_MINUS_T0_K)
            return np.column_stack([kelvin, 1000.0 / kelvin, over_tg, vtf, assumed])
