"""Measurement conditions: temperature on the scales that ion transport follows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.featurizers.base import CatalogFeaturizer
from cpe_ml.featurizers.glass_transition import host_glass_transition_c
from cpe_ml.schema import ROOM_TEMPERATURE_C
from cpe_ml.tables import as_float, per_distinct

#: The VTF equation's ideal glass temperature sits roughly this far below the calorimetric Tg.
VTF_T0_BELOW_TG_K = 50.0
#: Smallest T - T0 used in the VTF term (K): keeps 1/(T - T0) finite at and below T0.
MIN_T_MINUS_T0_K = 1.0


class ConditionsFeaturizer(CatalogFeaturizer):
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

    def feature_labels(self) -> list[str]:
        return ["temperature_k", "inverse_temperature_1000_k", "t_minus_tg_k", "vtf_inverse_t_minus_t0", "assumed_temperature"]

    def citations(self) -> list[str]:
        return ["10.1021/cr00083a006"]

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        assumed = as_float(frame["assumed_temperature"])
        assumed = np.where(np.isnan(assumed), 0.0, assumed)
        celsius = as_float(frame["temperature_c"])
        celsius = np.where(np.isnan(celsius) & (assumed == 1), ROOM_TEMPERATURE_C, celsius)
        kelvin = celsius + 273.15
        tg = per_distinct(frame, ("polymer", "polymer_canonical_smiles"), lambda key: host_glass_transition_c(*key, self.catalog_)[:1], 1)[:, 0]
        over_tg = kelvin - (tg + 273.15)
        with np.errstate(divide="ignore", invalid="ignore"):
            vtf = 1.0 / np.maximum(over_tg + VTF_T0_BELOW_TG_K, MIN_T_MINUS_T0_K)
            return {"temperature_k": kelvin, "inverse_temperature_1000_k": 1000.0 / kelvin, "t_minus_tg_k": over_tg,
                    "vtf_inverse_t_minus_t0": vtf, "assumed_temperature": assumed}
