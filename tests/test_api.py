"""The Python API (CPEModel), the quickstart that shows it, and small-data training refused clearly."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from typer.testing import CliRunner

from cpe_ml import CPEModel
from cpe_ml.cli import app

ROOT = Path(__file__).resolve().parents[1]
CURATED = ROOT / "data" / "cpe_literature.csv"


def test_quickstart_runs_and_shows_fit_predict_score_save():
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "quickstart.py")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "3-fold CV over held-out source papers: MAE" in result.stdout
    assert "PEO-LLZTO" in result.stdout and "PVDF-HFP-SN" in result.stdout
    assert "same predictions" in result.stdout


def test_cpe_model_fits_a_dataframe_like_train_py_and_predicts_intervals_and_flags():
    rows = pd.read_csv(CURATED)
    model = CPEModel(targets=["voltage_window"], folds=3, seed=0)
    assert clone(model).get_params() == model.get_params()  # a scikit-learn estimator
    model.fit(rows)
    assert set(model.bundles_) == {"voltage_window"}
    # exact and approximate values train; a bound (">4.6 V") is not a value
    stated = rows["voltage_window_v"].notna() & rows["voltage_window_v_qualifier"].fillna("").ne("lower_bound")
    assert model.bundles_["voltage_window"].n_train == int(stated.sum())
    assert 0.1 < model.cv_metrics_["voltage_window"]["mae"] < 1.5  # V, held-out papers
    candidates = rows.loc[rows["salt"].notna() & rows["voltage_window_v"].notna()].head(6).drop(columns=["voltage_window_v"])
    predicted = model.predict(candidates)
    assert list(predicted.columns[: len(candidates.columns)]) == list(candidates.columns)  # inputs kept, in order
    low, mid, high = (predicted[f"pred_voltage_window{s}"].to_numpy() for s in ("_lo", "", "_hi"))
    assert np.all(low <= mid) and np.all(mid <= high) and np.all((mid > 2) & (mid < 8))
    assert set(predicted["confidence"]) <= {"high", "medium", "low"}
    assert np.isfinite(model.score(rows))
    with pytest.raises(ValueError, match="no fitted 'conductivity' model"):
        model.score(rows, target="conductivity")


def _train(args: list[str], cwd: Path):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, ["train", *args], env={"COLUMNS": "200"})
    finally:
        os.chdir(old)


def _one_source_rows(n: int) -> pd.DataFrame:
    rows = pd.read_csv(CURATED, dtype=str, keep_default_na=False)
    rows = rows.loc[rows["conductivity_s_cm"].ne("") & rows["salt"].ne("") & rows["temperature_c"].ne("")]
    source = rows["source"].value_counts().index[0]
    chosen = rows.loc[rows["source"].eq(source)].head(n)
    if len(chosen) < n:  # the largest paper is smaller: relabel rows of others as it (one source, as a lab table)
        chosen = pd.concat([chosen, rows.loc[rows["source"].ne(source)].head(n - len(chosen)).assign(source=source)])
    return chosen


def test_too_few_rows_names_the_minimum_and_exits_nonzero_writing_nothing(tmp_path):
    _one_source_rows(16).to_csv(tmp_path / "lab.csv", index=False)
    result = _train(["--data", "lab.csv", "--targets", "conductivity", "--cv", "random"], tmp_path)
    assert result.exit_code == 2, result.output
    assert "nothing could be trained" in result.output and "only 16 row(s) with conductivity_s_cm" in result.output
    assert "at least 20" in result.output
    assert not (tmp_path / "models").exists() and not (tmp_path / "mlflow.db").exists()


def test_paper_cv_on_one_source_explains_and_suggests_random_cv(tmp_path):
    _one_source_rows(20).to_csv(tmp_path / "lab.csv", index=False)
    result = _train(["--data", "lab.csv", "--targets", "conductivity", "--cv", "paper"], tmp_path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "--cv paper holds out whole source papers" in text and "use --cv random" in text and "more source paper" in text
    followed = _train(["--data", "lab.csv", "--targets", "conductivity", "--cv", "random", "--folds", "2"], tmp_path)
    assert followed.exit_code == 0, followed.output
    assert (tmp_path / "models" / "CURRENT.json").is_file()
