"""Plasticizer chemistry: which kind of small molecule swells the polymer and dissolves the salt."""

from __future__ import annotations

from functools import lru_cache

from rdkit import Chem

#: Plasticizer kinds (the catalog's ``kind`` column uses the same words).
PLASTICIZER_KINDS = ("carbonate", "ether", "nitrile", "ionic_liquid", "phosphate", "other")
# Kind of a neutral molecule given as SMILES, first match wins (the catalog's ``kind`` column for named ones).
_KIND_PATTERNS = tuple(
    (kind, Chem.MolFromSmarts(smarts))
    for kind, smarts in (
        ("carbonate", "[OX2][CX3](=O)[OX2]"),
        ("phosphate", "[PX4](=O)([OX2])([OX2])[OX2]"),
        ("nitrile", "[CX2]#[NX1]"),
        ("ether", "[OX2;!$(O[CX3]=O)]([#6])[#6]"),
    )
)


@lru_cache(maxsize=1024)
def smiles_kinds(smiles: str) -> tuple[str, ...]:
    """Kinds of the plasticizers in a '.'-joined SMILES: charged fragments together are one ionic liquid."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return ()
    fragments = Chem.GetMolFrags(mol, asMols=True)
    kinds = ["ionic_liquid"] if any(Chem.GetFormalCharge(f) for f in fragments) else []
    for fragment in (f for f in fragments if not Chem.GetFormalCharge(f)):
        kinds.append(next((kind for kind, pattern in _KIND_PATTERNS if fragment.HasSubstructMatch(pattern)), "other"))
    return tuple(kinds)
