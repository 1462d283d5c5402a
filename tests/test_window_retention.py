"""Voltage window and retention: the oxidation table, the fade posing of retention, bounds and skill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpe_ml.catalog import load_catalog
from cpe_ml.chemistry.oxidation import load_oxidation_table, oxidation_jobs, vertical_ip
from cpe_ml.datasets import DEFAULT_DATA_PATH
from cpe_ml.evaluation.bounds import bound_satisfaction
from cpe_ml.evaluation.cv import skill_score
from cpe_ml.featurizers.formulation import FormulationFeaturizer
from cpe_ml.models.interval import IntervalRegressor
from cpe_ml.models.targets import TARGETS, cumulative_fade, per_cycle_fade
from cpe_ml.screen import ScreenSpec, design_frame, space_size
from cpe_ml.validation import read_formulations, validate_formulations

EXAMPLES = DEFAULT_DATA_PATH.parent / "examples"


@pytest.fixture(scope="module")
def curated() -> pd.DataFrame:
    raw = read_formulations(DEFAULT_DATA_PATH)
    return validate_formulations(raw.astype(object).where(raw.notna(), ""))[0]


def test_oxidation_table_covers_the_catalog_and_orders_like_chemistry():
    table = load_oxidation_table()
    jobs = {(kind, name) for name, kind, _ in oxidation_jobs(load_catalog())}
    assert jobs <= set(table.index)
    assert table["ip_solv_ev"].notna().all()
    ip = table["ip_solv_ev"]
    # ether oxygens oxidize first; nitriles, carbonates and fluorinated chains hold longer
    assert ip["polymer", "PEO"] < ip["polymer", "PAN"] < ip["polymer", "PVDF"] < ip["polymer", "PTFE"]
    assert ip["polymer", "PEO"] < ip["polymer", "PEC"]
    assert ip["plasticizer", "DME"] < ip["plasticizer", "EC"]
    assert ip["plasticizer", "DME"] < ip["plasticizer", "SN"]
    # the same ranking in the gas phase for neutral molecules
    gas = table["ip_ev"]
    assert gas["polymer", "PEO"] < gas["polymer", "PAN"] < gas["polymer", "PVDF"]
    # halides oxidize far below the fluorinated imide anions (iodide ~3 V vs Li in practice)
    assert ip["salt", "LiI"] < ip["salt", "LiTFSI"] - 2.0


def test_vertical_ip_reproduces_the_shipped_table():
    result = vertical_ip("COCCOC")  # DME
    row = load_oxidation_table().loc[("plasticizer", "DME")]
    assert result.ip_solv_ev == pytest.approx(row["ip_solv_ev"], abs=0.05)
    assert result.ip_ev == pytest.approx(row["ip_ev"], abs=0.05)
    assert result.homo_ev < 0


def test_fade_round_trip_and_range():
    target = TARGETS["retention"]
    retention = np.array([5.0, 50.0, 80.0, 95.5, 99.9])
    assert target.from_model_scale(target.to_model_scale(retention)) == pytest.approx(retention, rel=1e-9)
    assert target.from_model_scale(target.to_model_scale([100.0, 104.0]))[0] <= 100.0
    assert np.all(np.diff(cumulative_fade([99, 90, 50, 1])) > 0)
    # 81 % after 2 cycles is 10 % per cycle
    assert per_cycle_fade(81.0, 2) == pytest.approx(0.1)
    band = target.interval_from_model_scale(np.array([[-2.0, -1.0, 0.0]]))
    assert np.all(np.diff(band, axis=1) >= 0) and band.min() >= 0 and band.max() <= 100


def test_bounds_are_not_fitted_and_are_checked():
    target = TARGETS["voltage_window"]
    frame = pd.DataFrame({"voltage_window_v": [4.5, 4.6, 4.8], "voltage_window_v_qualifier": ["", "lower_bound", "approximate"]})
    assert list(target.rows(frame)) == [True, False, True]
    assert bound_satisfaction([4.7, 4.5, 5.0], [4.6, 4.6, 1.0], ["lower_bound", "lower_bound", ""]) == 0.5
    assert bound_satisfaction([4.0], [4.6], ["upper_bound"]) == 1.0
    assert skill_score(0.4, 0.5) == pytest.approx(0.2)


def _candidates() -> pd.DataFrame:
    spec = ScreenSpec.from_yaml(EXAMPLES / "screen.yaml")
    screen = design_frame(spec, 0, space_size(spec)).iloc[::7]
    listed = pd.read_csv(EXAMPLES / "candidates.csv", dtype=str, keep_default_na=False)
    raw = pd.concat([screen.astype(object).astype(str), listed], ignore_index=True).fillna("")
    return validate_formulations(raw.where(raw.ne("nan"), ""))[0]


def test_retention_in_range_and_non_increasing_in_cycles_for_every_candidate(curated):
    target = TARGETS["retention"]
    rows = curated.loc[target.rows(curated)].reset_index(drop=True)
    featurizer = FormulationFeaturizer(target.blocks).fit(rows)
    names = list(featurizer.get_feature_names_out())
    monotone = {names.index(f): s for f, s in target.monotone.items()}
    model = IntervalRegressor(monotone=monotone, params={**target.params, "n_estimators": 30}, calibration_folds=2)
    model.fit(featurizer.transform(rows), target.to_model_scale(rows[target.column]), rows["source"].to_numpy())
    candidates = _candidates()
    cycles = [1, 10, 100, 500, 2000]
    bands = []
    for n in cycles:
        X = featurizer.transform(candidates.assign(retention_cycles=float(n)))
        bands.append(target.interval_from_model_scale(model.predict_interval(X)))
    bands = np.stack(bands)  # cycles x candidates x (low, centre, high)
    assert np.all((bands >= 0) & (bands <= 100))
    assert np.all(np.diff(bands[:, :, 1], axis=0) <= 1e-9)
    assert bands[0, :, 1].mean() > bands[-1, :, 1].mean()  # fade is visible, not flat


def test_oxidation_features_name_the_weakest_component():
    raw = pd.DataFrame([
        {"record_id": "a", "polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "plasticizer": "SN", "plasticizer_wt_pct": "10"},
        {"record_id": "b", "polymer": "PVDF-HFP", "salt": "LiI", "salt_eo_li_ratio": "16"},
        {"record_id": "c", "polymer_smiles": "[*]CC([*])OC", "salt": "LiTFSI", "salt_eo_li_ratio": "16"},  # not tabulated: computed
    ])
    clean = validate_formulations(raw)[0]
    features = FormulationFeaturizer(("oxidation",)).fit(clean).transform_frame(clean)
    features.columns = [c.split("__", 1)[1] for c in features.columns]
    assert features.loc[0, "weakest_is_polymer"] == 1 and features.loc[0, "min_ip_solv_ev"] == features.loc[0, "polymer_ip_solv_ev"]
    assert features.loc[1, "weakest_is_anion"] == 1 and features.loc[1, "anion_ip_solv_ev"] < features.loc[0, "anion_ip_solv_ev"]
    assert np.isfinite(features.loc[2, "polymer_ip_solv_ev"])
    assert np.isnan(features.loc[1, "plasticizer_ip_solv_ev"])
