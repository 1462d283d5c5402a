"""Prediction of candidate formulations: order and ids kept, invalid rows reported, domain flags,
temperature monotonicity, per-formulation broadcasting, the CSV writer and the explanation waterfall."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cpe_ml.cli import app
from cpe_ml.explain import contributions, find_row, waterfall_plot
from cpe_ml.prediction import predict_formulations, write_predictions
from cpe_ml.validation import FormulationValidationError, read_formulations

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
CANDIDATES = EXAMPLES / "candidates.csv"
PREDICTED = ["pred_conductivity", "pred_conductivity_s_cm", "pred_voltage_window", "pred_retention"]


@pytest.fixture(scope="module")
def candidates() -> pd.DataFrame:
    return read_formulations(CANDIDATES)


@pytest.fixture(scope="module")
def predicted(candidates, trained_models):
    return predict_formulations(candidates, trained_models.bundles)


def test_output_keeps_input_order_ids_and_columns(candidates, trained_models):
    shuffled = candidates.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled["lab_note"] = [f"note {i}" for i in range(len(shuffled))]  # an extra, non-schema column
    out = predict_formulations(shuffled, trained_models.bundles).predictions
    assert list(out.columns[: len(shuffled.columns)]) == list(shuffled.columns)
    pd.testing.assert_frame_equal(out[shuffled.columns], shuffled)
    for column in (*PREDICTED, "ad_flags", "confidence", "explain_conductivity"):
        assert column in out
    assert out["pred_conductivity_s_cm"].between(1e-12, 1).all()
    assert (out["pred_conductivity_lo"] <= out["pred_conductivity"]).all() and (out["pred_conductivity"] <= out["pred_conductivity_hi"]).all()


def test_json_records_give_the_same_predictions_as_csv(predicted, trained_models):
    from_json = predict_formulations(read_formulations(EXAMPLES / "candidates.json"), trained_models.bundles).predictions
    assert list(from_json["record_id"]) == list(predicted.predictions["record_id"])
    for column in (*PREDICTED, "ad_flags", "confidence"):
        assert list(from_json[column]) == list(predicted.predictions[column]), column


def test_invalid_rows_are_reported_with_row_and_column(candidates, trained_models):
    bad = candidates.copy()
    bad.loc[2, "polymer"] = "PEOO"
    bad.loc[6, "filler_loading_wt_pct"] = "140"
    bad.loc[9, "record_id"] = bad.loc[0, "record_id"]
    with pytest.raises(FormulationValidationError) as err:
        predict_formulations(bad, trained_models.bundles)
    issues = {(i.row, i.column) for i in err.value.report.issues}
    assert issues == {(3, "polymer"), (7, "filler_loading_wt_pct"), (10, "record_id")}

    kept = predict_formulations(bad, trained_models.bundles, skip_invalid=True)
    assert list(kept.skipped["row"]) == [3, 7, 10] and list(kept.skipped["file_line"]) == [4, 8, 11]
    expected_ids = [rid for i, rid in enumerate(bad["record_id"]) if i not in (2, 6, 9)]
    assert list(kept.predictions["record_id"]) == expected_ids


def test_repeated_formulations_are_each_reported(candidates, trained_models):
    """Validation works once per distinct formulation but still names every offending row."""
    rows = pd.concat([candidates.head(4)] * 50, ignore_index=True)
    rows["record_id"] = [f"r{i}" for i in range(len(rows))]
    rows.loc[rows.index % 4 == 1, "salt"] = "LiTFSX"
    with pytest.raises(FormulationValidationError) as err:
        predict_formulations(rows, trained_models.bundles)
    assert [i.row for i in err.value.report.issues] == list(range(2, 201, 4))
    assert {i.column for i in err.value.report.issues} == {"salt"}


def test_cli_skip_invalid_writes_a_side_file(candidates, trained_models, tmp_path):
    bad = candidates.copy()
    bad.loc[4, "process"] = "solution_castng"
    source = tmp_path / "candidates.csv"
    bad.to_csv(source, index=False)
    output = tmp_path / "out.csv"
    args = ["predict", str(source), "-o", str(output), "--models-dir", str(trained_models.models_dir)]
    stopped = CliRunner().invoke(app, args)
    assert stopped.exit_code == 2 and not output.exists()
    done = CliRunner().invoke(app, [*args, "--skip-invalid"])
    assert done.exit_code == 0, done.output
    side = pd.read_csv(tmp_path / "out_skipped.csv")
    assert list(side[["row", "column", "value"]].itertuples(index=False, name=None)) == [(5, "process", "solution_castng")]
    assert "solution_casting" in side["message"].iloc[0]
    written = read_formulations(output)
    assert list(written["record_id"]) == [r for i, r in enumerate(bad["record_id"]) if i != 4]


def test_unknown_chemistry_is_flagged(predicted):
    out = predicted.predictions.set_index("record_id")
    unusual = out.loc["cand-17"]  # poly(trimethylene sulfide), given only by its repeat-unit SMILES
    assert "unseen polymer" in unusual["ad_flags"] and unusual["confidence"] == "low"
    assert "unseen polymer" in unusual["ad_flags_conductivity"]
    assert "unseen polymer" not in out.loc["cand-01", "ad_flags"]  # PEO is in the training data


def test_conductivity_is_monotone_in_temperature(candidates, trained_models):
    temperatures = list(range(-20, 121, 10))
    out = predict_formulations(candidates, trained_models.bundles, temperatures=temperatures).predictions
    assert len(out) == len(candidates) * len(temperatures)
    assert list(out["record_id"].iloc[: len(temperatures)]) == [candidates["record_id"].iloc[0]] * len(temperatures)
    curves = out["pred_conductivity"].to_numpy().reshape(len(candidates), len(temperatures))
    assert (np.diff(curves, axis=1) >= -1e-9).all()
    assert (curves[:, -1] > curves[:, 0]).all()  # and it does rise


def test_temperature_expansion_reports_input_rows(candidates, trained_models):
    bad = candidates.copy()
    bad.loc[5, "salt"] = "LiXYZ"
    with pytest.raises(FormulationValidationError) as err:
        predict_formulations(bad, trained_models.bundles, temperatures=[25, 60])
    assert [(i.row, i.column) for i in err.value.report.issues] == [(6, "salt")]
    with pytest.raises(ValueError, match="outside"):
        predict_formulations(candidates, trained_models.bundles, temperatures=[25, 400])


@pytest.fixture(scope="module")
def many(candidates, trained_models):
    """5,000 rows drawn from the 18 example formulations."""
    picks = np.random.default_rng(0).integers(len(candidates), size=5000)
    rows = candidates.iloc[picks].reset_index(drop=True)
    rows["record_id"] = [f"m{i}" for i in range(len(rows))]
    return picks, predict_formulations(rows, trained_models.bundles)


def test_many_rows_get_the_prediction_of_their_formulation(predicted, many):
    picks, result = many
    assert len(result.distinct) <= 18  # predicted once per formulation ...
    out, reference = result.predictions, predicted.predictions.iloc[picks].reset_index(drop=True)
    for column in (*PREDICTED, "ad_flags", "explain_retention"):  # ... and broadcast to its rows
        assert list(out[column]) == list(reference[column]), column


def test_written_csv_reads_back_identically(predicted, many, tmp_path):
    odd = predicted.predictions.assign(notes=["with, comma", 'with "quotes"', "two\nlines"] + [""] * (len(predicted.predictions) - 3))
    for source, name in ((many[1], "result.csv"), (odd, "frame.csv")):
        path = tmp_path / name
        write_predictions(source, path, chunk_rows=1000)
        expected = source if isinstance(source, pd.DataFrame) else source.predictions
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert list(back.columns) == list(expected.columns)
        for column in expected.columns:
            if pd.api.types.is_numeric_dtype(expected[column]):
                assert np.array_equal(pd.to_numeric(back[column]).to_numpy(dtype=float), expected[column].to_numpy(dtype=float), equal_nan=True), column
            else:
                assert list(back[column]) == list(expected[column].fillna("").astype(str)), column


def test_explain_waterfall_adds_up_and_is_written(candidates, predicted, trained_models, tmp_path):
    assert find_row(candidates, "cand-05") == 4 and find_row(candidates, "3") == 2
    with pytest.raises(LookupError):
        find_row(candidates, "no-such-id")
    path = tmp_path / "why.png"
    table = waterfall_plot(candidates, trained_models.bundles, "cand-05", path)
    assert path.stat().st_size > 10_000 and path.read_bytes()[:4] == b"\x89PNG"
    assert set(table["target"]) == set(trained_models.bundles)
    bundle = trained_models.bundles["conductivity"]
    one = table.loc[table["target"] == "conductivity"]
    assert len(one) == len(bundle.feature_names) + 1  # every feature plus the base value
    from cpe_ml.prediction import fill_conditions, validate_candidates

    clean, _ = fill_conditions(validate_candidates(candidates.iloc[[4]]).clean)
    prediction = bundle.model.predict(bundle.featurizer.transform(clean).astype(np.float32))[0]
    assert one["contribution"].sum() == pytest.approx(prediction, abs=1e-3)
    assert contributions(candidates, trained_models.bundles, 5).equals(table)
    # The explanation column is the concept sums of the same contributions, largest first.
    sums = one.loc[one["feature"] != "(base value)"].groupby("concept")["contribution"].sum()
    text = predicted.predictions.loc[4, "explain_conductivity"]
    shown = {part.rsplit(" ", 1)[0]: float(part.rsplit(" ", 1)[1]) for part in text.split("; ")}
    assert list(shown) == [c for c in sums.abs().sort_values(ascending=False).index if round(abs(sums[c]), 2) > 0]
    assert all(shown[c] == pytest.approx(sums[c], abs=0.006) for c in shown)
    assert {"temperature", "filler", "salt", "polymer"} <= set(shown)
    # Single features are readable and never an unstated value ("plasticizer_wt_pct = nan")
    details = predicted.predictions.loc[4, "explain_conductivity_features"]
    assert "__" not in details and "nan" not in details and "temperature 298 K" in details
    assert not one.loc[one["stated"], "value"].isna().any()


def test_cli_explain_writes_the_png_and_rejects_unknown_ids(trained_models, tmp_path):
    output = tmp_path / "p.csv"
    base = ["predict", str(CANDIDATES), "-o", str(output), "--models-dir", str(trained_models.models_dir)]
    done = CliRunner().invoke(app, [*base, "--explain", "cand-17"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "p_explain_cand-17.png").is_file()
    assert CliRunner().invoke(app, [*base, "--explain", "nope"]).exit_code == 2


def test_a_liquid_electrolyte_is_predicted_and_flagged_by_a_model_that_never_saw_one(trained_models):
    """The default training leaves liquids out: a liquid candidate still gets finite VTF parameters (NaN polymer
    descriptors, T0 from the training median), but says it is outside what the model learned: confidence low."""
    liquid = pd.DataFrame([{"record_id": "lp30", "electrolyte_type": "liquid", "salt": "LiPF6", "salt_molality_mol_kg": 1.0,
                            "plasticizer": "EC+DMC", "plasticizer_wt_pct": 87, "filler": "none", "temperature_c": 25}])
    out = predict_formulations(liquid, {"conductivity": trained_models.bundles["conductivity"]}).predictions.iloc[0]
    for column in ("pred_conductivity", "pred_log10_prefactor", "pred_pseudo_activation_k", "pred_t0_k"):
        assert np.isfinite(out[column]), column
    assert out["confidence"] == "low" and "unseen electrolyte_type liquid" in out["ad_flags"]
