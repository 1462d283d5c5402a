"""Polymer ion-transport physics: how mobile the chain segments are and how Li+ is coordinated.

Why a second set of polymer descriptors: :mod:`cpe_ml.chemistry.polymer_descriptors` describes the
whole repeat unit (element shares, group densities, fingerprint). For a polymer the model has never
seen, what transfers is *where* those groups sit: Li+ moves with the segmental motion of the chain
(Ratner, Shriver 1988), so a stiff backbone (rings, conjugated ester/amide links, H-bond donors) slows
it while ether/siloxane hinges and flexible side chains speed it up; and Li+ dissolves best when
coordinating oxygens come in O-C-C-O pairs that can chelate it, as in PEO. These descriptors split the
repeat unit into backbone and side chains and count exactly those things.

Backbone = the shortest path between the two attachment atoms of the canonical repeat unit, plus any
ring that contains a bond of that path (a phenylene or a cyclic carbonate in the main chain). Side
chains = every other heavy atom. Motifs that can straddle two repeat units (an O-C-C-O pair, a run of
EO units) are counted on a cyclic oligomer, which has no chain ends.
"""

from __future__ import annotations

from functools import cache, lru_cache
from itertools import pairwise

import numpy as np
from rdkit import Chem
from rdkit.Chem import Descriptors

from cpe_ml.chemistry.polymer_descriptors import GROUPS, cyclic_oligomer

#: Lewis-basic atoms that coordinate Li+ (each atom counted once).
DONOR_SMARTS: dict[str, str] = {
    "ether_o": GROUPS["ether_o"],
    "carbonyl_o": "[OX1]=[#6]",
    "s_p_oxo_o": "[OX1]=[#15,#16]",
    "hydroxyl_o": "[OX2H]",
    "nitrile_n": "[NX1]#[#6]",
    "amine_n": "[NX3;!$(N-[#6,#16]=[O,S]);!$(N-a);!$(N-[#6]=[#7])]",
    "aromatic_n": "[nX2]",
}
#: Ether O - sp3 C - sp3 C - ether O: the five-membered chelate that makes PEO solvate Li+.
CHELATE_SMARTS = f"[$({GROUPS['ether_o']})][CX4][CX4][$({GROUPS['ether_o']})]"
_DONOR_H = Chem.MolFromSmarts("[O,N;!H0;+0]")
#: Longest run of consecutive EO-like units counted (a PEO chain saturates it).
MAX_EO_RUN = 8
#: Side chains longer than this count as this long (Bradford's table has 100-atom PEO brushes).
MAX_SIDE_CHAIN = 40

#: Order of :func:`transport_descriptors`.
TRANSPORT_LABELS: tuple[str, ...] = (
    "backbone_free_bond_fraction",
    "backbone_ring_atom_fraction",
    "backbone_heteroatom_fraction",
    "backbone_conjugated_link_fraction",
    "h_bond_donors_per_heavy",
    "side_chain_atoms_per_backbone_atom",
    "longest_side_chain_atoms",
    "side_chain_flexible_fraction",
    "side_chain_rings_per_backbone_atom",
    "li_donor_sites_per_heavy",
    "li_donor_sites_mol_kg",
    "li_donor_side_chain_fraction",
    "eo_chelate_pairs_per_heavy",
    "longest_eo_run",
)


@cache
def _patterns() -> dict[str, Chem.Mol]:
    out = {name: Chem.MolFromSmarts(s) for name, s in DONOR_SMARTS.items()}
    out["chelate"] = Chem.MolFromSmarts(CHELATE_SMARTS)
    for k in range(1, MAX_EO_RUN + 1):
        ether = f"[$({GROUPS['ether_o']})]"
        out[f"eo{k}"] = Chem.MolFromSmarts(ether + f"[CX4][CX4]{ether}" * k)
    return out


def _backbone(unit: Chem.Mol) -> tuple[list[int], set[int], list[tuple[int, int]]]:
    """(path atoms, backbone atoms incl. backbone rings, path atom pairs) of a unit."""
    dummies = [a for a in unit.GetAtoms() if a.GetAtomicNum() == 0]
    head, tail = (d.GetNeighbors()[0].GetIdx() for d in dummies)
    path = list(Chem.GetShortestPath(unit, head, tail)) if head != tail else [head]
    bonds = [unit.GetBondBetweenAtoms(a, b).GetIdx() for a, b in pairwise(path)]
    backbone = set(path)
    for ring in unit.GetRingInfo().BondRings():
        if set(ring) & set(bonds):
            for bond in ring:
                b = unit.GetBondWithIdx(bond)
                backbone |= {b.GetBeginAtomIdx(), b.GetEndAtomIdx()}
    return path, backbone, list(pairwise(path))


