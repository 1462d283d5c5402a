"""Salt concentration: how many Li+ share each coordinating site of the polymer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.chemistry.polymer_descriptors import ether_oxygens_per_repeat_unit
from cpe_ml.featurizers.base import Featurizer
from cpe_ml.tables import as_float, per_distinct


class SaltConcentrationFeaturizer(Featurizer):
    """Li+ loading relative to the polymer's repeat units and ether oxygens.

    Features:
        salt_eo_li_ratio: repeat units (EO units for PEO) per Li+ as stated or converted;
        li_per_repeat_unit: 1 / salt_eo_li_ratio;
        li_per_ether_o: Li+ per ether oxygen (NaN for polymers without ether oxygens);
        salt_molality_mol_kg, salt_log10_molality: mol salt per kg polymer;
        salt_wt_pct: salt share of polymer + salt;
        salt_amount_stated: 1 when the row stated any salt amount.

    References:
        Bradford et al., ACS Cent. Sci. 2023, 9, 206 (molality as the common concentration scale).
    """

    input_columns = ("polymer_canonical_smiles", "salt_eo_li_ratio", "salt_wt_pct", "salt_molality_mol_kg", "salt_amount_given")

    def feature_labels(self) -> list[str]:
        return ["salt_eo_li_ratio", "li_per_repeat_unit", "li_per_ether_o", "salt_molality_mol_kg",
                "salt_log10_molality", "salt_wt_pct", "salt_amount_stated"]

    def citations(self) -> list[str]:
        return ["10.1021/acscentsci.2c01123"]

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        eo_li = as_float(frame["salt_eo_li_ratio"])
        molality = as_float(frame["salt_molality_mol_kg"])
        ether = per_distinct(frame, ("polymer_canonical_smiles",),
                             lambda key: (ether_oxygens_per_repeat_unit(key[0]) if key[0] else np.nan,), 1)[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            li_per_ru = np.where(eo_li > 0, 1.0 / eo_li, np.nan)
            li_per_o = np.where(ether > 0, li_per_ru / ether, np.nan)
            log_mol = np.where(molality > 0, np.log10(molality), np.nan)
        stated = frame["salt_amount_given"].astype(str).ne("").to_numpy(dtype=float)
        return {"salt_eo_li_ratio": eo_li, "li_per_repeat_unit": li_per_ru, "li_per_ether_o": li_per_o, "salt_molality_mol_kg": molality,
                "salt_log10_molality": log_mol, "salt_wt_pct": as_float(frame["salt_wt_pct"]), "salt_amount_stated": stated}
