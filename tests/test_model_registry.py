"""One source of truth for "the model": registered pyfunc models, generations of bundles, the champion predict uses."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from cpe_ml.models.bundle import file_sha256, load_bundles, read_manifest
from cpe_ml.prediction import predict_formulations, validate_candidates
from cpe_ml.tracking import input_schema

ROOT = Path(__file__).resolve().parents[1]
CURATED = ROOT / "data" / "cpe_literature.csv"
CPE_ML = [sys.executable, "-c", "from cpe_ml.cli import app; app()"]

#: An ordinary numeric DataFrame, as a chemist types it: ints, floats, NaN, optional columns absent.
NUMERIC_REQUEST = pd.DataFrame({
    "polymer": ["PEO", "PEO", "PVDF-HFP"],
    "salt": ["LiTFSI", "LiTFSI", "LiTFSI"],
    "salt_eo_li_ratio": [16, 20, np.nan],
    "salt_wt_pct": [np.nan, np.nan, 30.0],
    "filler": ["LLZTO", "none", "none"],
    "filler_loading_wt_pct": [10.0, np.nan, np.nan],
    "temperature_c": [60, 25, 30],
})


@pytest.fixture()
def registry(trained_models):
    mlflow.set_tracking_uri(trained_models.tracking_uri)
    mlflow.set_registry_uri(trained_models.tracking_uri)
    return trained_models


def test_registered_champion_predicts_an_ordinary_numeric_dataframe(registry):
    model = mlflow.pyfunc.load_model("models:/cpe-conductivity@champion")
    served = model.predict(NUMERIC_REQUEST)
    expected = predict_formulations(NUMERIC_REQUEST, {"conductivity": registry.bundles["conductivity"]}, explain=False).predictions
    for column in ("pred_conductivity", "pred_conductivity_lo", "pred_conductivity_hi"):
        np.testing.assert_allclose(served[column].to_numpy(dtype=float), expected[column].to_numpy(dtype=float), rtol=1e-6)
    assert list(served["confidence"]) == list(expected["confidence"])
    inputs = {spec.name: spec for spec in model.metadata.get_input_schema().inputs[0].type.properties}  # one object per row
    assert not any(spec.required for spec in inputs.values())  # optional columns optional
    assert {"polymer", "salt", "salt_eo_li_ratio", "filler_loading_wt_pct", "temperature_c"} <= set(inputs)


def test_registered_model_is_code_plus_bundle_not_a_cloudpickle(registry):
    local = Path(mlflow.artifacts.download_artifacts("models:/cpe-conductivity@champion"))
    assert (local / "pyfunc_model.py").is_file() and any(local.rglob("*.joblib"))
    assert not list(local.rglob("*.pkl"))  # a cloudpickled PythonModel would be python_model.pkl


def test_mlflow_evaluate_scores_the_champion_on_measured_rows(registry, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # evaluation artifacts go under ./mlruns
    rows = pd.read_csv(CURATED)
    rows = rows.loc[rows["conductivity_s_cm"].notna()].reset_index(drop=True)
    inputs = rows[[c for c in input_schema().input_names() if c in rows]]
    # rows that are complete, consistent prediction requests (a training row may lack a salt, or state two amounts)
    kept = validate_candidates(inputs, skip_invalid=True, require_temperature=True).kept[:40]
    data = inputs.iloc[kept].assign(log10_conductivity=np.log10(rows["conductivity_s_cm"].iloc[kept]))
    mlflow.set_experiment("evaluate-champion")
    with mlflow.start_run():
        result = mlflow.models.evaluate("models:/cpe-conductivity@champion", data, targets="log10_conductivity", model_type="regressor",
                                        predictions="pred_conductivity", evaluator_config={"log_model_explainability": False})
    assert result.metrics["example_count"] == len(data)
    assert 0 < result.metrics["mean_absolute_error"] < 2  # log10 S/cm, in-sample rows


def test_trained_models_are_one_generation_that_matches_the_registry(registry):
    manifest = read_manifest(registry.models_dir)
    client = MlflowClient()
    assert set(manifest["bundles"]) == set(registry.bundles)
    for name, entry in manifest["bundles"].items():
        assert entry["generation"] == manifest["generation"]
        assert file_sha256(registry.models_dir / entry["file"]) == entry["sha256"]
        assert registry.bundles[name].registered_version == entry["registered_version"]
        assert str(client.get_model_version_by_alias(entry["registered_name"], "champion").version) == entry["registered_version"]


def _cli(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*CPE_ML, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_env())


def _env() -> dict[str, str]:
    """This process's environment without the store an earlier test pointed MLflow at (set_tracking_uri exports it)."""
    return {**{k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}, "COLUMNS": "250"}


