"""A bundle computes features with the catalog it was trained with, and says so when the installed one differs."""

import warnings

import pandas as pd
import pytest

from cpe_ml.catalog import load_catalog
from cpe_ml.models.bundle import CatalogVersionWarning, load_bundles
from cpe_ml.prediction import predict_formulations

CANDIDATE = pd.DataFrame([{"record_id": "c1", "polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "filler": "Al2O3",
                           "filler_loading_wt_pct": "10", "temperature_c": "60", "cathode": "LFP", "c_rate": "0.5",
                           "retention_cycles": "100"}])


def test_bundle_warns_on_another_catalog_and_predicts_with_its_own(trained_models, tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CatalogVersionWarning)
        bundles = load_bundles(trained_models.models_dir)  # same catalog: silent
    assert {b.catalog_version for b in bundles.values()} == {load_catalog().version}
    before = predict_formulations(CANDIDATE, bundles, explain=False).predictions

    row = load_catalog().tables["filler"].set_index("name").loc[["Al2O3"]].reset_index()
    row["density_g_cm3"] = "1.0"  # a test value: the user's extension restates alumina's density
    row.to_csv(tmp_path / "fillers.csv", index=False)
    monkeypatch.setenv("CPE_ML_CATALOG_DIR", str(tmp_path))
    with pytest.warns(CatalogVersionWarning, match="trained with catalog"):
        reloaded = load_bundles(trained_models.models_dir)
    after = predict_formulations(CANDIDATE, reloaded, explain=False).predictions
    pd.testing.assert_frame_equal(after, before)
