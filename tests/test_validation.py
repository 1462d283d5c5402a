"""Validation: every rule reports the row and column of a bad value and what to do."""

import pandas as pd
import pytest

from cpe_ml.chemistry.salt_amount import (
    complete_salt_amount,
    molality_to_eo_li,
    molality_to_wt_pct,
    repeat_unit_molar_mass,
    salt_molar_mass,
)
from cpe_ml.validation import FormulationValidationError, validate_formulations

GOOD = {
    "record_id": "a1", "polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "filler": "LLZTO",
    "filler_loading_wt_pct": "10", "process": "solution_casting+hot_pressing", "temperature_c": "60",
    "conductivity_s_cm": "2.1e-4",
}


def _issues(**bad):
    rows = pd.DataFrame([GOOD, {**GOOD, "record_id": "a2", **bad}])
    with pytest.raises(FormulationValidationError) as err:
        validate_formulations(rows)
    return err.value.report.issues


def test_good_rows_pass_and_are_normalized():
    rows = pd.DataFrame([{**GOOD, "polymer": "poly(ethylene oxide)", "salt": "litfsi"}])
    clean, report = validate_formulations(rows)
    assert report.ok
    assert clean.loc[0, "polymer"] == "PEO" and clean.loc[0, "salt"] == "LiTFSI"
    assert clean.loc[0, "electrolyte_type"] == "cpe"
    assert clean.loc[0, "polymer_canonical_smiles"] == "[*]CCO[*]"


@pytest.mark.parametrize(
    "bad,column,words",
    [
        ({"polymer": "PVDF-HPF"}, "polymer", "PVDF-HFP"),
        ({"salt": "LiTFSX"}, "salt", "closest catalog names"),
        ({"filler": "LLZTOO"}, "filler", "LLZTO"),
        ({"plasticizer": "EC+DMX"}, "plasticizer", "DMX"),
        ({"polymer": "", "polymer_smiles": "[*]CC(C[*]"}, "polymer_smiles", "cannot parse"),
        ({"salt": "", "salt_smiles": "[Li+].F[B-](F)(F"}, "salt_smiles", "RDKit cannot parse"),
        ({"filler_loading_wt_pct": "140"}, "filler_loading_wt_pct", "0..100"),
        ({"filler_loading_wt_pct": "-3"}, "filler_loading_wt_pct", "0..100"),
        ({"temperature_c": "300"}, "temperature_c", "-50..250"),
        ({"conductivity_s_cm": "-4"}, "conductivity_s_cm", "> 0"),
        ({"conductivity_s_cm": "0"}, "conductivity_s_cm", "> 0"),
        ({"voltage_window_v": "9.5"}, "voltage_window_v", "1..8"),
        ({"retention_pct": "130", "retention_cycles": "100"}, "retention_pct", "0..120"),
        ({"retention_pct": "90"}, "retention_cycles", "cycle count"),
        ({"temperature_c": ""}, "temperature_c", "measurement temperature"),
        ({"temperature_c": "", "temperature_text": "warm"}, "temperature_text", "not understood"),
        ({"process": "solution_castng"}, "process", "solution_casting"),
        ({"filler_morphology": "nanorod"}, "filler_morphology", "one of"),
        ({"electrolyte_type": "fluid"}, "electrolyte_type", "spe, cpe, gpe or liquid"),
        ({"temperature_c": "sixty"}, "temperature_c", "not a number"),
        ({"record_id": "a1"}, "record_id", "duplicate"),
    ],
)
def test_each_rule_names_row_column_and_fix(bad, column, words):
    issues = _issues(**bad)
    matching = [i for i in issues if i.column == column]
    assert matching, [str(i) for i in issues]
    assert all(i.row == 2 for i in matching)
    assert any(words in i.message for i in matching), [i.message for i in matching]
    assert "row 2 (file line 3)" in str(matching[0])


def test_every_problem_is_reported_at_once():
    issues = _issues(polymer="PEX", temperature_c="400", voltage_window_v="0.5")
    assert {i.column for i in issues} >= {"polymer", "temperature_c", "voltage_window_v"}


def test_room_temperature_words_satisfy_the_condition_and_are_flagged():
    rows = pd.DataFrame([{**GOOD, "temperature_c": "", "temperature_text": "room temperature"}])
    clean, _ = validate_formulations(rows)
    assert clean.loc[0, "assumed_temperature"] == 1.0


def test_skip_invalid_lists_skipped_rows_and_keeps_the_rest():
    rows = pd.DataFrame([GOOD, {**GOOD, "record_id": "a2", "polymer": "nonsense"}, {**GOOD, "record_id": "a3"}])
    clean, report = validate_formulations(rows, skip_invalid=True)
    assert report.skipped_rows == [2]
    assert list(clean["record_id"]) == ["a1", "a3"]


def test_electrolyte_type_is_derived():
    rows = pd.DataFrame([
        {**GOOD, "record_id": "spe", "filler": "none", "filler_loading_wt_pct": ""},
        {**GOOD, "record_id": "gpe", "filler": "none", "filler_loading_wt_pct": "", "plasticizer": "EC+DMC", "plasticizer_wt_pct": "60"},
        {**GOOD, "record_id": "cpe"},
    ])
    clean, _ = validate_formulations(rows)
    assert list(clean["electrolyte_type"]) == ["spe", "gpe", "cpe"]