def _small_conductivity_table(path: Path) -> None:
    curated = pd.read_csv(CURATED, dtype=str, keep_default_na=False)
    curated[curated["conductivity_s_cm"] != ""].head(80).to_csv(path, index=False)


def test_predict_uses_the_champion_after_a_non_improving_retrain_and_says_so(tmp_path):
    _small_conductivity_table(tmp_path / "lab.csv")
    train = ["train", "--data", "lab.csv", "--targets", "conductivity", "--folds", "2"]
    for _ in range(2):  # same data and seed: the second CV MAE equals the champion's, which does not beat it
        done = _cli(train, tmp_path)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "does not beat champion v1" in " ".join(done.stdout.split())
    assert read_manifest(tmp_path / "models")["bundles"]["conductivity"]["registered_version"] == "2"
    candidates = ["predict", str(ROOT / "data" / "examples" / "candidates.csv"), "-o", "out.csv", "--top", "0"]
    used = _cli(candidates, tmp_path)
    text = " ".join(used.stdout.split())
    assert used.returncode == 0, used.stderr[-2000:]
    assert "conductivity: cpe-conductivity v1 (@champion)" in text
    assert "latest training (v2" in text and "cpe-ml models promote cpe-conductivity 2" in text
    listed = _cli(["models", "list"], tmp_path)
    assert listed.returncode == 0 and "champion" in listed.stdout and "cpe-conductivity" in listed.stdout
    promoted = _cli(["models", "promote", "cpe-conductivity", "2"], tmp_path)
    assert promoted.returncode == 0 and "@champion v2 (was v1)" in promoted.stdout
    used = _cli(candidates, tmp_path)
    assert "conductivity: cpe-conductivity v2 (@champion)" in used.stdout and "latest training" not in used.stdout
    legacy = _cli([*candidates[:-2], "--models-dir", "models", "--top", "0"], tmp_path)  # --models-dir still wins
    assert legacy.returncode == 0 and "cpe-conductivity v2" in legacy.stdout and "generation" in legacy.stdout
    missing = _cli(["models", "promote", "cpe-conductivity", "9"], tmp_path)
    assert missing.returncode == 2 and "no such registered model version" in missing.stderr


def test_a_training_killed_after_its_first_bundle_leaves_one_complete_generation_matching_the_registry(tmp_path):
    train = ["train", "--data", str(CURATED), "--targets", "voltage_window,retention", "--folds", "2"]
    first = _cli(train, tmp_path)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    models = tmp_path / "models"
    before = (models / "CURRENT.json").read_text()
    live = json.loads(before)["generation"]
    killed = subprocess.Popen([*CPE_ML, *train, "--seed", "1"], cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    try:
        while not [p for p in (models / "generations").glob("*/*.joblib") if p.parent.name != live]:
            assert killed.poll() is None, "the training ended before its first bundle was seen"
            assert time.monotonic() < deadline, "no bundle of the second training within 300 s"
            time.sleep(0.05)
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    assert (models / "CURRENT.json").read_text() == before  # the killed generation never went live
    manifest = read_manifest(models)
    bundles = load_bundles(models)  # every file the manifest names is there, whole, with its digest
    assert set(bundles) == {"voltage_window", "retention"}
    client = MlflowClient(tracking_uri="sqlite:///" + str(tmp_path / "mlflow.db"))
    for name, entry in manifest["bundles"].items():
        assert entry["generation"] == live and bundles[name].registered_version == entry["registered_version"]
        assert str(client.get_model_version_by_alias(entry["registered_name"], "champion").version) == entry["registered_version"]
    orphans = [p for p in (models / "generations").iterdir() if p.name != live]
    assert orphans  # the killed run's half generation, never read
    again = _cli(train, tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    generations = {p.name for p in (models / "generations").iterdir()}
    assert not generations & {p.name for p in orphans}  # pruned by the next training
    assert read_manifest(models)["generation"] in generations
    statuses = {r.info.status for r in client.search_runs([client.get_experiment_by_name("cpe-ml").experiment_id])}
    assert "RUNNING" not in statuses and "KILLED" in statuses
