"""Repeat-unit descriptors of a polymer: what in the repeat unit makes a polymer dissolve and move Li+.

Descriptors come from the canonical repeat unit only (``polymer_canonical_smiles``, set by validation),
so every notation of one polymer gives a byte-identical vector. Local group counts are taken on a
*cyclic oligomer* (the repeat unit joined head-to-tail into a ring of >= 8 backbone atoms): it has no
chain ends, so "ether oxygens per repeat unit" is exact whatever the cut or the end markers.

References:
    Bradford et al., ACS Cent. Sci. 2023, 9, 206 (descriptor-based conductivity models).
    Rogers, Hahn, J. Chem. Inf. Model. 2010, 50, 742 (extended-connectivity fingerprints).
"""

from __future__ import annotations

from functools import lru_cache

from rdkit import Chem
from rdkit.Chem import Crippen, Descriptors, rdFingerprintGenerator, rdMolDescriptors

from cpe_ml.chemistry.repeat_unit import backbone_atom_count, oligomer_smiles

#: SMARTS of the Li+-coordinating and polarity-setting groups, counted per repeat unit.
GROUPS: dict[str, str] = {
    "ether_o": "[OX2;!$(O~[#6,#14,#15]=,:*);!$(O[OX2])]([#6,#14])[#6,#14]",
    "carbonate": "[OX2][CX3](=O)[OX2]",
    "ester": "[#6][CX3](=O)[OX2][#6]",
    "carbonyl": "[CX3]=[OX1]",
    "nitrile": "[CX2]#[NX1]",
    "cf": "[#6]F",
    "hydroxyl": "[OX2H]",
    "amine_n": "[NX3;!$(N-C=O);!$(N-S(=O)=O)]",
    "amide": "[NX3][CX3]=[OX1]",
    "sulfonyl": "[SX4](=O)(=O)",
    "anionic": "[-1,-2]",
    "aromatic_atom": "[a]",
}
ELEMENTS = ("C", "O", "N", "F", "S", "Si", "P", "Cl", "B")


@lru_cache(maxsize=None)
def _patterns() -> dict[str, Chem.Mol]:
    return {name: Chem.MolFromSmarts(smarts) for name, smarts in GROUPS.items()}


def cyclic_oligomer(canonical: str, min_backbone: int = 8) -> tuple[Chem.Mol, int]:
    """Join copies of the repeat unit head-to-tail into one ring; returns (molecule, copies)."""
    unit = Chem.MolFromSmiles(canonical)
    dummies = [a.GetIdx() for a in unit.GetAtoms() if a.GetAtomicNum() == 0]
    heads = [unit.GetAtomWithIdx(d).GetNeighbors()[0].GetIdx() for d in dummies]
    copies = max(2, -(-min_backbone // max(1, backbone_atom_count(canonical))))
    combined = Chem.RWMol()
    offsets = []
    for _ in range(copies):
        offsets.append(combined.GetNumAtoms())
        combined.InsertMol(unit)
    for i in range(copies):
        j = (i + 1) % copies
        combined.AddBond(offsets[i] + heads[1], offsets[j] + heads[0], Chem.BondType.SINGLE)
    for offset in sorted(offsets, reverse=True):
        for d in sorted(dummies, reverse=True):
            combined.RemoveAtom(offset + d)
    mol = combined.GetMol()
    Chem.SanitizeMol(mol)
    return mol, copies


_MORGAN_INVARIANTS = rdFingerprintGenerator.GetMorganAtomInvGen(includeRingMembership=False)


@lru_cache(maxsize=65536)
def repeat_unit_descriptors(canonical: str, fingerprint_bits: int) -> tuple[float, ...]:
    """Per-repeat-unit descriptors in the order of :data:`DESCRIPTOR_LABELS`, then ``fingerprint_bits`` folded
    Morgan counts (radius 2) of the cyclic oligomer, per repeat unit."""
    ring, copies = cyclic_oligomer(canonical)
    heavy = ring.GetNumHeavyAtoms() / copies
    counts = {name: len(ring.GetSubstructMatches(p)) / copies for name, p in _patterns().items()}
    symbols = [a.GetSymbol() for a in ring.GetAtoms()]
    elements = [symbols.count(e) / copies / heavy for e in ELEMENTS]
    linear = Chem.MolFromSmiles(oligomer_smiles(canonical, 4))
    rotatable = rdMolDescriptors.CalcNumRotatableBonds(linear, strict=True) / max(1, linear.GetNumBonds())
    unit = Chem.MolFromSmiles(canonical)
    backbone = backbone_atom_count(canonical)
    values = [
        heavy,
        Descriptors.MolWt(unit),
        backbone,
        (heavy - backbone) / heavy,
        *elements,
        *(counts[name] / heavy for name in GROUPS),
        counts["ether_o"],
        rdMolDescriptors.CalcNumRings(unit),
        rotatable,
        rdMolDescriptors.CalcTPSA(ring) / copies / heavy,
        Crippen.MolLogP(ring) / copies / heavy,
        Crippen.MolMR(ring) / copies / heavy,
        rdMolDescriptors.CalcFractionCSP3(ring),
        Chem.GetFormalCharge(ring) / copies,
    ]
    if fingerprint_bits:
        generator = rdFingerprintGenerator.GetMorganGenerator(
            radius=2, fpSize=fingerprint_bits, atomInvariantsGenerator=_MORGAN_INVARIANTS
        )
        values.extend(generator.GetCountFingerprintAsNumPy(ring).astype(float) / copies)
    return tuple(values)


DESCRIPTOR_LABELS: tuple[str, ...] = (
    "ru_heavy_atoms",
    "ru_molar_mass_g_mol",
    "ru_backbone_atoms",
    "side_chain_fraction",
    *(f"frac_{e}" for e in ELEMENTS),
    *(f"{name}_per_heavy" for name in GROUPS),
    "ether_o_per_ru",
    "ring_count",
    "rotatable_bond_fraction",
    "tpsa_per_heavy",
    "logp_per_heavy",
    "molar_refractivity_per_heavy",
    "fraction_csp3",
    "formal_charge_per_ru",
)


def ether_oxygens_per_repeat_unit(canonical: str) -> float:
    """Li+-coordinating ether oxygens in one repeat unit (used to express Li per ether O)."""
    return repeat_unit_descriptors(canonical, 0)[DESCRIPTOR_LABELS.index("ether_o_per_ru")]

