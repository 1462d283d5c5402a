"""Lithium salt descriptors: anion size and composition, which set how readily the salt dissociates.

References:
    Labute, J. Mol. Graph. Model. 2000, 18, 464 (approximate surface area).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors

ANION_ELEMENTS = ("C", "N", "O", "F", "S", "B", "P", "Cl", "As", "I")
#: Order of :func:`salt_descriptors`.
SALT_LABELS = (
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
        return (np.nan,) * len(SALT_LABELS)
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
