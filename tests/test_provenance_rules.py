"""The curated-data rules of issue 13: one measurement once, bounds as bounds, reviewed rows out with a reason.

Fixtures are real rows of the curated table (excerpts as the pages print them), cut down to the columns
each rule reads.
"""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cpe_ml.cli import app
from cpe_ml.curation import merge_curated
from cpe_ml.duplicates import find_duplicate_measurements, source_key
from cpe_ml.provenance import bound_words_at_value, check_provenance, count_provenance_issues, suggested_qualifier
from cpe_ml.validation import validate_formulations

HNT_EXCERPT = ("With this modification, good ionic conductivity (9.23 × 10-5 S cm-1 at 25 °C) is achieved, "
               "and compatibility between the electrodes and the electrolyte is enhanced.")
HNT = {"record_id": "a-0001", "source": "10.1021/acsami.8b13735", "source_url": "https://www.pubmed.gov/30724067/",
       "source_locator": "abstract", "source_excerpt": HNT_EXCERPT, "polymer": "PEO", "filler": "halloysite",
       "temperature_c": "25", "conductivity_s_cm": "9.23e-05"}
PAN_SIO2 = {"record_id": "b-0001", "source": "10.3390/ma19040744", "source_url": "https://tomesphere.com/paper/PMC12942473.md",
            "source_locator": "abstract", "polymer": "PAN", "filler": "SiO2", "temperature_text": "room temperature",
            "source_excerpt": "a wide electrochemical window (>5.3 V vs. Li/Li+), high room-temperature ionic conductivity (~4.4 × 10−3 S cm−1)",
            "voltage_window_v": "5.3", "voltage_window_v_qualifier": "lower_bound", "conductivity_s_cm": "4.4e-3",
            "conductivity_s_cm_qualifier": "approximate"}


def _pairs(*rows):
    return [(p.first, p.second, p.target) for p in find_duplicate_measurements(pd.DataFrame(rows).fillna(""))]


@pytest.mark.parametrize(
    "texts,key",
    [
        (("10.1039/C7RA01542A",), "10.1039/c7ra01542a"),
        (("https://doi.org/10.1021/acsami.8b13735",), "10.1021/acsami.8b13735"),
        (("http://dx.doi.org/10.1149/1.1838925.",), "10.1149/1.1838925"),
        (("https://pubs.acs.org/doi/full/10.1021/acsami.8b13735",), "10.1021/acsami.8b13735"),
        (("https://iopscience.iop.org/article/10.1149/1.1838925/meta",), "10.1149/1.1838925"),
        (("https://rsc.66557.net/en/content/articlehtml/2017/ra/c7ra01542a",), "10.1039/c7ra01542a"),
        (("https://pubs.rsc.org/en/content/articlelanding/2017/RA/C7RA01542A",), "10.1039/c7ra01542a"),
        (("https://tomesphere.com/paper/PMC12942473", ""), "PMC12942473"),
        (("https://discovery.researcher.life/article/x/c507", "https://doi.org/10.3390/ma19040744"), "10.3390/ma19040744"),
        (("https://www.osti.gov/biblio/354408/",), "osti.gov/biblio/354408"),
    ],
)
def test_source_key_resolves_doi_urls_publisher_pages_and_mirrors(texts, key):
    assert source_key(*texts) == key


def test_same_value_in_two_notations_from_a_doi_and_a_mirror_url_is_one_measurement():
    mirror = {**HNT, "record_id": "c-0001", "source": "https://doi.org/10.1021/acsami.8b13735", "conductivity_s_cm": "9.23e-5"}
    assert _pairs(HNT, mirror) == [(1, 2, "conductivity_s_cm")]
    assert _pairs({**HNT, "conductivity_s_cm": "0.00035"}, {**mirror, "conductivity_s_cm": "3.5e-4"}) == [(1, 2, "conductivity_s_cm")]


def test_a_mirror_without_doi_is_matched_by_the_abstract_it_copies():
    """Same abstract, retypeset on a mirror page (x for ×, (-4) for a superscript): the shared words decide."""
    primary = {**HNT, "source_excerpt": "The highest conductivity (approximately 3×10 −4 Ω −1 cm −1) was found at 95°C with the electrolyte composition of (TMC) 2LiClO 4.",
               "polymer": "PTMC", "filler": "none", "temperature_c": "95", "conductivity_s_cm": "0.0003"}
    mirror = {**primary, "record_id": "c-0002", "source": "https://437790.wynu.asia/research/tech/periodicals/view.php?seq=346284",
              "source_url": "https://437790.wynu.asia/research/tech/periodicals/view.php?seq=346284", "conductivity_s_cm": "3e-4",
              "source_excerpt": "The highest conductivity (approximately 3 X 10(-4) Ohm (-1) cm(-1)) was found at 95 degreesC with the electrolyte composition of (TMC)(2)LiClO4."}
    assert _pairs(primary, mirror) == [(1, 2, "conductivity_s_cm")]


@pytest.mark.parametrize(
    "change",
    [
        {"temperature_c": "60"},                                    # another condition
        {"filler_loading_wt_pct": "10"},                            # vs 5 wt% on the first row
        {"filler": "LLZTO"},                                        # another formulation
        {"conductivity_s_cm": "9.3e-5"},                            # another number
        {"source": "10.1016/j.other.2020.1", "source_url": "https://example.org/other", "source_excerpt": "another paper: 9.23 × 10-5 S cm-1 at 25 °C"},
    ],
)
def test_different_measurements_are_not_paired(change):
    first = {**HNT, "filler_loading_wt_pct": "5"}
    assert _pairs(first, {**first, "record_id": "c-0003", **change}) == []


