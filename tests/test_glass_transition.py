"""Host glass transition: sourced reference table, structure estimator, priority catalog > table > estimate."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold

from cpe_ml.catalog import load_catalog
from cpe_ml.featurizers import ConditionsFeaturizer, FormulationFeaturizer, GlassTransitionFeaturizer
from cpe_ml.chemistry.glass_transition import GlassTransitionEstimator, estimator_cache_key, reference_estimator, tg_reference
from cpe_ml.featurizers.glass_transition import host_glass_transition_c
from cpe_ml.validation import validate_formulations


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return tg_reference()


def test_reference_table_is_sourced_row_by_row(reference):
    assert len(reference) == 315 and list(reference["source_row"]) == list(range(1, 316))
    assert reference["source_url"].eq("https://doi.org/10.1021/acsapm.0c00524").all()
    assert reference.apply(lambda r: f"sl_num={r.source_row}," in r.source_locator, axis=1).all()
    assert reference["tg_k"].between(100, 1000).all()
    # the published table is sorted by experimental Tg: a transcription slip would break the order
    assert reference["tg_k"].is_monotonic_increasing


def test_only_the_three_unusable_smiles_are_left_out_and_say_why(reference):
    left_out = reference[reference["canonical"] == ""]
    assert list(left_out["source_row"]) == [170, 202, 267]  # two polysilanes (-SiR2-), Ultem's "[[Ce]]"
    assert left_out["problem"].str.len().gt(20).all()
    assert reference.loc[reference["source_row"] == 25, "canonical"].item() == "[*]CCO[*]"  # PEO via [Ce]/[Th]


def test_estimator_predicts_unseen_polymers_within_30_kelvin(reference):
    usable = reference[reference["canonical"] != ""].groupby("canonical", as_index=False)["tg_k"].mean()
    units, tg = usable["canonical"].to_numpy(), usable["tg_k"].to_numpy()
    errors = []
    for train, test in KFold(5, shuffle=True, random_state=0).split(units):
        estimate = GlassTransitionEstimator().fit(units[train], tg[train]).predict(units[test])
        errors.append(np.abs(estimate - tg[test]))
    mae = float(np.mean(np.concatenate(errors)))
    assert mae < 30.0, f"Tg estimator 5-fold MAE {mae:.1f} K"
    assert mae < 0.5 * float(np.mean(np.abs(tg - tg.mean())))  # far better than guessing the mean


def test_priority_is_catalog_then_reference_then_estimate():
    catalog = load_catalog()
    assert host_glass_transition_c("PEO", "[*]CCO[*]", catalog) == (catalog.property("polymer", "PEO", "tg_c"), 1.0)
    # poly(vinyl ethyl ether): no catalog entry, reference row 66 gives 254 K
    assert host_glass_transition_c("", "[*]CC([*])OCC", catalog) == pytest.approx((254 - 273.15, 1.0))
    flexible, measured = host_glass_transition_c("", "[*]CCO[Si](C)(C)O[*]", catalog)  # siloxane-EO, in neither
    rigid, _ = host_glass_transition_c("", "[*]c1ccc(C(=O)c2ccc(-c3ccc([*])cc3)cc2)cc1", catalog)
    assert measured == 0.0 and flexible < -40 and rigid > 100 and rigid - flexible > 150
    assert host_glass_transition_c("", "", catalog)[1] == 0.0 and np.isnan(host_glass_transition_c("", "", catalog)[0])


def test_conditions_use_the_estimated_tg_for_polymers_without_a_stated_one():
    frame = validate_formulations(pd.DataFrame([
        {"record_id": "a", "polymer_smiles": "[*]CCO[Si](C)(C)O[*]", "salt": "LiTFSI", "salt_molality_mol_kg": "1",
         "temperature_c": "30"},
        {"record_id": "b", "polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "temperature_c": "30"},
    ]))[0]
    tg = GlassTransitionFeaturizer().fit(frame).transform(frame)
    conditions = ConditionsFeaturizer().fit(frame).transform(frame)
    names = ConditionsFeaturizer().feature_labels()
    assert np.isfinite(conditions[:, names.index("t_minus_tg_k")]).all()
    assert conditions[:, names.index("t_minus_tg_k")] == pytest.approx(30 - tg[:, 0])
    assert list(tg[:, 1]) == [0.0, 1.0]
    assert "glass_transition__tg_c" in FormulationFeaturizer(("glass_transition",)).fit(frame).get_feature_names_out()


def test_fitted_estimator_is_cached_under_its_key_and_a_broken_cache_is_refit(tmp_path, monkeypatch):
    monkeypatch.setenv("CPE_ML_DATA_HOME", str(tmp_path))
    units = ["[*]CCO[Si](C)(C)O[*]", "[*]CC([*])c1ccccc1", "[*]CCOC(=O)O[*]"]
    reference_estimator.cache_clear()
    try:
        fresh = reference_estimator()
        cached = list(tmp_path.glob("tg_estimator-*.joblib"))
        assert [p.name for p in cached] == [f"tg_estimator-{estimator_cache_key()}.joblib"]
        reference_estimator.cache_clear()
        loaded = reference_estimator()
        assert loaded is not fresh and np.array_equal(loaded.predict(units), fresh.predict(units))
        cached[0].write_bytes(b"not a pickle")
        reference_estimator.cache_clear()
        assert np.array_equal(reference_estimator().predict(units), fresh.predict(units))
        assert cached[0].stat().st_size > 1000  # rewritten with a real fit
    finally:
        reference_estimator.cache_clear()
