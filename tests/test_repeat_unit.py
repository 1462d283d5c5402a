"""Tests for cpe_ml.chemistry.repeat_unit: every notation of a polymer gives one canonical unit."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdkit import Chem
from rdkit.Chem import rdMolDescriptors

from cpe_ml.chemistry.repeat_unit import (
    END_MARKERS,
    RepeatUnitError,
    backbone_atom_count,
    canonical_repeat_unit,
    oligomer_smiles,
)

MEEP_SIDE = "OCCOCCOC"

# polymer -> notations: bracketed [*], bare *, [Cu]/[Au] or [Mg], open fragment, reversed,
# rotated cut, doubled (tripled).
NOTATIONS: dict[str, list[str]] = {
    "PEO": [
        "[*]OCC[*]", "[*]CCO[*]", "[*]COC[*]", "*OCC*", "COC", "OCC", "[Cu]OCC[Au]",
        "[Mg]CCO[Mg]", "[*]OCCOCC[*]", "[*]CCOCCOCCO[*]", "[*:1]OCC[*:2]", "[1*]OCC[2*]",
    ],
    "PPO": [
        "[*]CC(C)O[*]", "[*]OC(C)C[*]", "*C(C)CO*", "[Cu]OCC(C)[Au]", "OC(C)C",
        "[*]C(C)OC[*]", "[*]CC(C)OCC(C)O[*]",
    ],
    "PVDF": [
        "[*]CC(F)(F)[*]", "[*]C(F)(F)C[*]", "*CC(*)(F)F", "[Cu]CC(F)(F)[Au]", "C(F)(F)C",
        "[*]CC(F)(F)CC(F)(F)[*]",
    ],
    "HFP": [
        "[*]C(F)(F)C(F)(C(F)(F)F)[*]", "[*]C(F)(C(F)(F)F)C(F)(F)[*]",
        "*C(F)(F)C(*)(F)C(F)(F)F", "[Cu]C(C(F)(F)F)(F)C(F)(F)[Au]",
        "[*]C(F)(F)C(F)(C(F)(F)F)C(F)(F)C(F)(C(F)(F)F)[*]",
    ],
    "PAN": [
        "[*]CC(C#N)[*]", "[*]C(C#N)C[*]", "*CC(*)C#N", "N#CC([Cu])C[Au]", "C(C#N)C",
        "[*]CC(C#N)CC(C#N)[*]",
    ],
    "PMMA": [
        "[*]CC(C)(C(=O)OC)[*]", "[*]C(C)(C(=O)OC)C[*]", "*CC(*)(C)C(=O)OC",
        "COC(=O)C(C)([Cu])C[Au]", "C(C)(C(=O)OC)C", "[*]CC(C)(C(=O)OC)CC(C)(C(=O)OC)[*]",
    ],
    "PEC": [
        "[*]CCOC(=O)O[*]", "[*]OCCOC(=O)[*]", "[*]C(=O)OCCO[*]", "*OC(=O)OCC*", "CCOC(=O)O",
        "[Cu]CCOC(=O)O[Au]", "[*]CCOC(=O)OCCOC(=O)O[*]",
    ],
    "PTMC": [
        "[*]CCCOC(=O)O[*]", "[*]OCCCOC(=O)[*]", "*CCOC(=O)OC*", "CCCOC(=O)O",
        "[Cu]OC(=O)OCCC[Au]", "[*]CCCOC(=O)OCCCOC(=O)O[*]",
    ],
    "PCL": [
        "[*]CCCCCC(=O)O[*]", "[*]OC(=O)CCCCC[*]", "[*]C(=O)OCCCCC[*]", "*CCC(=O)OCCC*",
        "CCCCCC(=O)O", "[Cu]OC(=O)CCCCC[Au]", "[*]CCCCCC(=O)OCCCCCC(=O)O[*]",
    ],
    "PVA": [
        "[*]CC(O)[*]", "[*]C(O)C[*]", "*CC(*)O", "C(O)C", "[Cu]CC(O)[Au]", "[*]CC(O)CC(O)[*]",
    ],
    "PEI": [
        "[*]CCN[*]", "[*]NCC[*]", "[*]CNC[*]", "CNC", "NCC", "*CCN*", "[Mg]NCC[Mg]",
        "[*]CCNCCN[*]",
    ],
    "PDMS": [
        "[*]O[Si](C)(C)[*]", "[*][Si](C)(C)O[*]", "*O[Si](*)(C)C", "C[Si](C)([Cu])O[Au]",
        "[Si](C)(C)O", "[*]O[Si](C)(C)O[Si](C)(C)[*]",
    ],
    "PS": [
        "[*]CC(c1ccccc1)[*]", "[*]C(c1ccccc1)C[*]", "*CC(*)c1ccccc1", "c1ccccc1C([Cu])C[Au]",
        "C(c1ccccc1)C", "[*]CC(c1ccccc1)CC(c1ccccc1)[*]",
    ],
    "MEEP": [
        f"[*]N=P({MEEP_SIDE})({MEEP_SIDE})[*]", f"[*]P({MEEP_SIDE})({MEEP_SIDE})=N[*]",
        f"*N=P(*)({MEEP_SIDE}){MEEP_SIDE}", f"[Cu]N=P({MEEP_SIDE})({MEEP_SIDE})[Au]",
        f"P({MEEP_SIDE})({MEEP_SIDE})=N",
        f"[*]N=P({MEEP_SIDE})({MEEP_SIDE})N=P({MEEP_SIDE})({MEEP_SIDE})[*]",
    ],
    "PET": [
        "[*]OCCOC(=O)c1ccc(cc1)C(=O)[*]", "[*]C(=O)c1ccc(C(=O)OCCO[*])cc1",
        "*CCOC(=O)c1ccc(cc1)C(=O)O*", "CCOC(=O)c1ccc(cc1)C(=O)O",
        "[Cu]OC(=O)c1ccc(cc1)C(=O)OCC[Au]", "[*]c1ccc(cc1)C(=O)OCCOC(=O)[*]",
    ],
    "PLA": [
        "[*]OC(C)C(=O)[*]", "[*]C(=O)C(C)O[*]", "*C(C)C(=O)O*", "[Cu]OC(C)C(=O)[Au]",
        "C(C)C(=O)O", "[*]OC(C)C(=O)OC(C)C(=O)[*]", "[*]O[C@@H](C)C(=O)[*]",
    ],
    "PPC": [
        "[*]CC(C)OC(=O)O[*]", "[*]OC(=O)OC(C)C[*]", "*C(C)COC(=O)O*", "[Cu]OC(=O)OCC(C)[Au]",
        "C(C)COC(=O)O", "[*]CC(C)OC(=O)OCC(C)OC(=O)O[*]",
    ],
    "PE": ["[*]CC[*]", "*CCCC*", "CC", "CCC", "[Cu]CCC[Au]", "[*]CCCCCCCCCCCC[*]"],
    "PPP": [
        "[*]c1ccc([*])cc1", "*c1ccc(*)cc1", "[Cu]c1ccc([Au])cc1",
        "[*]c1ccc(-c2ccc([*])cc2)cc1",
    ],
    "polyacetylene": ["[*]C=C[*]", "*C=C*", "[Cu]C=C[Au]", "C=C", "[*]C=CC=C[*]", "[*]C=CC=CC=C[*]"],
    "Hatakeyama-Sato vinyl imide": [
        "O=C1C(O)C(O)C(=O)N1CC([Mg])C[Mg]", "[*]CC([*])CN1C(=O)C(O)C(O)C1=O",
        "*C(CN1C(=O)C(O)C(O)C1=O)C*",
    ],
}


@pytest.mark.parametrize("polymer", sorted(NOTATIONS))
def test_every_notation_gives_one_canonical_unit(polymer: str) -> None:
    forms = {text: canonical_repeat_unit(text) for text in NOTATIONS[polymer]}
    assert len(set(forms.values())) == 1, forms
    assert len(NOTATIONS[polymer]) >= 3


def test_different_polymers_give_different_units() -> None:
    canon = {p: canonical_repeat_unit(n[0]) for p, n in NOTATIONS.items()}
    assert len(set(canon.values())) == len(canon), canon
    assert len(NOTATIONS) >= 15


@pytest.mark.parametrize("polymer", sorted(NOTATIONS))
def test_canonical_form_is_well_formed_and_idempotent(polymer: str) -> None:
    canon = canonical_repeat_unit(NOTATIONS[polymer][0])
    assert canon.count("[*]") == 2
    assert "@" not in canon and "/" not in canon and "\\" not in canon and ":" not in canon
    assert Chem.MolToSmiles(Chem.MolFromSmiles(canon)) == Chem.MolToSmiles(Chem.MolFromSmiles(canon))
    assert canonical_repeat_unit(canon) == canon


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[*]OCC[*]", "[*]CCO[*]"),
        ("CCCC", "[*]CC[*]"),
        ("[*]C=CC=C[*]", "[*]C=C[*]"),
        ("[*]c1ccc(-c2ccc([*])cc2)cc1", "[*]c1ccc([*])cc1"),
    ],
)
def test_known_canonical_strings(text: str, expected: str) -> None:
    assert canonical_repeat_unit(text) == expected


def test_ring_bonds_and_double_bonds_are_never_cut() -> None:
    # polyphosphazene: the N=P bond stays inside the unit
    meep = canonical_repeat_unit(NOTATIONS["MEEP"][0])
    assert "N=P" in meep or "P=N" in meep
    # a polyimide is cut only at acyclic single bonds, whatever cut the input used
    pmda_oda_a = "[*]c1ccc(Oc2ccc(N3C(=O)c4cc5C(=O)N([*])C(=O)c5cc4C3=O)cc2)cc1"
    pmda_oda_b = "[*]Oc1ccc(N2C(=O)c3cc4C(=O)N(c5ccc([*])cc5)C(=O)c4cc3C2=O)cc1"
    pmda_oda_c = "[*]N1C(=O)c2cc3C(=O)N(c4ccc(Oc5ccc([*])cc5)cc4)C(=O)c3cc2C1=O"
    forms = {canonical_repeat_unit(s) for s in (pmda_oda_a, pmda_oda_b, pmda_oda_c)}
    assert len(forms) == 1
    unit = Chem.MolFromSmiles(forms.pop())
    for dummy in (a for a in unit.GetAtoms() if a.GetAtomicNum() == 0):
        bond = dummy.GetBonds()[0]
        assert bond.GetBondType() == Chem.BondType.SINGLE


def test_end_markers_documented_set() -> None:
    assert {"Cu", "Au", "Mg", "At", "Ts"} <= END_MARKERS
    for a in ("Cu", "Au", "Mg", "At", "Ts"):
        for b in ("Cu", "Mg", "Ts"):
            assert canonical_repeat_unit(f"[{a}]OCC[{b}]") == canonical_repeat_unit("[*]OCC[*]")
    assert canonical_repeat_unit("[*]OCC[Cu]") == canonical_repeat_unit("[*]OCC[*]")


def test_explicit_hydrogens_and_bracket_atoms_in_open_fragments() -> None:
    assert canonical_repeat_unit("[H]OCC[H]") == canonical_repeat_unit("[*]OCC[*]")
    assert canonical_repeat_unit("[NH2]CC") == canonical_repeat_unit("[*]CCN[*]")
    assert canonical_repeat_unit("[*][C]([H])([H])CO[*]") == canonical_repeat_unit("[*]CCO[*]")


# ------------------------------------------------------------------------------------------------
# helpers built on the canonical unit
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polymer", "count"),
    [("PEO", 3), ("PMMA", 2), ("PDMS", 2), ("MEEP", 2), ("PEC", 5), ("PE", 2), ("PPP", 4), ("PCL", 7)],
)
def test_backbone_atom_count(polymer: str, count: int) -> None:
    for text in NOTATIONS[polymer]:
        assert backbone_atom_count(text) == count


def test_oligomer_smiles_is_a_real_capped_molecule() -> None:
    for notations in NOTATIONS.values():
        canon = canonical_repeat_unit(notations[0])
        trimer = oligomer_smiles(canon)
        mol = Chem.MolFromSmiles(trimer)
        assert mol is not None and "*" not in trimer
        unit_heavy = Chem.MolFromSmiles(canon).GetNumAtoms() - 2
        assert mol.GetNumAtoms() == 3 * unit_heavy
        # every notation yields the same oligomer, ends included
        assert {oligomer_smiles(t) for t in notations} == {trimer}
    assert oligomer_smiles("[*]OCC[*]", n=2) == "CCOCCO"
    assert oligomer_smiles("[*]OCC[*]", n=1, cap="C") == "CCCOC"
    assert oligomer_smiles("[*]OCC[*]", n=2, cap="[*]") == "[*]CCOCCO[*]"
    # bracket atoms ([Si]) get their hydrogen back when capped
    pdms = Chem.AddHs(Chem.MolFromSmiles(oligomer_smiles("[*]O[Si](C)(C)[*]", n=2)))
    assert rdMolDescriptors.CalcMolFormula(pdms) == "C4H14O2Si2"
    assert all(a.GetNumRadicalElectrons() == 0 for a in pdms.GetAtoms())
    with pytest.raises(RepeatUnitError, match="positive integer"):
        oligomer_smiles("[*]OCC[*]", n=0)
    with pytest.raises(RepeatUnitError, match="cap"):
        oligomer_smiles("[*]OCC[*]", cap="C.C")


# ------------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[*]CC(O[*]", "cannot parse"),
        ("not a smiles", "cannot parse"),
        ("", "empty"),
        ("   ", "empty"),
        ("[*]CCO", "exactly one attachment marker"),
        ("[Cu]CCO", "exactly one attachment marker"),
        ("[*]CC([*])CO[*]", "3 attachment markers"),
        ("[*]CC([Mg])C([Cu])O[*]", "4 attachment markers"),
        ("C[*]C", "branching at an attachment point"),
        ("[*]1CCC1", "branching at an attachment point"),
        ("[*]=CC=[*]", "branching at an attachment point"),
        ("[*]#CC#[*]", "single"),
        ("[*]C[*]", "same atom"),
        ("CC([*])[*]", "same atom"),
        ("[*][*]", "another marker"),
        ("[*]CCO[*].[Li+]", "salt column"),
        ("[Li+].[N-](S(=O)(=O)C(F)(F)F)S(=O)(=O)C(F)(F)F", "salt column"),
        ("OCCO.OCCO", "salt column"),
        ("C", "fewer than two heavy atoms"),
        ("[*]C(C)(C)(C)C[*]", "not a valid molecule"),
        ("O=CC=O", "not a valid molecule"),
    ],
)
def test_errors_are_helpful(text: str, message: str) -> None:
    with pytest.raises(RepeatUnitError, match=message) as info:
        canonical_repeat_unit(text)
    assert isinstance(info.value, ValueError)
    # every message proposes what to write instead
    assert "e.g." in str(info.value) or "write" in str(info.value).lower()


def test_non_string_input() -> None:
    with pytest.raises(RepeatUnitError):
        canonical_repeat_unit(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# property-based: rotation, reversal, repetition
# ------------------------------------------------------------------------------------------------

# (backbone atom, allowed side groups); each segment keeps both backbone bonds single.
_SEGMENTS = st.one_of(
    st.tuples(st.just("C"), st.sampled_from(["", "(C)", "(F)", "(O)", "(C)(C)", "(F)(F)", "(=O)", "(C#N)", "(C)(OC)"])),
    st.tuples(st.just("O"), st.just("")),
    st.tuples(st.just("N"), st.sampled_from(["", "(C)"])),
    st.tuples(st.just("S"), st.sampled_from(["", "(=O)(=O)"])),
    st.tuples(st.just("[Si]"), st.sampled_from(["(C)(C)", "(C)(OC)"])),
    st.tuples(st.just("C(=O)"), st.just("")),
)
_UNITS = st.lists(_SEGMENTS, min_size=2, max_size=8)


def _write(segments: list[tuple[str, str]], open_ends: str = "[*]") -> str:
    return open_ends + "".join(atom + side for atom, side in segments) + open_ends


@settings(max_examples=100, deadline=None, database=None)
@given(_UNITS, st.integers(min_value=0, max_value=7))
def test_rotation_and_reversal_give_one_form(segments: list[tuple[str, str]], shift: int) -> None:
    reference = canonical_repeat_unit(_write(segments))
    shift %= len(segments)
    rotated = segments[shift:] + segments[:shift]
    assert canonical_repeat_unit(_write(rotated)) == reference
    assert canonical_repeat_unit(_write(rotated[::-1])) == reference
    assert canonical_repeat_unit(_write(rotated, "*")) == reference
    assert canonical_repeat_unit("[Cu]" + _write(rotated, "") + "[Au]") == reference
    if rotated[-1][1] == "" and rotated[-1][0] in ("C", "O", "N", "S"):  # last atom is backbone
        assert canonical_repeat_unit(_write(rotated, "")) == reference
    assert canonical_repeat_unit(reference) == reference


@settings(max_examples=100, deadline=None, database=None)
@given(_UNITS, st.integers(min_value=2, max_value=3), st.integers(min_value=0, max_value=7))
def test_repeated_unit_reduces(segments: list[tuple[str, str]], copies: int, shift: int) -> None:
    reference = canonical_repeat_unit(_write(segments))
    shift %= len(segments)
    repeated = (segments * copies)[shift:] + (segments * copies)[:shift]
    assert canonical_repeat_unit(_write(repeated)) == reference
    # composition per backbone atom is preserved by the reduction
    unit = Chem.MolFromSmiles(reference)
    source = Chem.MolFromSmiles(_write(segments))
    assert (unit.GetNumAtoms() - 2) * len(segments) == (source.GetNumAtoms() - 2) * backbone_atom_count(reference)
