"""Effective-medium composite model: the limits its papers state, percolation, size dependence, zero is none."""

import numpy as np
import pandas as pd
import pytest

from cpe_ml.chemistry.effective_medium import (
    bruggeman_ratio,
    composite_ratio,
    depolarization_factors,
    interphase_volume_fraction,
    log10_composite_ratio,
    volume_fraction_from_wt,
)
from cpe_ml.featurizers import BLOCKS, FormulationFeaturizer
from cpe_ml.featurizers.composite import CompositeFeaturizer
from cpe_ml.validation import validate_formulations

SIO2_DENSITY = 2.196  # catalog value (amorphous silica)
SPHERE = (1 / 3, 1 / 3, 1 / 3)


def test_no_filler_gives_ratio_one_exactly():
    for shape in ("sphere", "fibre", "sheet"):
        assert composite_ratio(0.0, 12.0, shape, filler_ratio=25.0)[0] == 1.0
        assert log10_composite_ratio(0.0, 400.0, shape)[0] == 0.0


def test_insulating_spheres_follow_bruggeman_and_the_maxwell_garnett_dilute_limit():
    c = np.array([0.001, 0.01, 0.05, 0.2, 0.5])
    ratio = composite_ratio(c, 12.0, thickness_nm=0.0)
    np.testing.assert_allclose(ratio, 1 - 1.5 * c, rtol=1e-9)
    maxwell_garnett = 2 * (1 - c) / (2 + c)
    assert abs(ratio[1] - maxwell_garnett[1]) < 1e-3  # same first order: 1 - 3/2 c
    slope = (composite_ratio(1e-6, 12.0, thickness_nm=0.0)[0] - 1) / 1e-6
    assert slope == pytest.approx(-1.5, rel=1e-4)
    # blocking: insulating cores beyond 2/3 leave no conducting path
    assert composite_ratio(0.7, 12.0, thickness_nm=0.0)[0] == 0.0


def test_two_phase_percolation_threshold_is_one_third_for_spheres_and_lower_for_fibres():
    p = np.array([0.30, 0.34, 0.5])
    spheres = bruggeman_ratio(np.column_stack([p, 1 - p]), np.column_stack([np.ones(3), np.zeros(3)]), np.array([SPHERE, SPHERE]))
    np.testing.assert_allclose(spheres, [0.0, 1.5 * 0.34 - 0.5, 1.5 * 0.5 - 0.5], atol=1e-9)
    needle = depolarization_factors("fibre")
    fibres = bruggeman_ratio(np.array([[0.2, 0.8]]), np.array([[1.0, 0.0]]), np.array([needle, SPHERE]))
    assert fibres[0] > 0.0  # elongated conductors connect at 20 vol%, spheres do not


def test_interphase_network_percolates_near_one_third_of_the_volume():
    """Below the threshold the composite barely depends on the interphase conductivity, above it scales with it."""
    c = np.linspace(0.01, 0.3, 60)
    shell = interphase_volume_fraction(c, 12.0)
    low, high = composite_ratio(c, 12.0, interphase_ratio=1e3), composite_ratio(c, 12.0, interphase_ratio=1e5)
    gain = high / low
    assert gain[shell < 0.25].max() < 2.0
    assert gain[shell > 0.40].min() > 30.0


def test_rise_then_fall_and_smaller_particles_peak_earlier():
    wt = np.linspace(1, 80, 159)
    peaks = {}
    for size in (5.0, 7.0, 12.0):
        curve = log10_composite_ratio(volume_fraction_from_wt(wt, SIO2_DENSITY), size)
        peaks[size] = wt[np.argmax(curve)]
        assert curve.max() > curve[-1] + 0.05  # falls again at high loading (dilution, blocking)
    assert peaks[5.0] < peaks[7.0] < peaks[12.0]
    # particles too coarse for their interphase to connect only dilute: no rise at any loading
    assert log10_composite_ratio(volume_fraction_from_wt(wt, SIO2_DENSITY), 400.0).max() < 0.01
    at = log10_composite_ratio(volume_fraction_from_wt(np.array([5, 10, 40, 70]), SIO2_DENSITY), 12.0)
    assert at[1] > 0.05 and at[2] - at[0] > 0.05 and at[3] < at[1]
    # more interphase per filler volume for smaller particles
    assert interphase_volume_fraction(0.05, 12.0) > interphase_volume_fraction(0.05, 400.0) > 0.0