def _carbonyl_carbon(atom: Chem.Atom) -> bool:
    return atom.GetSymbol() == "C" and any(
        b.GetBondType() == Chem.BondType.DOUBLE and b.GetOtherAtom(atom).GetSymbol() in ("O", "S") for b in atom.GetBonds()
    )


def _is_link(unit: Chem.Mol, a: int, b: int) -> bool:
    """A C(=O)-O/N/S bond: ester, amide, carbonate or urethane link with partial double-bond character."""
    x, y = unit.GetAtomWithIdx(a), unit.GetAtomWithIdx(b)
    return (_carbonyl_carbon(x) and y.GetSymbol() in ("O", "N", "S")) or (_carbonyl_carbon(y) and x.GetSymbol() in ("O", "N", "S"))


def _is_free_rotor(unit: Chem.Mol, a: int, b: int) -> bool:
    """Single, acyclic and not a conjugated link."""
    bond = unit.GetBondBetweenAtoms(a, b)
    return bond.GetBondType() == Chem.BondType.SINGLE and not bond.IsInRing() and not _is_link(unit, a, b)


@lru_cache(maxsize=65536)
def transport_descriptors(canonical: str) -> tuple[float, ...]:
    """Per-repeat-unit mobility and coordination descriptors (order of :data:`TRANSPORT_LABELS`)."""
    unit = Chem.MolFromSmiles(canonical)
    heavy = sum(a.GetAtomicNum() > 0 for a in unit.GetAtoms())
    path, backbone, pairs = _backbone(unit)
    # the closing bond joins this unit's tail atom to the next unit's head atom: single, acyclic by construction
    closing_link = _is_link(unit, path[-1], path[0])
    free = [_is_free_rotor(unit, a, b) for a, b in pairs] + [not closing_link]
    links = [_is_link(unit, a, b) for a, b in pairs] + [closing_link]
    path_atoms = [unit.GetAtomWithIdx(i) for i in path]
    side = [a for a in unit.GetAtoms() if a.GetAtomicNum() > 0 and a.GetIdx() not in backbone]
    side_ids = {a.GetIdx() for a in side}
    chains = _components(unit, side_ids)
    side_rings = sum(1 for ring in unit.GetRingInfo().AtomRings() if set(ring) <= side_ids)
    flexible = sum(1 for a in side if not a.IsInRing() and a.GetHybridization() == Chem.HybridizationType.SP3)

    ring, copies = cyclic_oligomer(canonical, min_backbone=3 * (MAX_EO_RUN + 1))  # room for the longest EO run
    patterns = _patterns()
    donors: set[int] = set()
    for name in DONOR_SMARTS:
        donors |= {m[0] for m in ring.GetSubstructMatches(patterns[name])}
    n_donors = len(donors) / copies
    side_donors = _side_donor_count(unit, backbone)
    eo_run = 0
    for k in range(1, MAX_EO_RUN + 1):
        if not ring.HasSubstructMatch(patterns[f"eo{k}"]):
            break
        eo_run = k
    molar_mass = Descriptors.MolWt(unit)  # the two [*] atoms weigh nothing
    return (
        float(np.mean(free)),
        sum(a.IsInRing() for a in path_atoms) / len(path_atoms),
        sum(a.GetAtomicNum() != 6 and not a.IsInRing() for a in path_atoms) / len(path_atoms),
        float(np.mean(links)),
        len(ring.GetSubstructMatches(_DONOR_H)) / copies / heavy,
        len(side) / len(path),
        float(min(MAX_SIDE_CHAIN, max((len(c) for c in chains), default=0))),
        flexible / len(side) if side else 0.0,
        side_rings / len(path),
        n_donors / heavy,
        1000.0 * n_donors / molar_mass,
        side_donors / n_donors if n_donors else 0.0,
        len(ring.GetSubstructMatches(patterns["chelate"])) / copies / heavy,
        float(eo_run),
    )


def _side_donor_count(unit: Chem.Mol, backbone: set[int]) -> int:
    """Donor atoms at least two bonds away from the main chain (a carbonyl O on a backbone carbon does not count)."""
    donors: set[int] = set()
    for name in DONOR_SMARTS:
        donors |= {m[0] for m in unit.GetSubstructMatches(_patterns()[name])}
    near = backbone | {n.GetIdx() for i in backbone for n in unit.GetAtomWithIdx(i).GetNeighbors()}
    return sum(1 for d in donors if d not in near)


def _components(mol: Chem.Mol, atoms: set[int]) -> list[set[int]]:
    """Connected components of ``atoms`` (the side chains)."""
    left, out = set(atoms), []
    while left:
        stack, comp = [left.pop()], set()
        while stack:
            i = stack.pop()
            comp.add(i)
            for n in mol.GetAtomWithIdx(i).GetNeighbors():
                if n.GetIdx() in left:
                    left.discard(n.GetIdx())
                    stack.append(n.GetIdx())
        out.append(comp)
    return out
