"""Lithium salt: the anion descriptors of :mod:`cpe_ml.chemistry.salt_descriptors` as features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.chemistry.salt_descriptors import SALT_LABELS, salt_descriptors
from cpe_ml.featurizers.base import Featurizer
from cpe_ml.tables import per_distinct


class SaltFeaturizer(Featurizer):
    """Anion chemistry of the lithium salt.

    Features:
        salt_molar_mass_g_mol: formula-unit molar mass;
        anion_heavy_atoms, anion_molar_mass_g_mol, anion_n_<element>: anion size and composition;
        anion_sulfonyl_groups: S(=O)(=O) groups that delocalize the charge (TFSI, FSI, OTf);
        anion_labute_asa, anion_tpsa: anion surface (a size proxy for charge delocalization);
        anion_electronegative_fraction: N+O+F+Cl share of the anion's heavy atoms;
        li_per_formula: Li atoms per formula unit.

    References:
        Labute, J. Mol. Graph. Model. 2000, 18, 464 (approximate surface area).
        Bradford et al., ACS Cent. Sci. 2023, 9, 206.
    """

    input_columns = ("salt_canonical_smiles",)

    def feature_labels(self) -> list[str]:
        return list(SALT_LABELS)

    def citations(self) -> list[str]:
        return ["10.1016/S1093-3263(00)00068-1", "10.1021/acscentsci.2c01123"]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        return per_distinct(frame, self.input_columns, lambda key: salt_descriptors(key[0] or ""), len(SALT_LABELS))
