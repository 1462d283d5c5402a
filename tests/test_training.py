"""Training: validation gate, determinism, MLflow records and the champion rule, on the real curated data."""

import re
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from cpe_ml import tracking
from cpe_ml.cli.common import console
from cpe_ml.cli.train import _print_summary
from cpe_ml.datasets import DEFAULT_DATA_PATH
from cpe_ml.evaluation.baselines import BASELINES
from cpe_ml.models.bundle import bundle_path, load_bundle
from cpe_ml.models.targets import TARGETS
from cpe_ml.training import TrainConfig, train
from cpe_ml.validation import FormulationValidationError


def _config(tmp: Path, **overrides) -> TrainConfig:
    return TrainConfig(**{"tracking_uri": f"sqlite:///{tmp}/mlflow.db", "models_dir": tmp / "models", "folds": 3,
                          "targets": ["voltage_window"], "xgb_params": {"n_estimators": 80}, **overrides})


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    return tmp, train(_config(tmp, targets=["conductivity", "voltage_window", "retention"]))


def test_bad_data_stops_training_and_writes_nothing(tmp_path):
    bad = pd.read_csv(DEFAULT_DATA_PATH, dtype=str, keep_default_na=False).head(30)
    bad.loc[3, "filler_loading_wt_pct"] = "150"
    bad.loc[7, "polymer"] = "PEOO"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(FormulationValidationError) as err:
        train(_config(tmp_path, data=[path]))
    assert {(i.row, i.column) for i in err.value.report.issues} >= {(4, "filler_loading_wt_pct"), (8, "polymer")}
    assert not (tmp_path / "models").exists()
    assert not (tmp_path / "mlflow.db").exists()


def test_mlflow_store_holds_parent_child_runs_metrics_plots_dataset_and_models(first_run):
    tmp, summary = first_run
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp}/mlflow.db", registry_uri=f"sqlite:///{tmp}/mlflow.db")
    parent = client.get_run(summary.parent_run_id)
    assert parent.data.tags["data_digest"] == summary.data_digest and parent.data.tags["catalog_version"]
    children = client.search_runs([parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert {c.data.tags["target"] for c in children} == {"conductivity", "voltage_window", "retention"}
    for child in children:
        unit = tracking.metric_unit(TARGETS[child.data.tags["target"]].unit)  # log10_s_cm, v, pct
        assert {f"cv_mae_{unit}", f"cv_rmse_{unit}", "cv_r2", "cv_spearman", "cv_interval_coverage_pct", "cv_skill_pct",
                f"baseline_polymer_mean_mae_{unit}", f"baseline_ridge_mae_{unit}", f"baseline_global_mean_mae_{unit}"} <= set(child.data.metrics)
        artifacts = {a.path for a in client.list_artifacts(child.info.run_id)}
        assert {"parity.png", "residuals_by_group.png", "feature_importance.png", "cv_predictions.csv"} <= artifacts
        assert child.inputs.dataset_inputs, "training dataset not logged"
        history = client.get_metric_history(child.info.run_id, f"fold_mae_{unit}")
        assert len(history) == 3
    conductivity = next(c for c in children if c.data.tags["target"] == "conductivity")
    assert "dependence_temperature.png" in {a.path for a in client.list_artifacts(conductivity.info.run_id)}
    for name in ("cpe-conductivity", "cpe-voltage-window", "cpe-retention"):
        assert str(client.get_model_version_by_alias(name, "champion").version) == "1"


def test_mlflow_reads_well_typed_experiment_named_runs_and_model_cards(first_run):
    """The UI's way in: a model-training experiment, run names saying what ran, cards as descriptions."""
    tmp, summary = first_run
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp}/mlflow.db", registry_uri=f"sqlite:///{tmp}/mlflow.db")
    parent = client.get_run(summary.parent_run_id)
    experiment = client.get_experiment(parent.info.experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert "one parent run per training" in experiment.tags["mlflow.note.content"]
    assert re.fullmatch(r"train · default data \(curated [\d,]+ \+ public [\d.]+k rows\) · paper-grouped 3-fold CV", parent.info.run_name)
    for result in summary.results:
        target, model = TARGETS[result.target], result.cv.metrics["model"]
        assert f"- **{result.target}**: {result.n_rows:,} rows, CV MAE {model['mae']:.3g} {target.unit} against" in parent.data.tags["mlflow.note.content"]
        child = client.get_run(result.run_id)
        assert child.info.run_name.startswith(f"{result.target} · {result.n_rows:,} rows · MAE {model['mae']:.3g} {target.unit}")
        card = child.data.tags["mlflow.note.content"]
        assert f"- **model**: MAE **{model['mae']:.3g}**, RMSE" in card and "**Known limits**" in card
        assert "1 - MAE / MAE(best baseline" in card and ("no skill" in card) != result.beats_best_baseline
        unit = tracking.metric_unit(target.unit)
        assert child.data.metrics[f"cv_mae_{unit}"] == pytest.approx(model["mae"], rel=1e-3)  # 4 significant digits
        assert child.data.metrics[f"cv_mae_{unit}"] == float(f"{model['mae']:.4g}")
        version = client.get_model_version(target.registered_name, result.model_version)
        assert version.description.startswith(card) and "**Champion rule**: first champion" in version.description
        registered = client.get_registered_model(target.registered_name).description
        assert "## Champion: version 1" in registered and card in registered


def test_training_table_prints_every_baseline_beside_the_model(first_run):
    _, summary = first_run
    with console.capture() as captured:
        _print_summary(summary)
    text = captured.get()
    for r in summary.results:
        line = next(row for row in text.splitlines() if r.target in row and "│" in row)
        assert all(f"{r.cv.metrics[b]['mae']:.3f}" in line for b in BASELINES), line
    assert all(b.replace("_", "-") in text for b in BASELINES)


def test_bundles_are_self_contained(first_run):
    tmp, summary = first_run
    bundle = load_bundle(bundle_path(tmp / "models", "conductivity"))
    assert bundle.data_digest == summary.data_digest and bundle.cv_protocol == "paper"
    assert len(bundle.feature_ranges()) == len(bundle.feature_names)
    assert not list((tmp / "models").glob("*.tmp"))


def test_same_data_and_seed_give_identical_metrics_and_champion_moves_only_on_improvement(first_run):
    tmp, summary = first_run
    again = train(_config(tmp))
    before = next(r for r in summary.results if r.target == "voltage_window").cv.metrics
    assert again.results[0].cv.metrics == before
    assert again.results[0].model_version == "2" and not again.results[0].champion_moved
    mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
    mlflow.set_registry_uri(f"sqlite:///{tmp}/mlflow.db")
    mae = before["model"]["mae"]
    moved, reason = tracking.promote_champion("cpe-voltage-window", "2", mae + 0.1, summary.data_digest, "paper")
    assert not moved and "does not beat" in reason
    moved, reason = tracking.promote_champion("cpe-voltage-window", "2", mae * 0.5, "other-digest", "paper")
    assert not moved and "not comparable" in reason
    moved, _ = tracking.promote_champion("cpe-voltage-window", "2", mae * 0.5, summary.data_digest, "paper")
    assert moved
    assert str(MlflowClient().get_model_version_by_alias("cpe-voltage-window", "champion").version) == "2"
    # a champion this version cannot load (older bundle format) gives way even to a worse model
    MlflowClient().set_model_version_tag("cpe-voltage-window", "2", "bundle_format", "2")
    moved, reason = tracking.promote_champion("cpe-voltage-window", "1", mae + 0.1, summary.data_digest, "paper")
    assert moved and "cannot load" in reason


def test_tuning_searches_only_inside_training_folds(tmp_path, monkeypatch):
    """--tune: each outer fold's model factory sees only that fold's training rows (nested CV)."""
    from cpe_ml.models import tuning

    seen = []
    monkeypatch.setattr(tuning, "tune_params", lambda X, y, groups, make_estimator, n_trials, seed=0: seen.append(len(y)) or {"max_depth": 3})
    summary = train(_config(tmp_path, tune=2))
    n_rows = summary.results[0].n_rows
    assert len(seen) == 3 + 1  # one search per outer fold + one for the final model
    assert all(n < n_rows for n in seen[:3]) and seen[3] == n_rows


def test_optuna_search_returns_settings_within_the_small_data_space():
    import numpy as np

    from cpe_ml.models.interval import IntervalRegressor
    from cpe_ml.models.tuning import tune_params

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5))
    y = X[:, 0] + 0.1 * rng.normal(size=80)
    params = tune_params(X, y, np.repeat(np.arange(16), 5),
                         lambda p: IntervalRegressor(params=p, calibration_folds=0), n_trials=2)
    assert 2 <= params["max_depth"] <= 6 and 0.02 <= params["learning_rate"] <= 0.2


