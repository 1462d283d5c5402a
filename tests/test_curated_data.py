"""The embedded literature dataset obeys the schema and the provenance rules, row by row."""

import pandas as pd
import pytest

from cpe_ml.curation import curated_issues
from cpe_ml.datasets import DEFAULT_DATA_PATH, load_cpe_literature
from cpe_ml.provenance import check_provenance, value_in_excerpt

DATA = load_cpe_literature()


def test_every_row_passes_schema_and_provenance_rules():
    issues = curated_issues(DATA)
    assert not issues, "\n".join(str(i) for i in issues[:20])


def test_every_row_names_source_locator_and_excerpt():
    for column in ("source", "source_url", "source_locator", "source_excerpt"):
        assert DATA[column].str.strip().ne("").all(), column
    assert DATA["source_excerpt"].str.len().le(300).all()


def test_no_value_is_imputed_targets_come_with_their_conditions():
    conductivity = pd.to_numeric(DATA["conductivity_s_cm"], errors="coerce").notna()
    assert (DATA.loc[conductivity, "temperature_c"].ne("") | DATA.loc[conductivity, "temperature_text"].ne("")).all()
    retention = pd.to_numeric(DATA["retention_pct"], errors="coerce").notna()
    assert DATA.loc[retention, "retention_cycles"].ne("").all()


@pytest.mark.parametrize(
    "value,excerpt,scales,found",
    [
        (1.2e-4, "reached 1.2 × 10⁻⁴ S cm⁻¹ at 30 °C", (1.0,), True),
        (1.2e-4, "an ionic conductivity of 0.12 mS cm−1", (1.0, 1e-3), True),
        (1.9e-4, "ionic conductivity of 0.19 × 10−3 S cm−1 at 60 °C", (1.0,), True),
        (4.8, "electrochemically stable up to 4.8 V vs. Li+/Li", (1.0,), True),
        (20000, "71% even after 20 000 cycles", (1.0,), True),
        (1.2e-5, "reached 1.2 × 10⁻⁴ S cm⁻¹ at 30 °C", (1.0,), False),
        (4.6, "electrochemically stable up to 4.8 V vs. Li+/Li", (1.0,), False),
    ],
)
def test_excerpt_number_matching_understands_paper_notation(value, excerpt, scales, found):
    assert value_in_excerpt(value, excerpt, scales) is found


def test_a_value_missing_from_its_excerpt_and_a_duplicate_are_caught():
    rows = DATA.head(3).copy()
    rows = pd.concat([rows, rows.iloc[[0]]], ignore_index=True)
    first_value = next(c for c in ("conductivity_s_cm", "voltage_window_v", "retention_pct") if rows.loc[1, c] != "")
    rows.loc[1, first_value] = "7.77"
    messages = {(i.row, i.column) for i in check_provenance(rows)}
    assert (2, first_value) in messages
    assert (4, "record_id") in messages


def test_coverage_is_reported_by_the_data_card():
    from cpe_ml.datasets.describe import describe

    card = describe(pd.read_csv(DEFAULT_DATA_PATH, dtype=str, keep_default_na=False))
    assert card.n_rows == len(DATA) and card.n_sources == DATA["source"].nunique()
