"""Featurizers: stable documented names, notation-independent values, per-distinct caching, sklearn API."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from cpe_ml.featurizers import BLOCKS, FormulationFeaturizer, PolymerFeaturizer, feature_documentation
from cpe_ml.featurizers import polymer as polymer_module
from cpe_ml.validation import validate_formulations

DOCS = Path(__file__).parents[1] / "docs" / "features.csv"
BASE = {"record_id": "x", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "filler": "LLZTO", "filler_loading_wt_pct": "10",
        "process": "solution_casting", "temperature_c": "60"}

# (catalog name, notations) for issue 7: every notation must give byte-identical features.
NOTATIONS = {
    "PEO": ["PEO", "[*]OCC[*]", "[*]CCO[*]", "[*]COC[*]", "COC", "[Cu]OCC[Au]", "*OCC*", "[*]OCCOCC[*]"],
    "PVDF": ["PVDF", "[*]CC(F)(F)[*]", "[*]C(F)(F)C[*]", "[Cu]C(F)(F)C[Au]"],
    "PAN": ["PAN", "[*]CC(C#N)[*]", "[*]C(C#N)C[*]", "[Cu]CC(C#N)[Au]"],
    "PTMC": ["PTMC", "[*]CCCOC(=O)O[*]", "[*]OC(=O)OCCC[*]", "[Cu]C(=O)OCCCO[Au]"],
}


def _rows(polymers: list[str]) -> pd.DataFrame:
    rows = []
    for i, p in enumerate(polymers):
        rows.append({**BASE, "record_id": f"r{i}", **({"polymer_smiles": p} if p not in {"PEO", "PVDF", "PAN", "PTMC"} else {"polymer": p})})
    return validate_formulations(pd.DataFrame(rows))[0]


def test_feature_names_are_stable_and_documented():
    documented = pd.read_csv(DOCS)
    current = feature_documentation(64)
    assert list(current["feature"]) == list(documented["feature"]), "feature names changed: regenerate docs/features.csv and bump SCHEMA_VERSION"
    assert current["concept"].str.len().gt(10).all()


@pytest.mark.parametrize("polymer,notations", NOTATIONS.items())
def test_every_notation_of_a_polymer_gives_identical_features(polymer, notations):
    clean = _rows(notations)
    assert clean["polymer_canonical_smiles"].nunique() == 1
    X = FormulationFeaturizer().fit(clean).transform(clean)
    for row in X[1:]:
        assert row.tobytes() == X[0].tobytes()


def test_different_polymers_give_different_polymer_features():
    clean = _rows(["PEO", "PVDF", "PAN", "PTMC"])
    X = PolymerFeaturizer().fit(clean).transform(clean)
    assert len({row.tobytes() for row in X}) == 4


def test_physically_meaningful_values_for_peo():
    clean = _rows(["PEO"])
    features = FormulationFeaturizer().fit(clean).transform_frame(clean).iloc[0]
    assert features["polymer__polymer_ether_o_per_ru"] == 1.0
    assert features["polymer__polymer_frac_O"] == pytest.approx(1 / 3)
    assert features["conditions__inverse_temperature_1000_k"] == pytest.approx(1000 / 333.15)
    assert features["concentration__li_per_ether_o"] == pytest.approx(1 / 16)
    assert features["filler__filler_class_garnet"] == 1.0 and features["filler__filler_li_conducting"] == 1.0
    alumina = validate_formulations(pd.DataFrame([{**BASE, "polymer": "PEO", "filler": "Al2O3"}]))[0]
    volume = FormulationFeaturizer().fit(alumina).transform_frame(alumina).iloc[0]["filler__filler_loading_vol_pct"]
    assert 0 < volume < 10  # dense alumina (3.99 g/cm3) occupies less volume than its 10 wt% mass share


def test_chemistry_is_computed_once_per_distinct_polymer(monkeypatch):
    clean = pd.concat([_rows(["PEO", "PVDF"])] * 500, ignore_index=True)
    calls = []
    original = polymer_module.repeat_unit_descriptors.__wrapped__

    def counting(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(polymer_module, "repeat_unit_descriptors", counting)
    PolymerFeaturizer(fingerprint_bits=16).fit(clean).transform(clean)
    assert len(calls) == 2


def test_featurizers_follow_the_sklearn_api():
    clean = _rows(["PEO", "PVDF"])
    for name, cls in BLOCKS.items():
        featurizer = cls()
        cloned = clone(featurizer)
        out = cloned.fit(clean).transform(clean)
        assert out.shape == (2, len(cloned.get_feature_names_out())), name
        assert featurizer.citations(), f"{name} lists no references"
    pipeline = make_pipeline(FormulationFeaturizer(), FunctionTransformer(np.nan_to_num))
    assert pipeline.fit_transform(clean).shape[0] == 2


def _alumina_catalog_dir(tmp_path: Path, density: str) -> Path:
    """A user catalog extension that restates alumina's density (a test value, not a sourced one)."""
    from cpe_ml.catalog import load_catalog

    row = load_catalog().tables["filler"].set_index("name").loc[["Al2O3"]].reset_index()
    row["density_g_cm3"] = density
    row.to_csv(tmp_path / "fillers.csv", index=False)
    return tmp_path


def test_the_catalog_is_resolved_at_fit_and_kept(tmp_path, monkeypatch):
    import joblib

    from cpe_ml.safe_pickle import safe_load

    clean = validate_formulations(pd.DataFrame([{**BASE, "polymer": "PEO", "filler": "Al2O3"}]))[0]
    fitted = FormulationFeaturizer().fit(clean)
    before = fitted.transform(clean)
    monkeypatch.setenv("CPE_ML_CATALOG_DIR", str(_alumina_catalog_dir(tmp_path, "1.0")))
    assert fitted.transform(clean).tobytes() == before.tobytes()  # no hidden look-up at transform time
    refitted = FormulationFeaturizer().fit(clean)  # a new fit reads the catalog as installed now
    column = list(fitted.get_feature_names_out()).index("filler__filler_density_g_cm3")
    assert before[0, column] == pytest.approx(3.987) and refitted.transform(clean)[0, column] == 1.0
    joblib.dump(fitted, tmp_path / "featurizer.joblib")  # the catalog travels with the fitted featurizer
    assert safe_load(tmp_path / "featurizer.joblib").transform(clean).tobytes() == before.tobytes()


def test_formulation_featurizer_keeps_the_blocks_it_fitted():
    from sklearn.exceptions import NotFittedError

    clean = _rows(["PEO"])
    featurizer = FormulationFeaturizer()
    with pytest.raises(NotFittedError):
        featurizer.transform(clean)
    featurizer.fit(clean)
    blocks = [f for _, f in featurizer.featurizers()]
    featurizer.transform(clean)
    assert [f for _, f in featurizer.featurizers()] == blocks and all(b.catalog_ is featurizer.catalog_ for b in blocks
                                                                        if hasattr(b, "catalog_"))


def test_a_block_whose_columns_and_labels_disagree_fails_loudly():
    from cpe_ml.featurizers import FillerFeaturizer

    class Extended(FillerFeaturizer):
        def feature_labels(self) -> list[str]:
            return [*super().feature_labels(), "filler_new_descriptor"]

    clean = _rows(["PEO"])
    with pytest.raises(RuntimeError, match=r"computed no \['filler_new_descriptor'\]"):
        Extended().fit(clean).transform(clean)