def test_paper_grouping_falls_back_to_polymer_for_rows_without_a_source():
    from cpe_ml.evaluation.cv import cv_groups

    frame = pd.DataFrame({"source": ["10.1/a", "10.1/a", "", ""], "polymer": ["PEO", "PEO", "PAN", "PAN"],
                          "polymer_canonical_smiles": ["[*]CCO[*]", "[*]CCO[*]", "[*]CC([*])C#N", "[*]CC([*])C#N"]})
    groups = cv_groups(frame, "paper")
    assert groups[0] == groups[1] == "10.1/a"
    assert groups[2] == groups[3] != groups[0]
    assert len(set(cv_groups(frame, "polymer"))) == 2


def test_interval_regressor_sample_weights_pull_the_fit_toward_heavy_rows():
    import numpy as np

    from cpe_ml.models.interval import IntervalRegressor

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(400, 3))
    y = np.where(np.arange(400) < 200, 0.0, 1.0)  # two groups the features cannot tell apart
    params = {"n_estimators": 50}
    plain = IntervalRegressor(params=params, calibration_folds=0).fit(X, y).predict(X)
    ones = IntervalRegressor(params=params, calibration_folds=0).fit(X, y, sample_weight=np.ones(400)).predict(X)
    heavy = np.where(np.arange(400) < 200, 9.0, 1.0)
    weighted = IntervalRegressor(params=params, calibration_folds=3).fit(X, y, sample_weight=heavy)
    assert np.allclose(plain, ones)
    assert weighted.predict(X).mean() < plain.mean() - 0.2  # toward the heavy group's 0
    assert weighted.margin_ > 0


def test_ridge_baseline_does_not_extrapolate_beyond_the_training_range():
    """A linear baseline blown up by one far-out row would flatter the model's skill (RMSE 27 log before the clip)."""
    from cpe_ml.evaluation.baselines import baseline_predictions

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([0.5, -0.2, 0.1]) - 4.0
    far = np.array([[400.0, -300.0, 50.0], [0.1, 0.0, 0.2]])
    predicted = baseline_predictions(X, y, np.array(["PEO"] * 60), far, np.array(["PEO", "PAN"]))
    assert y.min() <= predicted["ridge"].min() and predicted["ridge"].max() <= y.max()
    assert predicted["ridge"][0] in (y.min(), y.max())  # the far row is clipped, the near one is not
    assert y.min() < predicted["ridge"][1] < y.max()
