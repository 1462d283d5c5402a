"""Lithium salt: anion size and composition, which set how readily the salt dissociates in the polymer."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors

from cpe_ml.featurizers.base import Featurizer, per_distinct

ANION_ELEMENTS = ("C", "N", "O", "F", "S", "B", "P", "Cl", "As", "I")
LABELS = (
    "salt_molar_mass_g_mol",
    "anion_heavy_atoms",
    "anion_molar_mass_g_mol",
    *(f"anion_n_{e}" for e in ANION_ELEMENTS),
    "anion_sulfonyl_groups",
    "anion_labute_asa",
    "anion_tpsa",
    "anion_electronegative_fraction",
    "li_per_formula",
)
_SULFONYL = Chem.MolFromSmarts("[SX4](=O)(=O)")


@lru_cache(maxsize=4096)
def salt_descriptors(canonical: str) -> tuple[float, ...]:
    """Descriptors of the salt's anion (the largest negatively charged fragment)."""
    if not canonical:
        return (np.nan,) * len(LABELS)
    mol = Chem.MolFromSmiles(canonical)
    fragments = Chem.GetMolFrags(mol, asMols=True)
    anions = [f for f in fragments if Chem.GetFormalCharge(f) < 0] or [max(fragments, key=lambda f: f.GetNumHeavyAtoms())]
    anion = max(anions, key=lambda f: f.GetNumHeavyAtoms())
    symbols = [a.GetSymbol() for a in anion.GetAtoms()]
    heavy = anion.GetNumHeavyAtoms()
    electronegative = sum(s in ("N", "O", "F", "Cl") for s in symbols)
    lithium = sum(a.GetSymbol() == "Li" for a in mol.GetAtoms())
    return (
        Descriptors.MolWt(mol),
        heavy,
        Descriptors.MolWt(anion),
        *(symbols.count(e) for e in ANION_ELEMENTS),
        len(anion.GetSubstructMatches(_SULFONYL)),
        rdMolDescriptors.CalcLabuteASA(anion),
        rdMolDescriptors.CalcTPSA(anion),
        electronegative / heavy,
        lithium,
    )


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
        return list(LABELS)

    def citations(self) -> list[str]:
        return ["10.1016/S1093-3263(00)00068-1", "10.1021/acscentsci.2c01123"]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        return per_distinct(frame, self.input_columns, lambda key: salt_descriptors(key[0] or ""), len(LABELS))