def test_peo_litfsi_eo_li_16_converts_to_wt_pct_and_molality():
    """Hand check: M(EO) = 44.053 g/mol, M(LiTFSI) = 287.09 g/mol.
    molality = 1000 / (16 * 44.053) = 1.4187 mol/kg; wt% = 287.09 / (287.09 + 16 * 44.053) = 28.94 %."""
    ru, salt = repeat_unit_molar_mass("[*]CCO[*]"), salt_molar_mass("[Li+].O=S(=O)([N-]S(=O)(=O)C(F)(F)F)C(F)(F)F")
    assert ru == pytest.approx(44.053, abs=0.01) and salt == pytest.approx(287.09, abs=0.01)
    eo, wt, molality, given = complete_salt_amount(16.0, None, None, ru, salt)
    assert given == "eo_li" and eo == 16.0
    assert molality == pytest.approx(1.4187, abs=1e-3)
    assert wt == pytest.approx(28.94, abs=0.01)
    eo_back, _, _, given_back = complete_salt_amount(None, wt, None, ru, salt)
    assert given_back == "wt_pct" and eo_back == pytest.approx(16.0)
    clean, _ = validate_formulations(pd.DataFrame([GOOD]))
    assert clean.loc[0, "salt_molality_mol_kg"] == pytest.approx(1.4187, abs=1e-3)
    assert clean.loc[0, "salt_amount_given"] == "eo_li"


def test_molality_conversions_agree_with_the_eo_li_route_and_count_li_per_salt():
    """1.4187 mol/kg of LiTFSI in PEO is EO:Li 16 and 28.94 wt%; Li2B12F12 at the same molality puts
    twice the Li+ in, so half the repeat units per Li+ (Bradford's table holds such salts)."""
    ru, salt = repeat_unit_molar_mass("[*]CCO[*]"), salt_molar_mass("[Li+].O=S(=O)([N-]S(=O)(=O)C(F)(F)F)C(F)(F)F")
    molality = 1000 / (16 * ru)
    assert molality_to_eo_li(molality, ru) == pytest.approx(16.0)
    assert molality_to_wt_pct(molality, salt) == pytest.approx(28.94, abs=0.01)
    assert molality_to_eo_li(molality, ru, li_per_salt=2) == pytest.approx(8.0)


def test_unknown_column_close_to_a_schema_column_is_an_error_and_an_extra_column_warns():
    from cpe_ml.columns import ColumnError

    with pytest.raises(ColumnError, match="did you mean 'filler_loading_wt_pct'"):
        validate_formulations(pd.DataFrame([{**{k: v for k, v in GOOD.items() if k != "filler_loading_wt_pct"}, "filler_loading_wt": "3"}]))
    _, report = validate_formulations(pd.DataFrame([{**GOOD, "batch": "B7"}]))
    assert any("'batch'" in w and "extra column" in w for w in report.warnings)


# ------------------------------------------------------------------------------- liquid electrolytes
LIQUID = {"record_id": "l1", "electrolyte_type": "liquid", "salt": "LiPF6", "salt_molality_mol_kg": "1.0",
          "plasticizer": "EC+DMC", "plasticizer_wt_pct": "87", "filler": "none", "temperature_c": "25",
          "conductivity_s_cm": "1.0e-2"}


def test_a_stated_liquid_electrolyte_validates_without_a_polymer():
    clean, report = validate_formulations(pd.DataFrame([GOOD, LIQUID]))
    assert report.ok
    liquid = clean.set_index("record_id").loc["l1"]
    assert liquid["electrolyte_type"] == "liquid" and liquid["polymer"] == "" and liquid["polymer_canonical_smiles"] == ""
    # the solvents are the host: the stated molality is kept, no EO:Li is invented
    assert liquid["salt_molality_mol_kg"] == 1.0 and pd.isna(liquid["salt_eo_li_ratio"])


@pytest.mark.parametrize(
    "bad,column,words",
    [
        ({"polymer": "PEO"}, "electrolyte_type", "no polymer"),
        ({"plasticizer": "", "plasticizer_wt_pct": ""}, "plasticizer", "solvents"),
        ({"salt": "", "salt_molality_mol_kg": ""}, "salt", "lithium salt"),
    ],
)
def test_a_liquid_electrolyte_needs_solvents_and_a_salt_and_no_polymer(bad, column, words):
    rows = pd.DataFrame([GOOD, {**LIQUID, **bad}])
    with pytest.raises(FormulationValidationError) as err:
        validate_formulations(rows)
    issues = [i for i in err.value.report.issues if i.column == column]
    assert issues and issues[0].row == 2 and words in issues[0].message, [str(i) for i in err.value.report.issues]


def test_a_row_without_a_polymer_is_never_derived_to_be_a_liquid():
    """A polymer a source did not name (or a user forgot) leaves the row a polymer electrolyte of unknown host."""
    clean, _ = validate_formulations(pd.DataFrame([{**LIQUID, "electrolyte_type": ""}]))
    assert clean.loc[0, "electrolyte_type"] == "gpe"


def test_a_candidate_without_a_polymer_is_rejected_unless_it_says_liquid():
    from cpe_ml.prediction import validate_candidates

    forgot = {**LIQUID, "electrolyte_type": ""}
    with pytest.raises(FormulationValidationError) as err:
        validate_candidates(pd.DataFrame([GOOD, forgot]), require_temperature=True)
    (issue,) = err.value.report.issues
    assert (issue.row, issue.column) == (2, "polymer") and "electrolyte_type 'liquid'" in issue.message
    assert "row 2 (file line 3), column 'polymer'" in str(issue)
    assert validate_candidates(pd.DataFrame([GOOD, LIQUID]), require_temperature=True).report.ok
