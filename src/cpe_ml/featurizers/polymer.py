"""Polymer host: what in the repeat unit makes a polymer dissolve and move Li+.

Features come from the canonical repeat unit only (``polymer_canonical_smiles``, set by validation),
so every notation of one polymer gives a byte-identical vector. Local group counts are taken on a
*cyclic oligomer* (the repeat unit joined head-to-tail into a ring of >= 8 backbone atoms): it has no
chain ends, so "ether oxygens per repeat unit" is exact whatever the cut or the end markers.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from rdkit import Chem
from rdkit.Chem import Crippen, Descriptors, rdFingerprintGenerator, rdMolDescriptors

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.chemistry.repeat_unit import backbone_atom_count, oligomer_smiles
from cpe_ml.featurizers.base import Featurizer, as_float, per_distinct

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
    """Per-repeat-unit descriptors (see :class:`PolymerFeaturizer` for their order and meaning)."""
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


class PolymerFeaturizer(Featurizer):
    """Repeat-unit chemistry of the host polymer (blend-weighted when ``polymer2`` is given).

    Features:
        polymer_ru_heavy_atoms ... polymer_formal_charge_per_ru: RDKit descriptors of the canonical
            repeat unit (element fractions, Li+-coordinating group densities, flexibility, polarity);
        polymer_morgan_count_<i>: folded Morgan count fingerprint (radius 2) of the cyclic oligomer;
        polymer_tg_c: glass transition from the catalog (NaN when no source gives it);
        polymer_log10_mw: log10 of the molecular weight when stated.
    A blend's features are the mass-weighted average of its two polymers.

    References:
        Bradford et al., ACS Cent. Sci. 2023, 9, 206 (descriptor-based conductivity models).
        Rogers, Hahn, J. Chem. Inf. Model. 2010, 50, 742 (extended-connectivity fingerprints).
    """

    input_columns = ("polymer", "polymer_canonical_smiles", "polymer2", "polymer2_canonical_smiles", "polymer2_wt_pct", "polymer_mw_g_mol")

    def __init__(self, fingerprint_bits: int = 64, catalog: Catalog | None = None):
        self.fingerprint_bits = fingerprint_bits
        self.catalog = catalog

    def feature_labels(self) -> list[str]:
        fp = [f"morgan_count_{i}" for i in range(self.fingerprint_bits)]
        return [f"polymer_{name}" for name in (*DESCRIPTOR_LABELS, *fp, "tg_c", "log10_mw")]

    def citations(self) -> list[str]:
        return ["10.1021/acscentsci.2c01123", "10.1021/ci100050t"]

    def _unit(self, name: str, canonical: str) -> np.ndarray:
        width = len(DESCRIPTOR_LABELS) + self.fingerprint_bits + 1
        if not canonical:
            return np.full(width, np.nan)
        tg = (self.catalog or load_catalog()).property("polymer", name, "tg_c") if name else None
        return np.array([*repeat_unit_descriptors(canonical, self.fingerprint_bits), np.nan if tg is None else tg])

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        width = len(DESCRIPTOR_LABELS) + self.fingerprint_bits + 1

        def blend(key: tuple) -> np.ndarray:
            name, canonical, name2, canonical2, share2 = key
            first = self._unit(name, canonical)
            if not canonical2 or share2 != share2:
                return first
            second = self._unit(name2, canonical2)
            w = float(share2) / 100.0
            return np.where(np.isnan(second), first, (1 - w) * first + w * np.nan_to_num(second))

        chemistry = per_distinct(frame, self.input_columns[:5], blend, width)
        mw = as_float(frame["polymer_mw_g_mol"])
        with np.errstate(divide="ignore", invalid="ignore"):
            log_mw = np.where(mw > 0, np.log10(mw), np.nan)
        return np.column_stack([chemistry, log_mw])