def test_li_conducting_filler_adds_a_third_conducting_phase():
    c = np.array([0.05, 0.2, 0.4])
    insulating, conducting = composite_ratio(c, 400.0), composite_ratio(c, 400.0, filler_ratio=25.0)
    assert np.all(conducting > insulating) and np.all(np.diff(conducting) > 0)


def test_wt_to_vol_conversion():
    assert volume_fraction_from_wt(0.0, 2.196) == 0.0 and volume_fraction_from_wt(100.0, 2.196) == 1.0
    assert volume_fraction_from_wt(30.0, 1.3) == pytest.approx(0.30)
    assert volume_fraction_from_wt(10.0, 2.196) == pytest.approx((10 / 2.196) / (10 / 2.196 + 90 / 1.3))
    for shape in ("sphere", "fibre", "sheet"):
        assert sum(depolarization_factors(shape)) == pytest.approx(1.0)


BASE = {"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "process": "solution_casting", "temperature_c": "25"}
ZERO_ROWS = [
    {"filler": "none"},
    {"filler": ""},
    {"filler": "LLZTO", "filler_loading_wt_pct": "0", "filler_morphology": "nanoparticle", "filler_size_nm": "400"},
    {"filler": "SiO2", "filler_loading_vol_pct": "0", "filler_morphology": "nanowire"},
]


def test_zero_filler_is_no_filler_in_every_featurizer_block():
    frame = validate_formulations(pd.DataFrame([{**BASE, "record_id": f"r{i}", **r} for i, r in enumerate(ZERO_ROWS)]))[0]
    assert set(frame["electrolyte_type"]) == {"spe"}
    features = FormulationFeaturizer(blocks=tuple(BLOCKS)).fit(frame).transform(frame)
    assert features.dtype == np.float64
    assert all(row.tobytes() == features[0].tobytes() for row in features[1:])
    filled = validate_formulations(pd.DataFrame([{**BASE, "record_id": "f", "filler": "LLZTO", "filler_loading_wt_pct": "10"}]))[0]
    other = FormulationFeaturizer(blocks=tuple(BLOCKS)).fit(filled).transform(filled)
    assert other[0].tobytes() != features[0].tobytes()


def test_composite_features_use_documented_defaults_and_flag_them():
    rows = [{**BASE, "record_id": "a", "filler": "LLZTO"},
            {**BASE, "record_id": "b", "filler": "SiO2", "filler_loading_wt_pct": "10", "filler_morphology": "nanoparticle", "filler_size_nm": "12"}]
    frame, report = validate_formulations(pd.DataFrame(rows))
    assert any("without filler_loading_wt_pct" in w and "rows 1" in w for w in report.warnings)
    out = pd.DataFrame(CompositeFeaturizer().fit(frame).transform(frame), columns=CompositeFeaturizer().feature_labels())
    assert out.loc[0, ["loading_defaulted", "size_defaulted", "morphology_defaulted", "density_defaulted"]].tolist() == [1.0] * 4
    assert out.loc[1, ["loading_defaulted", "size_defaulted", "morphology_defaulted", "density_defaulted"]].tolist() == [0.0] * 4
    expected = log10_composite_ratio(volume_fraction_from_wt(10.0, SIO2_DENSITY), 12.0)[0]
    assert out.loc[1, "emt_log10_composite_over_host"] == pytest.approx(expected)
