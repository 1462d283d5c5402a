"""One canonical repeat unit per polymer, whatever notation the source used.

Why
---
Researchers write the same polymer many ways: Bradford et al. write PEO as ``[Cu]OCC[Au]``,
other databases as the open fragment ``COC``, PSMILES users as ``[*]CCO[*]`` or ``*OCC*``,
Hatakeyama-Sato's database with ``[Mg]`` markers. If every spelling produced different
features, a model trained on one source could not predict another. This module maps every
spelling of a linear polymer to one string, independent of where the unit was cut, which way
it was read and how many copies were written.

Method
------
1. **Parse** (RDKit keeps the input atom order). Attachment points are dummy atoms (``*``,
   ``[*]``, ``[1*]``, ``[*:1]``) or atoms of an element in :data:`END_MARKERS`; any two of them
   may be mixed. Each must be bonded to exactly one heavy atom by a single bond. Without any
   marker the SMILES is an *open fragment*: its first and its last heavy atom in the string are
   the attachment points (so polypropylene as an open fragment is ``C(C)C``, not ``CC(C)``,
   whose last atom is the methyl). Markers become plain ``[*]``; atom maps, stereo and explicit
   hydrogens are dropped (isotopes on real atoms, e.g. deuterium, are kept: they are chemistry).
2. **Backbone.** The main chain runs between the two attachment atoms. Along it, the bonds that
   lie in no ring are the *bridges*; they split the unit into an ordered sequence of *blocks*
   (an atom with its side groups, or a whole ring system such as a phenylene or an imide, which
   cannot be cut). The bond that joins one copy to the next (the "closing bond") is the last
   bridge.
3. **Minimal period.** For each divisor ``q`` of the block count ``m`` (smallest first) the first
   ``q`` blocks are cut out as a candidate unit; it is accepted if its ``m/q``-fold oligomer is
   the same molecule as the input unit (equal RDKit canonical SMILES, markers included). This
   turns ``[*]OCCOCC[*]`` into the PEO unit. If the minimal period is a single atom (``CH2`` of
   polyethylene, ``CF2`` of PTFE) two copies are kept, because a unit with both attachment
   points on one atom is not accepted as input (``[*]CC[*]`` is polyethylene's canonical unit).
4. **Rotation.** The unit is rebuilt cut at every single-bond bridge of its backbone and the
   lexicographically smallest canonical SMILES is returned. The reading direction needs no
   enumeration: a unit with two identical ``[*]`` atoms is an undirected graph, so RDKit's
   canonical SMILES is already the same for both directions. Side groups never move: only the
   position of the cut changes.

Non-single backbone bonds
-------------------------
Only single bonds that lie in no ring are ever cut. Ring bonds (polyimides, phenylenes,
aromatic polyesters) and double/triple backbone bonds (the ``N=P`` of polyphosphazenes, the
``C=C`` of polyacetylene) stay inside the unit. The closing bond of the input is always single
(markers must be single-bonded), so at least one legal cut -- the input's own -- always exists:
polyacetylene ``[*]C=C[*]`` stays ``[*]C=C[*]``. A marker written with a double bond
(``[*]=CC=[*]``) is rejected with advice to write the double bond inside the unit.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator, NamedTuple

from rdkit import Chem, rdBase

__all__ = [
    "END_MARKERS",
    "RepeatUnitError",
    "backbone_atom_count",
    "canonical_repeat_unit",
    "oligomer_smiles",
]

#: Element symbols accepted as attachment markers in addition to the dummy atom ``*``.
#: They never occur in the polymers of solid/gel electrolytes, so treating them as markers
#: loses nothing:
#:
#: * ``Cu`` / ``Au`` -- head / tail markers of Bradford et al.'s polymer-electrolyte database
#:   (PEO is ``[Cu]OCC[Au]``); head and tail are not distinguished here.
#: * ``Mg`` -- both ends in Hatakeyama-Sato's database (``...CC([Mg])C[Mg]``).
#: * ``Ce`` / ``Th`` -- head / tail markers of the experimental Tg table of Afzal et al.
#:   (doi:10.1021/acsapm.0c00524, Supporting Information), the Tg reference of
#:   :mod:`cpe_ml.featurizers.glass_transition`.
#: * ``At`` / ``Ts`` -- monovalent heavy-halogen placeholders some polymer datasets and tools
#:   use as end markers, because RDKit accepts them with exactly one bond.
END_MARKERS: frozenset[str] = frozenset({"Cu", "Au", "Mg", "Ce", "Th", "At", "Ts"})

_EXAMPLE = "e.g. PEO as [*]CCO[*] (or the open fragment OCC)"
_SINGLE = Chem.BondType.SINGLE
_DUMMY_RUN = re.compile(r"\[\*\]|\*")


class RepeatUnitError(ValueError):
    """A polymer SMILES that cannot be read as a linear repeat unit.

    The message says what is wrong and what to write instead, because the people who hit it
    are curating data by hand and need to fix the cell, not debug RDKit.
    """


class _Ends(NamedTuple):
    """Indices of the two markers and the atoms they sit on (head first, in atom order)."""

    head_marker: int
    head: int
    tail_marker: int
    tail: int


class _Bridge(NamedTuple):
    """A backbone bond that lies in no ring; ``a`` is on the head side, ``b`` on the tail side."""

    a: int
    b: int
    bond: int
    single: bool


# ----------------------------------------------------------------------------------------------
# parsing
# ----------------------------------------------------------------------------------------------


def _is_marker(atom: Chem.Atom) -> bool:
    return atom.GetAtomicNum() == 0 or atom.GetSymbol() in END_MARKERS


def _make_dummy(atom: Chem.Atom) -> None:
    """Turn a marker atom into a plain, label-free ``[*]`` so all notations look alike."""
    atom.SetAtomicNum(0)
    atom.SetIsotope(0)
    atom.SetAtomMapNum(0)
    atom.SetFormalCharge(0)
    atom.SetNumExplicitHs(0)
    atom.SetNoImplicit(True)
    atom.SetNumRadicalElectrons(0)
    atom.SetIsAromatic(False)


def _attach_open_end(mol: Chem.RWMol, idx: int) -> None:
    """Put a marker on atom ``idx`` of an open fragment, replacing one of its hydrogens."""
    atom = mol.GetAtomWithIdx(idx)
    for nbr in atom.GetNeighbors():  # an explicit [H] atom becomes the marker
        if nbr.GetAtomicNum() == 1 and nbr.GetDegree() == 1:
            _make_dummy(nbr)
            return
    if atom.GetNoImplicit() and atom.GetNumExplicitHs() > 0:  # bracket atom such as [NH2]
        atom.SetNumExplicitHs(atom.GetNumExplicitHs() - 1)
    new = mol.AddAtom(Chem.Atom(0))
    _make_dummy(mol.GetAtomWithIdx(new))
    mol.AddBond(idx, new, _SINGLE)


def _check_marker(mol: Chem.Mol, idx: int, text: str) -> None:
    atom = mol.GetAtomWithIdx(idx)
    name = atom.GetSymbol() if atom.GetAtomicNum() else "*"
    if atom.GetDegree() != 1:
        raise RepeatUnitError(
            f"branching at an attachment point in {text!r}: marker [{name}] is bonded to "
            f"{atom.GetDegree()} atoms. Each marker must sit on exactly one backbone atom; "
            f"write a linear repeat unit, {_EXAMPLE}."
        )
    bond = atom.GetBonds()[0]
    nbr = bond.GetOtherAtom(atom)
    if bond.GetBondType() != _SINGLE:
        raise RepeatUnitError(
            f"branching at an attachment point in {text!r}: marker [{name}] is attached by a "
            f"{str(bond.GetBondType()).lower()} bond. Attachment bonds must be single; put a "
            "double backbone bond inside the unit, e.g. polyacetylene as [*]C=C[*]."
        )
    if _is_marker(nbr) or nbr.GetAtomicNum() == 1:
        raise RepeatUnitError(
            f"marker [{name}] in {text!r} is bonded to {'another marker' if _is_marker(nbr) else 'a hydrogen'}; "
            f"markers must sit on backbone heavy atoms, {_EXAMPLE}."
        )


def _drop_counterions(mol: Chem.Mol) -> Chem.Mol:
    """Keep the polymer fragment of an ionic polymer written with its counter-ions.

    Single-ion conductors and polymerized ionic liquids are often written with their mobile ion
    (``*CC(*)c1ccc(S(=O)(=O)[N-]S(=O)(=O)C(F)(F)F)cc1.[Li+]``). The counter-ion is not part of the
    repeat unit: fragments without markers that carry a net charge are dropped when exactly one
    fragment carries the attachment points and that fragment is itself charged. Anything else is left for the caller to reject.
    """
    fragments = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False)
    if len(fragments) < 2:
        return mol
    with_markers = [f for f in fragments if any(_is_marker(a) for a in f.GetAtoms())]
    others = [f for f in fragments if not any(_is_marker(a) for a in f.GetAtoms())]
    def charge(fragment: Chem.Mol) -> int:
        return sum(a.GetFormalCharge() for a in fragment.GetAtoms())

    if len(with_markers) == 1 and charge(with_markers[0]) != 0 and all(charge(f) != 0 for f in others):
        return with_markers[0]
    return mol


def _parse_unit(text: str) -> Chem.Mol:
    """Read any accepted notation into a sanitized molecule with exactly two plain ``[*]`` atoms.

    Attachment atoms may coincide only for internal reduced units; user input with both
    markers on one atom is rejected here.
    """
    if not isinstance(text, str):
        raise RepeatUnitError(f"polymer SMILES must be a string, got {type(text).__name__}; {_EXAMPLE}.")
    smiles = text.strip()
    if not smiles:
        raise RepeatUnitError(f"empty polymer SMILES; write the repeat unit, {_EXAMPLE}.")
    params = Chem.SmilesParserParams()
    params.sanitize = False
    params.removeHs = False
    _quiet = rdBase.BlockLogs()  # errors are reported through RepeatUnitError instead
    mol = Chem.MolFromSmiles(smiles, params)
    if mol is None or mol.GetNumAtoms() == 0:
        raise RepeatUnitError(
            f"cannot parse polymer SMILES {text!r} (check brackets, parentheses and ring-closure "
            f"digits); write a valid SMILES with two attachment points, {_EXAMPLE}."
        )
    mol = _drop_counterions(mol)
    n_parts = len(Chem.GetMolFrags(mol))
    if n_parts > 1:
        raise RepeatUnitError(
            f"polymer SMILES {text!r} has {n_parts} disconnected parts ('.'-separated): salts and "
            "ions are not part of the polymer. Write the salt in the salt column (and a blend "
            f"partner in polymer2) and give only the polymer repeat unit here, {_EXAMPLE}."
        )
    markers = [a.GetIdx() for a in mol.GetAtoms() if _is_marker(a)]
    for idx in markers:
        _check_marker(mol, idx, text)
    rw = Chem.RWMol(mol)
    if not markers:
        heavy = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() > 1]
        if len(heavy) < 2:
            raise RepeatUnitError(
                f"open fragment {text!r} has fewer than two heavy atoms, so its first and last "
                "atoms (the attachment points) coincide; write at least two backbone atoms, e.g. "
                "polyethylene as CC or [*]CC[*]."
            )
        _attach_open_end(rw, heavy[-1])
        _attach_open_end(rw, heavy[0])
    elif len(markers) == 1:
        raise RepeatUnitError(
            f"polymer SMILES {text!r} has exactly one attachment marker; write both ends "
            f"({_EXAMPLE}) or none (open fragment, e.g. OCC)."
        )
    elif len(markers) > 2:
        raise RepeatUnitError(
            f"polymer SMILES {text!r} has {len(markers)} attachment markers; a linear repeat unit "
            f"has exactly two. Write networks/branched polymers by their linear unit, {_EXAMPLE}."
        )
    else:
        first, second = (rw.GetAtomWithIdx(i).GetNeighbors()[0].GetIdx() for i in markers)
        if first == second:
            raise RepeatUnitError(
                f"both attachment markers of {text!r} sit on the same atom; write at least two "
                "backbone atoms between them, e.g. polyethylene as [*]CC[*], PTFE as "
                "[*]C(F)(F)C(F)(F)[*]."
            )
        for idx in markers:
            _make_dummy(rw.GetAtomWithIdx(idx))
    for atom in rw.GetAtoms():
        atom.SetAtomMapNum(0)
    try:
        Chem.SanitizeMol(rw)
        out = Chem.RemoveHs(rw)
    except Exception as exc:  # RDKit raises several sanitization exception types
        raise RepeatUnitError(
            f"polymer SMILES {text!r} is not a valid molecule ({exc}); fix the valences/charges "
            "(an open fragment needs a hydrogen on its first and last atom to replace), "
            f"{_EXAMPLE}."
        ) from None
    Chem.RemoveStereochemistry(out)
    for bond in out.GetBonds():
        bond.SetBondDir(Chem.BondDir.NONE)
    return out


# ----------------------------------------------------------------------------------------------
# graph helpers
# ----------------------------------------------------------------------------------------------


def _ends(mol: Chem.Mol) -> _Ends:
    dummies = [a for a in mol.GetAtoms() if a.GetAtomicNum() == 0]
    assert len(dummies) == 2, "internal: a unit has exactly two markers"
    h, t = dummies
    return _Ends(h.GetIdx(), h.GetNeighbors()[0].GetIdx(), t.GetIdx(), t.GetNeighbors()[0].GetIdx())


def _bridges(mol: Chem.Mol, ends: _Ends) -> list[_Bridge]:
    """Backbone bonds in no ring, head to tail: the only places where a unit can be cut.

    A bond in no ring is a bridge, and a bridge between the attachment atoms lies on every
    path between them, so any shortest path finds the same bridges in the same order.
    """
    if ends.head == ends.tail:
        return []
    path = Chem.GetShortestPath(mol, ends.head, ends.tail)
    out = []
    for a, b in zip(path, path[1:]):
        bond = mol.GetBondBetweenAtoms(a, b)
        if not bond.IsInRing():
            out.append(_Bridge(a, b, bond.GetIdx(), bond.GetBondType() == _SINGLE))
    return out


def _smiles(mol: Chem.Mol) -> str:
    return Chem.MolToSmiles(mol)


def _sanitized(rw: Chem.RWMol) -> Chem.Mol:
    mol = rw.GetMol()
    Chem.SanitizeMol(mol)
    return mol


def _chain(unit: Chem.Mol, n: int) -> Chem.Mol:
    """``n`` copies of ``unit`` joined tail-to-head, keeping the two outermost markers."""
    if n == 1:
        return Chem.Mol(unit)
    ends = _ends(unit)
    size = unit.GetNumAtoms()
    rw = Chem.RWMol()
    for _ in range(n):
        rw.InsertMol(unit)
    drop = []
    for i in range(n - 1):
        here, nxt = i * size, (i + 1) * size
        rw.AddBond(here + ends.tail, nxt + ends.head, _SINGLE)
        drop += [here + ends.tail_marker, nxt + ends.head_marker]
    rw.BeginBatchEdit()
    for idx in drop:
        rw.RemoveAtom(idx)
    rw.CommitBatchEdit()
    return _sanitized(rw)


def _head_part(unit: Chem.Mol, ends: _Ends, bridge: _Bridge) -> Chem.Mol:
    """The blocks before ``bridge`` as a unit of their own (marker on the cut end)."""
    rw = Chem.RWMol(unit)
    rw.RemoveBond(bridge.a, bridge.b)
    new = rw.AddAtom(Chem.Atom(0))
    _make_dummy(rw.GetAtomWithIdx(new))
    rw.AddBond(bridge.a, new, _SINGLE)
    keep = next(f for f in Chem.GetMolFrags(rw, sanitizeFrags=False) if ends.head_marker in f)
    keep = set(keep)
    rw.BeginBatchEdit()
    for atom in rw.GetAtoms():
        if atom.GetIdx() not in keep:
            rw.RemoveAtom(atom.GetIdx())
    rw.CommitBatchEdit()
    return _sanitized(rw)


def _minimal_unit(unit: Chem.Mol) -> Chem.Mol:
    """Shortest unit whose oligomer is the input unit, with markers on two different atoms."""
    ends = _ends(unit)
    bridges = _bridges(unit, ends)
    blocks = len(bridges) + 1
    heavy = unit.GetNumAtoms() - 2
    reference = None
    for q in range(1, blocks):
        copies, rest = divmod(blocks, q)
        if rest or heavy % copies or not bridges[q - 1].single:
            continue
        candidate = _head_part(unit, ends, bridges[q - 1])
        if candidate.GetNumAtoms() - 2 != heavy // copies:
            continue
        reference = reference or _smiles(unit)
        if _smiles(_chain(candidate, copies)) == reference:
            unit = candidate
            break
    ends = _ends(unit)
    if ends.head == ends.tail:  # one-atom period (CH2, CF2): keep two copies
        unit = _chain(unit, 2)
    return unit


def _rotations(unit: Chem.Mol) -> Iterator[Chem.Mol]:
    """The unit cut at each single-bond bridge of its backbone (the input cut included)."""
    yield unit
    ends = _ends(unit)
    for br in _bridges(unit, ends):
        if not br.single or {br.a, br.b} == {ends.head, ends.tail}:
            continue
        rw = Chem.RWMol(unit)
        rw.RemoveBond(ends.head_marker, ends.head)
        rw.RemoveBond(ends.tail_marker, ends.tail)
        rw.RemoveBond(br.a, br.b)
        rw.AddBond(ends.tail, ends.head, _SINGLE)  # close the old cut ...
        rw.AddBond(ends.head_marker, br.b, _SINGLE)  # ... and open the new one
        rw.AddBond(ends.tail_marker, br.a, _SINGLE)
        yield _sanitized(rw)


def _bracket_dummies(smiles: str) -> str:
    return _DUMMY_RUN.sub("[*]", smiles)


# ----------------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def canonical_repeat_unit(text: str) -> str:
    """Canonical repeat unit of a linear polymer written in any accepted notation.

    Returns an RDKit canonical SMILES with two ``[*]`` atoms, so that every spelling of one
    polymer (``[*]OCC[*]``, ``*CCO*``, ``[Cu]OCC[Au]``, ``COC``, ``[*]OCCOCC[*]``, ...) yields
    the same features. Cached because the same polymer cell repeats across thousands of rows.

    Raises :class:`RepeatUnitError` for unparseable SMILES, one or more than two markers,
    branching at a marker, both markers on one atom, and salts/ions ('.'-separated SMILES).
    """
    unit = _minimal_unit(_parse_unit(text))
    return min(_bracket_dummies(_smiles(rot)) for rot in _rotations(unit))


def _canonical_mol(text: str) -> Chem.Mol:
    return _parse_unit(canonical_repeat_unit(text))


@lru_cache(maxsize=16384)
def oligomer_smiles(canonical: str, n: int = 3, cap: str = "[H]") -> str:
    """An ``n``-mer of the canonical unit with capped ends, for featurizers that need a real molecule.

    Built from the canonical unit (any accepted notation is canonicalized first), so the end
    groups -- and therefore the features -- do not depend on where the source cut the unit.
    ``cap`` is ``"[H]"`` (hydrogen, default), ``"[*]"`` to keep open ends, or any SMILES whose
    first atom bonds to each chain end (e.g. ``"C"`` for methyl caps).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RepeatUnitError(f"oligomer length n must be a positive integer, got {n!r}; e.g. n=3.")
    mol = _chain(_canonical_mol(canonical), n)
    cap = (cap or "").strip()
    if cap in ("*", "[*]"):
        return _bracket_dummies(_smiles(mol))
    ends = _ends(mol)
    if cap in ("", "H", "[H]"):
        rw = Chem.RWMol(mol)
        for idx in (ends.head_marker, ends.tail_marker):
            rw.GetAtomWithIdx(idx).SetAtomicNum(1)
        return _smiles(Chem.RemoveHs(_sanitized(rw)))
    _quiet = rdBase.BlockLogs()
    cap_mol = Chem.MolFromSmiles(cap)
    if cap_mol is None or len(Chem.GetMolFrags(cap_mol)) != 1 or any(
        _is_marker(a) for a in cap_mol.GetAtoms()
    ):
        raise RepeatUnitError(
            f"end cap {cap!r} is not a single marker-free SMILES fragment; write e.g. '[H]' or 'C'."
        )
    rw = Chem.RWMol(mol)
    for end in (ends.head, ends.tail):
        offset = rw.GetNumAtoms()
        rw.InsertMol(cap_mol)
        rw.AddBond(end, offset, _SINGLE)
    rw.BeginBatchEdit()
    rw.RemoveAtom(ends.head_marker)
    rw.RemoveAtom(ends.tail_marker)
    rw.CommitBatchEdit()
    try:
        return _smiles(_sanitized(rw))
    except Exception as exc:
        raise RepeatUnitError(
            f"end cap {cap!r} cannot bond to the chain ends ({exc}); its first atom needs a free "
            "valence, e.g. 'C' or '[H]'."
        ) from None


@lru_cache(maxsize=16384)
def backbone_atom_count(canonical: str) -> int:
    """Main-chain atoms per canonical repeat unit (e.g. PEO 3, PMMA 2, PDMS 2).

    Used for per-repeat-unit chemistry such as Li per repeat unit. Counted along the shortest
    path between the attachment atoms, so a backbone ring counts only the atoms the chain passes
    through (para-phenylene: 4). Polyethylene counts 2, because its canonical unit is
    ``[*]CC[*]``.
    """
    mol = _canonical_mol(canonical)
    ends = _ends(mol)
    return len(Chem.GetShortestPath(mol, ends.head, ends.tail))
