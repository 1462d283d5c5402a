"""Filler-effect model: learns the filler's effect from within-source contrasts, not from source offsets."""

from pathlib import Path

import numpy as np
import pandas as pd

from cpe_ml.catalog import load_catalog
from cpe_ml.featurizers.composite import composite_terms
from cpe_ml.models.filler_effect import FillerEffectModel, contrast_groups, count_contrast_pairs
from cpe_ml.validation import read_formulations, validate_formulations

DATA = Path(__file__).resolve().parents[1] / "data" / "cpe_literature.csv"
TRUE_SHIFT = 0.3  # the filler's effect beyond the effective-medium prior in the synthetic world
CONFOUNDER = 0.5  # sources that report only composites sit this much higher, for reasons other than the filler


def _synthetic(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, host = [], []
    def add(source, level, filler="none", wt=None):
        rows.append({"record_id": f"r{len(rows)}", "source": source, "polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16",
                     "filler": filler, "filler_loading_wt_pct": "" if wt is None else str(wt), "filler_morphology": "nanoparticle",
                     "filler_size_nm": "12", "temperature_c": "25"})
        host.append(level)
    for s in range(20):  # papers with a filler-free reference and a loading series: the contrasts
        level = rng.normal(-4.5, 0.5)
        add(f"contrast-{s}", level)
        for wt in (5, 10, 20):
            add(f"contrast-{s}", level, "SiO2", wt)
    for s in range(80):  # best-of-paper composites only, from sources with a +0.5 offset
        add(f"composite-only-{s}", rng.normal(-4.5, 0.5) + CONFOUNDER, "SiO2", int(rng.choice([5, 10, 20])))
    for s in range(30):  # filler-free tables
        add(f"host-only-{s}", rng.normal(-4.5, 0.5))
    frame = validate_formulations(pd.DataFrame(rows))[0]
    terms = composite_terms(frame, load_catalog())
    present = frame["filler"].ne("none").to_numpy()
    y = np.asarray(host) + terms["emt_log10_composite_over_host"].to_numpy() + TRUE_SHIFT * present + rng.normal(0, 0.05, len(frame))
    return frame, y


def test_recovers_the_true_filler_effect_not_the_source_confounder():
    frame, y = _synthetic()
    model = FillerEffectModel().fit(frame, y)
    emt = composite_terms(frame, load_catalog())["emt_log10_composite_over_host"].to_numpy()
    filled = frame["filler"].ne("none").to_numpy()
    learned = (model.predict_offset(frame) - emt)[filled]
    assert np.abs(learned - TRUE_SHIFT).max() < 0.08
    naive = y[filled].mean() - y[~filled].mean() - emt[filled].mean()  # pooled comparison: absorbs the confounder
    assert naive - TRUE_SHIFT > 0.2
    assert model.n_contrast_groups_ == 20 and model.n_contrast_pairs_ == 20 * 6


def test_offset_is_exactly_zero_without_filler_and_at_zero_loading():
    frame, y = _synthetic()
    model = FillerEffectModel().fit(frame, y)
    zero = validate_formulations(pd.DataFrame([
        {"record_id": "a", "polymer": "PEO", "salt": "LiTFSI", "filler": "none", "temperature_c": "25"},
        {"record_id": "b", "polymer": "PEO", "salt": "LiTFSI", "filler": "SiO2", "filler_loading_wt_pct": "0", "temperature_c": "25"},
        {"record_id": "c", "polymer": "PEO", "salt": "LiTFSI", "filler": "LLZTO", "filler_loading_vol_pct": "0", "temperature_c": "25"},
    ]))[0]
    offset = model.predict_offset(zero)
    assert offset.tolist() == [0.0, 0.0, 0.0]


def test_without_contrasts_the_physics_prior_is_used_alone():
    frame, y = _synthetic()
    keep = ~frame["source"].str.startswith("contrast").to_numpy()
    model = FillerEffectModel().fit(frame[keep].reset_index(drop=True), y[keep])
    assert model.n_contrast_groups_ == 0 and not model.coef_.any()
    emt = composite_terms(frame, load_catalog())["emt_log10_composite_over_host"].to_numpy()
    np.testing.assert_array_equal(model.predict_offset(frame), np.where(frame["filler"].ne("none"), emt, 0.0))


def test_curated_data_offers_within_paper_contrasts():
    frame = validate_formulations(read_formulations(DATA))[0]
    y = np.log10(frame["conductivity_s_cm"].to_numpy())
    groups = contrast_groups(frame, y)
    n_groups = len(np.unique(groups[groups >= 0]))  # 8 groups, 17 pairs on 2026-12-07 (table being re-curated)
    assert n_groups >= 5 and count_contrast_pairs(frame, y) >= n_groups
    model = FillerEffectModel().fit(frame, y)
    assert np.isfinite(model.coef_).all() and "inert_oxide" in model.covered_classes_