def test_catalog_aliases_do_not_hide_a_repeat():
    assert _pairs({**HNT, "filler": "HNTs"}, {**HNT, "record_id": "c-0004", "filler": "halloysite"}) == [(1, 2, "conductivity_s_cm")]


def test_a_repeat_is_reported_on_the_later_row_naming_the_earlier_one():
    issues = check_provenance(pd.DataFrame([HNT, {**HNT, "record_id": "c-0005", "conductivity_s_cm": "9.23e-5"}]))
    [issue] = [i for i in issues if i.column == "record_id"]
    assert issue.row == 2 and "row 1 (a-0001" in issue.message and "10.1021/acsami.8b13735" in issue.message
    assert count_provenance_issues(issues)["same measurement twice"] == 1


@pytest.mark.parametrize(
    "value,excerpt,qualifier",
    [
        (4.6, "a wide electrochemical window (>4.6 V)", "lower_bound"),
        (5.0, "The GPE is stable at the potential higher than 5 V (versus Li+/Li).", "lower_bound"),
        (5.0, "an electrochemical stability window of over 5 V", "lower_bound"),
        (4.6, "a decomposition voltage ≥ 4.6 V (vs Li/Li+)", "lower_bound"),
        (1e-3, "exceeds 10−3 S cm−1 at 80 °C", "lower_bound"),
        (1e-4, "an ionic conductivity of the order of 10-4S cm-1at 80-90°C", "approximate"),
        (4.4e-3, "high room-temperature ionic conductivity (~4.4 × 10−3 S cm−1)", "approximate"),
        (1e-4, "conductivity extends from 10−4Scm−1 at RT (25°C)", "approximate"),
        (95.0, "an excellent long-cycle performance over 700 cycles at 0.5 C, superior capacity retention of over 95 %", "lower_bound"),
        (5.5, "A large potential window (similar to 5.5 V) was found for Li imide-based electrolytes.", "approximate"),
    ],
)
def test_bound_and_approximation_words_next_to_a_value_are_found(value, excerpt, qualifier):
    words = bound_words_at_value(value, excerpt)
    assert words and suggested_qualifier(words[0]) == qualifier


@pytest.mark.parametrize(
    "value,excerpt",
    [
        (4.8, "electrochemically stable up to 4.8 V vs. Li+/Li"),
        (1.2e-4, "reached 1.2 × 10⁻⁴ S cm⁻¹ at 30 °C, higher than the filler-free film"),
        (86.4, "a capacity retention rate of 86.4% after 50 cycles"),
        (1e-2, "the highest ionic conductivity, reaching 1∙10−2 S/cm at 55 °C"),
    ],
)
def test_exactly_stated_values_carry_no_bound_word(value, excerpt):
    assert bound_words_at_value(value, excerpt) == []


def test_a_bound_marked_exact_is_an_issue_until_it_is_qualified():
    exact = {**PAN_SIO2, "voltage_window_v_qualifier": "", "conductivity_s_cm_qualifier": "exact"}
    assert check_provenance(pd.DataFrame([PAN_SIO2])) == []
    issues = check_provenance(pd.DataFrame([exact]))
    assert {(i.row, i.column) for i in issues} == {(1, "voltage_window_v_qualifier"), (1, "conductivity_s_cm_qualifier")}
    assert "write lower_bound" in next(i.message for i in issues if i.column == "voltage_window_v_qualifier")
    assert count_provenance_issues(issues)["bound or approximation marked exact"] == 2


def test_qualifier_and_source_quality_vocabularies_are_validated():
    rows = pd.DataFrame([PAN_SIO2, {**PAN_SIO2, "record_id": "b-0002", "voltage_window_v_qualifier": ">", "source_quality": "mirror"}])
    _, report = validate_formulations(rows, skip_invalid=True)
    assert {(i.row, i.column) for i in report.issues} == {(2, "voltage_window_v_qualifier"), (2, "source_quality")}
    assert all("lower_bound" in i.message or "secondary" in i.message for i in report.issues)


def test_merge_moves_reviewed_out_rows_to_the_rejected_file_with_their_reason(tmp_path):
    slice_a = pd.DataFrame([HNT, {**HNT, "record_id": "a-0002", "source": "https://doi.org/10.1021/acsami.8b13735",
                                  "conductivity_s_cm": "9.23e-5", "reject_reason": "duplicate: same measurement as a-0001"}])
    slice_b = pd.DataFrame([PAN_SIO2])
    slice_a.to_csv(tmp_path / "a.csv", index=False)
    slice_b.to_csv(tmp_path / "b.csv", index=False)
    accepted, rejected = merge_curated([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert list(accepted["record_id"]) == ["a-0001", "b-0001"] and "reject_reason" not in accepted
    assert list(rejected["record_id"]) == ["a-0002"]
    assert rejected.loc[0, "reject_reason"] == "review: duplicate: same measurement as a-0001"


def test_validate_provenance_reports_both_counts(tmp_path):
    path = tmp_path / "rows.csv"
    pd.DataFrame([HNT, {**HNT, "record_id": "c-0006", "conductivity_s_cm": "9.23e-5"}]).to_csv(path, index=False)
    result = CliRunner().invoke(app, ["data", "validate", str(path), "--provenance"], env={"COLUMNS": "200"})
    assert result.exit_code != 0  # invalid rows fail the command
    assert "same measurement twice: 1" in result.output and "bound or approximation marked exact: 0" in result.output
