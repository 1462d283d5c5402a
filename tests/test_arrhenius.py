"""The VTF readout: smooth and monotone in temperature by construction, physical parameters, exact sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpe_ml.models.arrhenius import B_MIN_K, REFERENCE_TEMPERATURE_K, VTFBooster, capped_t0_k, smoothed_distance_k, vtf_shape


def _synthetic_series(n_formulations: int = 300, seed: int = 0):
    """Formulations with known VTF parameters measured at 3-8 temperatures each (T in K, Tg in C).

    Returns X (6 formulation features, T, Tg), log10 sigma, and per formulation its first row, level and B.
    """
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n_formulations, 6))
    tg = -60.0 + 15.0 * features[:, 0]
    level = -5.0 + 0.8 * features[:, 1]
    b = 600.0 + 150.0 * features[:, 2]
    rows, ys, firsts = [], [], []
    for f in range(n_formulations):
        firsts.append(len(rows))
        for t in rng.uniform(273.15, 373.15, rng.integers(3, 9)):
            rows.append([*features[f], t, tg[f]])
            ys.append(level[f] - b[f] * vtf_shape(t, capped_t0_k(tg[f] + 273.15 - 50.0)) + 0.05 * rng.normal())
    return np.asarray(rows), np.asarray(ys), np.asarray(firsts), level, b


def test_vtf_booster_recovers_level_and_activation_from_temperature_series():
    X, y, firsts, level, b = _synthetic_series()
    model = VTFBooster(temperature_index=6, tg_index=7, params={"n_estimators": 300}).fit(X, y)
    assert np.mean(np.abs(model.predict(X) - y)) < 0.15
    params = model.parameters(X[firsts])
    assert all(np.isfinite(v).all() for v in params.values())
    assert (params["pseudo_activation_k"] >= B_MIN_K).all()
    # level and B are learned per formulation, not only their sum at the measured temperatures
    assert np.corrcoef(params["log10_sigma_ref"], level)[0, 1] > 0.9
    assert np.corrcoef(params["pseudo_activation_k"], b)[0, 1] > 0.7


def test_prediction_rises_smoothly_with_temperature_for_every_formulation():
    X, y, *_ = _synthetic_series(120, seed=1)
    model = VTFBooster(temperature_index=6, tg_index=7, params={"n_estimators": 150}).fit(X, y)
    grid_t = np.arange(273.15, 373.16, 2.0)
    formulations = np.unique(X[:, [0, 1, 2, 3, 4, 5, 7]], axis=0)[:40]
    for f in formulations:
        grid = np.column_stack([np.tile(f[:6], (len(grid_t), 1)), grid_t, np.full(len(grid_t), f[6])])
        steps = np.diff(model.predict(grid))
        assert steps.min() >= 0.004, "a 2 C step raised log10 sigma by less than 0.004 (a plateau)"


def test_vtf_shape_is_finite_and_monotone_below_t0():
    temperatures = np.linspace(150.0, 400.0, 251)
    d = smoothed_distance_k(temperatures, 200.0)
    assert (d > 0).all() and (np.diff(d) > 0).all()
    assert np.isclose(d[-1], 200.0, atol=1e-6)  # = T - T0 far above T0
    assert capped_t0_k(np.array([250.0]))[0] <= 213.15 and np.isclose(capped_t0_k(np.array([123.15]))[0], 123.15, atol=0.01)


def test_contributions_sum_to_the_prediction():
    X, y, *_ = _synthetic_series(80, seed=2)
    model = VTFBooster(temperature_index=6, tg_index=7, params={"n_estimators": 60}).fit(X, y)
    parts = model.contributions(X[:50])
    assert np.allclose(parts.sum(axis=1), model.predict(X[:50]), atol=1e-4)
    # the temperature column carries -B g(T): negative below the reference temperature, positive above
    assert np.array_equal(np.sign(parts[:, 6]), np.sign(X[:50, 6] - REFERENCE_TEMPERATURE_K))


@pytest.fixture(scope="module")
def conductivity_model(trained_models):
    """The default training's conductivity model (curated rows + shipped public tables)."""
    bundle = trained_models.bundles["conductivity"]
    return bundle.featurizer, bundle.model


