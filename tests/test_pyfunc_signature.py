"""The registered pyfunc model on ordinary DataFrames: as ``pd.read_csv`` reads a file, and as typed by hand."""

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from cpe_ml.prediction import predict_formulations
from cpe_ml.schema import COLUMNS
from cpe_ml.tracking import FormulationRow, input_schema, request_records, typed_request

CANDIDATES = Path(__file__).resolve().parents[1] / "data" / "examples" / "candidates.csv"
CHAMPION = "models:/cpe-conductivity@champion"

#: Typed by hand: int columns (EO:Li, wt%, C), a float column, text, no optional column beyond these.
BY_HAND = pd.DataFrame({
    "polymer": ["PEO", "PEO", "PAN"],
    "salt": ["LiTFSI", "LiTFSI", "LiClO4"],
    "salt_eo_li_ratio": [16, 20, 8],
    "filler": ["LLZTO", "SiO2", "none"],
    "filler_loading_wt_pct": [10, 5, 0],
    "filler_size_nm": [400.0, 12.0, np.nan],
    "temperature_c": [60, 25, 30],
})


@pytest.fixture()
def champion(trained_models):
    mlflow.set_tracking_uri(trained_models.tracking_uri)
    mlflow.set_registry_uri(trained_models.tracking_uri)
    return mlflow.pyfunc.load_model(CHAMPION), trained_models.bundles["conductivity"]


def _read_candidates(tmp_path: Path) -> pd.DataFrame:
    """The README's example candidates plus an all-empty text column, read back by plain ``pd.read_csv``."""
    path = tmp_path / "candidates.csv"
    pd.read_csv(CANDIDATES, dtype=str, keep_default_na=False).assign(plasticizer_smiles="").to_csv(path, index=False)
    return pd.read_csv(path)


def _assert_same_predictions(served: pd.DataFrame, frame: pd.DataFrame, bundle) -> None:
    expected = predict_formulations(frame, {"conductivity": bundle}, explain=False).predictions
    assert len(served) == len(frame)
    for column in ("pred_conductivity", "pred_conductivity_lo", "pred_conductivity_hi"):
        np.testing.assert_allclose(served[column].to_numpy(dtype=float), expected[column].to_numpy(dtype=float), rtol=1e-6)


def test_champion_predicts_a_csv_as_read_csv_reads_it(champion, tmp_path):
    model, bundle = champion
    frame = _read_candidates(tmp_path)
    assert frame["salt_eo_li_ratio"].dtype == np.int64 and frame["temperature_c"].dtype == np.int64
    assert frame["plasticizer_smiles"].isna().all() and frame["plasticizer_smiles"].dtype == np.float64
    _assert_same_predictions(model.predict(frame), frame, bundle)


def test_champion_predicts_a_dataframe_typed_by_hand(champion):
    model, bundle = champion
    assert BY_HAND["filler_loading_wt_pct"].dtype == np.int64
    _assert_same_predictions(model.predict(BY_HAND), BY_HAND, bundle)


def test_mlflow_evaluate_scores_the_champion_on_a_dataframe_typed_by_hand(champion, trained_models, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # evaluation artifacts go under ./mlruns
    model, bundle = champion
    measured = BY_HAND.assign(log10_conductivity=[-3.6, -5.1, -4.4])
    mlflow.set_experiment("evaluate-by-hand")
    with mlflow.start_run():
        result = mlflow.models.evaluate(CHAMPION, measured, targets="log10_conductivity", model_type="regressor",
                                        predictions="pred_conductivity", evaluator_config={"log_model_explainability": False})
    predicted = predict_formulations(BY_HAND, {"conductivity": bundle}, explain=False).predictions["pred_conductivity"]
    assert result.metrics["example_count"] == 3
    assert result.metrics["mean_absolute_error"] == pytest.approx(np.mean(np.abs(predicted - measured["log10_conductivity"])), rel=1e-6)


def test_logged_signature_types_numbers_as_double_and_text_as_string_all_optional(champion):
    model, _ = champion
    (row,) = model.metadata.get_input_schema().inputs  # one object per request row
    logged = {p.name: (p.dtype.name, p.required) for p in row.type.properties}
    expected = {c.name: ("double" if c.dtype == "float" else "string", False) for c in COLUMNS if c.kind in ("formulation", "condition")}
    assert logged == expected
    assert {spec.name: (spec.type.name, spec.required) for spec in input_schema().inputs} == expected
    assert logged["salt_eo_li_ratio"] == ("double", False) and logged["polymer"] == ("string", False)


def test_typed_request_types_numbers_as_float_and_text_as_str(tmp_path):
    typed = typed_request(_read_candidates(tmp_path))
    numbers = {c.name for c in COLUMNS if c.dtype == "float"}
    for name in typed:
        values = typed[name].dropna()
        assert all(isinstance(v, float) for v in values) if name in numbers else all(isinstance(v, str) for v in values), name
    assert typed["plasticizer_smiles"].isna().all() and typed["salt_eo_li_ratio"].dtype == np.float64
    first = request_records(_read_candidates(tmp_path))[0]
    assert first == {"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": 16.0, "filler": "LLZTO", "filler_loading_wt_pct": 15.0,
                     "filler_morphology": "particle", "process": "solution_casting", "temperature_c": 25.0, "cathode": "LFP",
                     "c_rate": 0.5, "retention_cycles": 200.0}  # record_id is no request column; empty cells left out


class _Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:  # typed by the signature given
        return model_input


class _Rows(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input: list[FormulationRow], params=None) -> list[dict]:
        return [row.model_dump(exclude_unset=True) for row in model_input]


@pytest.mark.filterwarnings("ignore:.*An input example was not provided")  # tiny stand-in models
def test_column_types_refuse_what_read_csv_gives_and_the_row_type_does_not(tmp_path):
    """Why the signature comes from :data:`FormulationRow`: MLflow's column types refuse an int64 column as
    ``double`` and an all-empty column (float NaN) as ``string``. If the first half fails, MLflow accepts
    these frames now and plain column types would do."""
    typed = Schema([ColSpec("string", "polymer", required=False), ColSpec("string", "plasticizer_smiles", required=False),
                    ColSpec("double", "temperature_c", required=False)])
    mlflow.pyfunc.save_model(tmp_path / "columns", python_model=_Echo(), signature=ModelSignature(inputs=typed),
                             pip_requirements=["mlflow"])  # no environment inference (a subprocess, ~8 s)
    mlflow.pyfunc.save_model(tmp_path / "rows", python_model=_Rows(), pip_requirements=["mlflow"])
    columns, rows = (mlflow.pyfunc.load_model(str(tmp_path / name)) for name in ("columns", "rows"))
    ints = pd.DataFrame({"polymer": ["PEO"], "temperature_c": [60]})
    empty_text = pd.DataFrame({"polymer": ["PEO"], "plasticizer_smiles": [np.nan], "temperature_c": [60.0]})
    with pytest.raises(MlflowException, match="int64"):
        columns.predict(ints)
    with pytest.raises(MlflowException, match="plasticizer_smiles"):
        columns.predict(empty_text)
    assert rows.predict(ints) == [{"polymer": "PEO", "temperature_c": 60}]  # as given: validation is the model's
    assert rows.predict(empty_text) == [{"polymer": "PEO", "plasticizer_smiles": None, "temperature_c": 60.0}]
    assert rows.predict([{"polymer": "PEO", "colour": "red"}]) == [{"polymer": "PEO", "colour": "red"}]  # for "did you mean"
