"""Convert a salt amount between EO:Li ratio, wt% and molality.

Papers state the salt amount in one of three ways; the model needs all three. The conversions are on a
polymer + salt basis (filler and plasticizer excluded), the way papers state them:

- EO:Li = n:1 means n polymer repeat units per Li+ (for PEO a repeat unit is one EO unit);
- molality b = mol salt per kg polymer = 1000 / (n * M_ru)  [M_ru in g/mol];
- salt wt% w = 100 * M_salt / (M_salt + n * M_ru).

Catalog salts carry one Li+ per formula unit; public tables also hold salts with two (Li2B12F12), for
which ``molality_to_eo_li`` takes ``li_per_salt``.
"""

from __future__ import annotations

from functools import lru_cache

from rdkit import Chem
from rdkit.Chem import Descriptors

from cpe_ml.chemistry.repeat_unit import canonical_repeat_unit


@lru_cache(maxsize=4096)
def salt_molar_mass(smiles: str) -> float:
    """Molar mass of a salt formula unit (g/mol) from its SMILES."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"cannot parse salt SMILES {smiles!r}")
    return Descriptors.MolWt(mol)


@lru_cache(maxsize=4096)
def repeat_unit_molar_mass(smiles: str) -> float:
    """Molar mass of one repeat unit (g/mol); attachment points (dummy atoms) weigh nothing in RDKit."""
    return Descriptors.MolWt(Chem.MolFromSmiles(canonical_repeat_unit(smiles)))


def eo_li_to_molality(n: float, ru_mass: float) -> float:
    return 1000.0 / (n * ru_mass)


def molality_to_eo_li(molality: float, ru_mass: float, li_per_salt: float = 1.0) -> float:
    """Repeat units per Li+ (a salt with two Li+ per formula unit halves n); works on arrays too."""
    return 1000.0 / (molality * li_per_salt * ru_mass)


def molality_to_wt_pct(molality: float, salt_mass: float) -> float:
    """Salt wt% of polymer + salt: 100 b M_salt / (1000 + b M_salt); works on arrays too."""
    salt_g_per_kg = molality * salt_mass
    return 100.0 * salt_g_per_kg / (1000.0 + salt_g_per_kg)


def eo_li_to_wt_pct(n: float, ru_mass: float, salt_mass: float) -> float:
    return 100.0 * salt_mass / (salt_mass + n * ru_mass)


def wt_pct_to_eo_li(wt_pct: float, ru_mass: float, salt_mass: float) -> float:
    return salt_mass * (100.0 - wt_pct) / (wt_pct * ru_mass)


def complete_salt_amount(
    eo_li: float | None,
    wt_pct: float | None,
    molality: float | None,
    ru_mass: float | None,
    salt_mass: float | None,
) -> tuple[float | None, float | None, float | None, str | None]:
    """Fill the two missing salt amounts from the given one.

    Returns ``(eo_li, wt_pct, molality, given)`` where ``given`` names what the row stated
    (``eo_li``, ``wt_pct`` or ``molality``; the first one present in that order). Values stated by the
    row are kept as stated; conversions need the repeat-unit and salt molar masses and are skipped
    (left None) without them.
    """
    given = next((name for name, v in (("eo_li", eo_li), ("wt_pct", wt_pct), ("molality", molality)) if v), None)
    if given is None or ru_mass is None:
        return eo_li, wt_pct, molality, given
    if given == "eo_li":
        n = eo_li
    elif given == "molality":
        n = molality_to_eo_li(molality, ru_mass)
    elif salt_mass is not None and wt_pct < 100.0:
        n = wt_pct_to_eo_li(wt_pct, ru_mass, salt_mass)
    else:
        return eo_li, wt_pct, molality, given
    eo_li = eo_li or n
    molality = molality or eo_li_to_molality(n, ru_mass)
    if salt_mass is not None:
        wt_pct = wt_pct or eo_li_to_wt_pct(n, ru_mass, salt_mass)
    return eo_li, wt_pct, molality, given