def _predict(featurizer, model, rows: list[dict]) -> np.ndarray:
    from cpe_ml.validation import validate_formulations

    clean, _ = validate_formulations(pd.DataFrame(rows).astype(object).fillna(""))
    return model.predict(featurizer.transform(clean))


def test_peo_litfsi_is_monotone_in_temperature_without_plateaus(conductivity_model):
    temperatures = list(range(0, 101, 2))
    rows = [{"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": 16, "temperature_c": t} for t in temperatures]
    curve = _predict(*conductivity_model, rows)
    assert np.diff(curve).min() >= 0.004
    from cpe_ml.validation import validate_formulations

    featurizer, model = conductivity_model
    law = model.parameters(featurizer.transform(validate_formulations(pd.DataFrame(rows).astype(object))[0]))
    assert all(np.isfinite(v).all() for v in law.values())
    assert np.ptp(law["log10_prefactor"]) == 0  # one formulation, one law, whatever the temperature


def test_named_filler_at_zero_loading_predicts_exactly_the_filler_free_host(conductivity_model):
    host = {"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": 16, "temperature_c": 25}
    none, zero, ten = _predict(*conductivity_model, [
        host, {**host, "filler": "LLZTO", "filler_loading_wt_pct": 0}, {**host, "filler": "LLZTO", "filler_loading_wt_pct": 10}])
    assert none == zero
    assert ten > none


def test_a_labs_own_rows_of_an_unseen_polymer_improve_its_predictions():
    """Few-shot protocol on a small real fixture: 20 rows of the held-out polymer beat none."""
    from cpe_ml.datasets import load_default_public
    from cpe_ml.evaluation.benchmark import run_fewshot_benchmark
    from cpe_ml.validation import validate_formulations

    public = load_default_public()
    public = public.loc[public["dataset"].eq("bradford2023")]
    counts = public["polymer_smiles"].value_counts()
    chosen = counts[(counts >= 60) & (counts <= 400)].index[:8]
    table = public.loc[public["polymer_smiles"].isin(chosen)].groupby("polymer_smiles").head(60)
    frame = validate_formulations(table.astype(object).where(table.notna(), ""))[0].reset_index(drop=True)
    key = frame["polymer_canonical_smiles"].to_numpy()
    splits = [(np.flatnonzero(key != p), np.flatnonzero(key == p), i) for i, p in enumerate(pd.unique(key)[:4])]
    result = run_fewshot_benchmark(frame, ks=(0, 20), splits=splits, params={"n_estimators": 120})
    mae = result.mae_by_k()
    assert mae[20] < mae[0]
    assert result.too_few.empty and (result.per_fold["n_scored"] > 0).all()



def test_the_fitted_law_includes_the_known_offset_and_reproduces_the_prediction():
    """pred_log10_prefactor, B and T0 written by predict.py give back the prediction, filler offset included."""
    X, y, *_ = _synthetic_series(80, seed=4)
    offset = np.where(np.arange(len(X)) % 2 == 0, 0.5, 0.0)
    X = np.column_stack([X, offset])
    model = VTFBooster(temperature_index=6, tg_index=7, offset_index=8, params={"n_estimators": 60}).fit(X, y + offset)
    law = model.parameters(X[:40])
    readout = law["log10_prefactor"] - law["pseudo_activation_k"] / smoothed_distance_k(X[:40, 6], law["t0_k"])
    assert np.allclose(readout, model.predict(X[:40]), atol=1e-6)


def test_a_gross_outlier_barely_moves_its_formulation():
    """Pseudo-Huber fit: one row reported 4 log too high (a unit slip) shifts its own formulation's curve by
    far less than the 4/n a squared-error fit would give it."""
    X, y, firsts, *_ = _synthetic_series(200, seed=5)
    rows = np.flatnonzero((X[:, :6] == X[firsts[0], :6]).all(axis=1))
    corrupted = y.copy()
    corrupted[rows[0]] += 4.0
    settings = {"n_estimators": 200}
    clean = VTFBooster(temperature_index=6, tg_index=7, params=settings).fit(X, y).predict(X[rows])
    dirty = VTFBooster(temperature_index=6, tg_index=7, params=settings).fit(X, corrupted).predict(X[rows])
    assert np.mean(dirty - clean) < 0.25 * 4.0 / len(rows)
