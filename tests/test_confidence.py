"""Confidence that means something: Mondrian intervals on error bins calibrated on held-out groups,
and the labels derived from the error measured in each bin."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpe_ml.evaluation.cv import confidence_metrics, conformal_quantile, cross_validate, skill_lower_bound
from cpe_ml.models.domain import (BIN_NAMES, MIN_BIN_ROWS, MIN_DIFFICULTY_ROWS, DifficultyModel, assign_bins, bin_edges,
                                  measured_confidence)
from cpe_ml.models.interval import IntervalRegressor
from cpe_ml.prediction import predict_formulations
from cpe_ml.validation import read_formulations

CANDIDATES = Path(__file__).resolve().parents[1] / "data" / "examples" / "candidates.csv"


def _heteroscedastic_table(n_groups: int = 80, per_group: int = 8, seed: int = 0):
    """Groups scattered around a dense core; noise SD grows with a group's distance from the core, so
    rows far from the others are noisier (as an unusual chemistry measured by one lab would be)."""
    rng = np.random.default_rng(seed)
    radius = rng.exponential(1.0, n_groups)
    angle = rng.uniform(0, 2 * np.pi, n_groups)
    centres = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    groups = np.repeat(np.arange(n_groups), per_group)
    X = centres[groups] + rng.normal(0, 0.05, (len(groups), 2))
    noise_sd = 0.1 + 0.5 * radius[groups]
    y = X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 1, len(groups)) * noise_sd
    return X, y, groups


def _small_model(X, y, groups) -> IntervalRegressor:
    return IntervalRegressor(calibration_folds=0, params={"n_estimators": 60, "max_depth": 3})


def _cv(X, y, groups):
    return cross_validate(X, y, groups, groups.astype(str), np.arange(len(y)).astype(str), _small_model, folds=5)


def test_bins_cover_at_nominal_level_and_widen_with_difficulty():
    X, y, groups = _heteroscedastic_table()
    cv = _cv(X, y, groups)
    per_bin = {name: cv.extra[f"ad_bin_{name}"] for name in BIN_NAMES}
    for name, values in per_bin.items():
        assert 0.7 <= values["interval_coverage"] <= 0.9, (name, values)
    assert per_bin["hard"]["interval_width"] > 1.5 * per_bin["easy"]["interval_width"]
    assert per_bin["hard"]["mae"] > 2 * per_bin["easy"]["mae"]  # the difficulty model found the noisy rows
    # a single pooled margin would cover the noisy hard rows well below nominal: the bins are needed
    residual = np.abs(cv.predictions["y"] - cv.predictions["pred"])
    hard = cv.predictions["ad_bin"].eq("hard").to_numpy()
    assert np.mean(residual[hard] <= conformal_quantile(residual, 0.8)) < 0.7
    widths = [per_bin[n]["interval_width"] for n in BIN_NAMES]
    assert widths == sorted(widths) and len(cv.margins) == 3
    at_80 = cv.reliability.loc[np.isclose(cv.reliability["nominal"], 0.8)].set_index("bin")["observed"]
    assert at_80.to_dict() == pytest.approx({n: v["interval_coverage"] for n, v in per_bin.items()})


def test_labels_on_held_out_rows_separate_errors():
    """On a table whose noise is known, rows labelled high err at most half as much as rows labelled low."""
    X, y, groups = _heteroscedastic_table()
    cv = _cv(X, y, groups)
    reference = cv.metrics[cv.best_baseline]["mae"]
    names = list(BIN_NAMES)
    labels = measured_confidence(np.array([cv.extra[f"ad_bin_{n}"]["mae"] for n in names]), reference, 0.3)
    rows = pd.DataFrame({"record_id": cv.predictions["record_id"], **{c: "PEO" for c in ("polymer_canonical_smiles", "polymer")},
                         **{c: "" for c in ("salt_canonical_smiles", "filler", "plasticizer", "electrolyte_type")}})
    held_out = confidence_metrics(cv.predictions, rows, dict(zip(names, labels)), far_distance=np.inf)
    assert held_out["confidence_high"]["mae"] <= 0.5 * held_out["confidence_low"]["mae"]
    # the rules: a polymer no other fold has is low, whatever its bin
    rows.loc[cv.predictions["group"].eq(cv.predictions["group"].iloc[0]).to_numpy(), "polymer_canonical_smiles"] = "*CC(*)C#N"
    relabelled = confidence_metrics(cv.predictions, rows, dict(zip(names, labels)), far_distance=np.inf)
    assert relabelled["confidence_low"]["n"] >= held_out["confidence_low"]["n"] + 1


def test_difficulty_is_the_distance_on_small_tables():
    rng = np.random.default_rng(2)
    X, distance = rng.normal(size=(MIN_DIFFICULTY_ROWS - 1, 3)), rng.exponential(1.0, MIN_DIFFICULTY_ROWS - 1)
    small = DifficultyModel(learn=False).fit(X, distance, np.abs(rng.normal(size=len(X))))
    assert np.array_equal(small.predict(X, distance), distance)


def test_skill_lower_bound_resamples_papers():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(40), 5)
    baseline = np.abs(rng.normal(0, 1, 200))
    assert skill_lower_bound(0.5 * baseline, baseline, groups) > 0.3  # halves every error: skill shown
    same = np.abs(rng.normal(0, 1, 200))  # as good as the baseline, by luck slightly different
    assert skill_lower_bound(same, baseline, groups) < 0


def test_bins_are_quantiles_of_held_out_distances_at_any_size():
    rng = np.random.default_rng(1)
    for n, scale in ((50, 1.0), (20_000, 1e-3)):  # thresholds follow the data, not absolute distances
        distance = rng.exponential(scale, n)
        edges = bin_edges(distance)
        counts = np.bincount(assign_bins(distance, edges), minlength=3)
        assert len(edges) == 2 and counts.min() >= MIN_BIN_ROWS and counts.max() - counts.min() <= 2
    assert len(bin_edges(rng.exponential(1.0, 20))) == 0  # too few rows for bins: one pooled band


def test_labels_follow_the_measured_bin_error_and_skill():
    labels = measured_confidence(np.array([0.2, 0.4, 0.5, 0.9]), reference_mae=0.6, skill=0.1)
    assert list(labels) == ["high", "medium", "low", "low"]  # ratios 0.33, 0.67, 0.83, 1.5
    assert set(measured_confidence(np.array([0.01, 0.02, 0.03]), reference_mae=0.6, skill=-0.01)) == {"low"}
    assert set(measured_confidence(np.array([0.01]), reference_mae=0.6, skill=float("nan"))) == {"low"}


@pytest.fixture(scope="module")
def candidates() -> pd.DataFrame:
    return read_formulations(CANDIDATES)


def test_default_filled_is_at_most_medium(candidates, trained_models):
    bundle = copy.deepcopy(trained_models.bundles["conductivity"])
    bundle.domain.bin_confidence_ = np.full(len(bundle.domain.bin_names_), "high", dtype=object)  # every bin measured well
    bundle.cv_metrics = {**bundle.cv_metrics, "skill": 0.2, "skill_lower_90": 0.1}
    peo = candidates.loc[candidates["record_id"].eq("cand-02")]  # PEO/LiTFSI at 60 C: no domain flag
    stated = predict_formulations(peo, {"conductivity": bundle}).predictions
    assert stated["ad_flags"].iloc[0] == "" and stated["confidence_conductivity"].iloc[0] == "high"
    no_temperature = peo.assign(temperature_c=np.nan)
    assumed = predict_formulations(no_temperature, {"conductivity": bundle}, default_temperature_c=60).predictions
    assert assumed["confidence_conductivity"].iloc[0] == "medium" and "temperature not given" in assumed["ad_flags"].iloc[0]
    no_salt_amount = predict_formulations(peo.assign(salt_eo_li_ratio=np.nan), {"conductivity": bundle}).predictions
    assert no_salt_amount["confidence"].iloc[0] == "medium" and "salt amount not given" in no_salt_amount["ad_flags"].iloc[0]


def test_targets_without_skill_are_never_high(candidates, trained_models):
    out = predict_formulations(candidates, trained_models.bundles).predictions
    for name, bundle in trained_models.bundles.items():
        if not bundle.cv_metrics["skill_lower_90"] > 0:  # no skill, or skill that could be chance
            assert set(out[f"confidence_{name}"]) == {"low"}
            assert out[f"ad_flags_{name}"].str.contains("no demonstrated skill").all()
        assert set(out[f"ad_bin_{name}"]) <= set(bundle.domain.bin_names_)


def test_unseen_polymer_gets_a_wider_interval_than_peo_litfsi(candidates, trained_models):
    out = predict_formulations(candidates, trained_models.bundles).predictions.set_index("record_id")
    width = out["pred_conductivity_hi"] - out["pred_conductivity_lo"]
    assert width["cand-17"] > width["cand-02"]  # poly(trimethylene sulfide) vs PEO/LiTFSI at 60 C
    assert out.loc["cand-17", "confidence_conductivity"] == "low" and out.loc["cand-02", "confidence_conductivity"] != "low"
    assert not out["ad_flags"].str.contains("far from training data").all()
    assert out["expected_mae_conductivity"].between(0, 3).all()


def test_explain_shows_the_nearest_training_rows(candidates, trained_models):
    from cpe_ml.explain import nearest_training_rows

    table = nearest_training_rows(candidates, trained_models.bundles, "cand-15")  # PEO/LiTFSI, no filler, 60 C
    conductivity = table.loc[table["target"].eq("conductivity")]
    assert len(conductivity) == 5 and conductivity["distance"].is_monotonic_increasing
    assert conductivity["polymer"].str.contains("PEO|ethylene oxide", case=False).all()
    assert (conductivity["measured_conductivity_s_cm"] > 0).all() and conductivity["source"].ne("").any()


def test_band_follows_the_expected_error_inside_a_bin():
    """Normalized Mondrian: within one bin the half-width is proportional to the row's expected error, so it
    changes smoothly with it (no jump from one bin width to the next along a temperature scan)."""
    X, y, groups = _heteroscedastic_table()
    cv = _cv(X, y, groups)
    half = (cv.predictions["high"] - cv.predictions["low"]).to_numpy() / 2
    for name in BIN_NAMES:
        inside = cv.predictions["ad_bin"].eq(name).to_numpy()
        assert np.unique(np.round(half[inside], 9)).size > 10  # not one width per bin
    assert cv.difficulty.scale(cv.difficulty.predict(X[:3], np.zeros(3))).min() >= cv.difficulty.floor_ > 0
