"""MLflow presentation: metric names carry units, model cards state data, figures, skill and limits, the
experiment is typed for model training without overwriting what a user wrote."""

from __future__ import annotations

import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from cpe_ml import tracking
from cpe_ml.evaluation.cv import CVResult
from cpe_ml.models.targets import TARGETS


def _cv(model_mae: float, n_folds: int = 3) -> CVResult:
    """A CV result as :func:`cpe_ml.evaluation.cv.cross_validate` shapes it (model, baselines, bins, folds)."""
    metrics = {"model": {"mae": model_mae, "rmse": 0.9, "r2": 0.41234, "spearman": 0.7, "interval_coverage": 0.7931,
                         "interval_width": 2.345678, "skill": 0.0},
               "global_mean": {"mae": 1.2, "rmse": 1.5, "r2": -0.01, "spearman": np.nan},
               "polymer_mean": {"mae": 0.95, "rmse": 1.2, "r2": 0.2, "spearman": 0.5},
               "ridge": {"mae": 0.9, "rmse": 1.1, "r2": 0.3, "spearman": 0.6}}
    folds = pd.DataFrame({"fold": range(n_folds), "n_test": [40] * n_folds, "mae": [0.7] * n_folds, "r2": [0.4] * n_folds,
                          "interval_coverage": [0.8] * n_folds, **{f"{b}_mae": [1.0] * n_folds for b in ("global_mean", "polymer_mean", "ridge")}})
    cv = CVResult(pd.DataFrame(), metrics, folds)
    metrics["model"]["skill"] = cv.skill
    cv.extra = {"ad_bin_easy": {"n": 40.0, "mae": 0.5, "interval_coverage": 0.85, "interval_width": 1.5, "median_distance": 1.0},
                "ad_bin_hard": {"n": 40.0, "mae": 1.1, "interval_coverage": 0.6, "interval_width": 3.0, "median_distance": 9.0},
                "curated": {"mae": 0.9, "rmse": 1.0, "r2": 0.1, "spearman": 0.3, "n": 439.0},
                "noise_floor": {"sd": 0.4567, "n_groups": 10049.0},
                "confidence_high": {"n": 30.0, "mae": 0.41}, "confidence_low": {"n": 50.0, "mae": 0.95},
                "confidence_ratio": {"high_over_low_mae": 0.41 / 0.95}}
    return cv


def test_metric_names_end_in_the_target_unit_and_fractions_are_logged_as_percent():
    assert [tracking.metric_unit(t.unit) for t in TARGETS.values()] == ["log10_s_cm", "v", "pct"]
    metrics = tracking.cv_metrics(_cv(0.81234), TARGETS["conductivity"].unit)
    assert metrics["cv_mae_log10_s_cm"] == 0.8123 and metrics["cv_interval_width_log10_s_cm"] == 2.346  # 4 significant digits
    assert metrics["cv_interval_coverage_pct"] == 79.31 and metrics["cv_skill_pct"] == 9.74  # 1 - 0.81234 / 0.9
    assert metrics["baseline_ridge_mae_log10_s_cm"] == 0.9 and "baseline_global_mean_spearman" not in metrics
    assert metrics["ad_hard_interval_coverage_pct"] == 60.0 and metrics["ad_easy_mae_log10_s_cm"] == 0.5
    assert metrics["cv_curated_rows"] == 439 and metrics["noise_floor_groups"] == 10049  # counts stay exact
    assert metrics["confidence_high_mae_log10_s_cm"] == 0.41 and metrics["confidence_low_rows"] == 50
    assert metrics["confidence_high_over_low_mae"] == 0.4316
    assert all(np.isfinite(v) for v in metrics.values())
    steps = tracking.fold_metrics(_cv(0.81234), TARGETS["voltage_window"].unit)
    assert [step for step, _ in steps] == [0, 1, 2]
    assert steps[0][1] == {"fold_test_rows": 40.0, "fold_mae_v": 0.7, "fold_r2": 0.4, "fold_interval_coverage_pct": 80.0,
                           "fold_best_baseline_mae_v": 1.0}


def test_model_card_states_data_figures_against_baselines_skill_and_limits():
    rows = pd.DataFrame({"dataset": ["cpe_literature"] * 3 + ["bradford2023"] * 7})
    card = tracking.model_card(TARGETS["conductivity"], rows, _cv(0.81234), "paper", 120, "abc123", ("A limit of the model.",))
    assert "10 rows with `conductivity_s_cm` in 120 source papers (bradford2023 7, cpe_literature 3)" in card
    assert "- **model**: MAE **0.812**, RMSE 0.9, R² 0.41\n- ridge on the same features: MAE 0.9, RMSE 1.1, R² 0.30\n" in card
    assert card.index("- per-polymer mean: MAE 0.95") < card.index("- global mean: MAE 1.2")  # best baseline first
    assert "**Skill** +10 % = 1 - MAE / MAE(best baseline: ridge on the same features, 0.9 log10 S/cm)." in card
    assert "covers 79 % of held-out rows (mean width 2.35 log10 S/cm)" in card
    assert "**Noise floor** 0.457 log10 S/cm" in card and "all MAE 0.9 (439 rows)" in card
    assert "- A limit of the model." in card
    assert "- Intervals under-cover in the `hard` bin: 60 % of its held-out rows inside the 80 % band." in card
    assert "**Confidence labels on held-out rows** (the rules prediction applies): high MAE 0.41 (30 rows), low MAE 0.95 (50 rows)." in card

    worse = tracking.model_card(TARGETS["voltage_window"], rows, _cv(1.5), "random", 10, "abc123")
    assert "**no skill**" in worse and "do not use it to rank formulations" in worse
    assert "- Random CV: the figures above are optimistic." in worse
    few = tracking.model_card(TARGETS["voltage_window"], rows, _cv(0.5), "paper", 4, "abc123")
    assert "- Only 4 source papers: every CV figure above rests on few held-out groups." in few


def test_experiment_is_typed_for_model_training_and_a_users_description_stays(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    experiment = tracking.configure(uri, "cpe-ml", "How to read these runs.")
    client = MlflowClient(uri)
    tags = client.get_experiment(experiment).tags
    assert tags["mlflow.experimentKind"] == "custom_model_development" and tags["mlflow.note.content"] == "How to read these runs."
    client.set_experiment_tag(experiment, "mlflow.note.content", "My own notes.")
    assert tracking.configure(uri, "cpe-ml", "How to read these runs.") == experiment
    assert client.get_experiment(experiment).tags["mlflow.note.content"] == "My own notes."
    assert tracking.RUNS_PAGE.format(experiment_id=experiment) == f"#/experiments/{experiment}/runs?workflowType=machine_learning"
