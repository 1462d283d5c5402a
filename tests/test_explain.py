"""Readable explanations and plots: the feature glossary read from the featurizers' documentation, concept
sums, short source labels, property labels with units, and what the training and data-card plots draw."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.collections
import numpy as np
import pandas as pd
import pytest

from cpe_ml.datasets.describe import conductivity_temperatures, describe
from cpe_ml.evaluation import plots
from cpe_ml.explain import BLOCK_CONCEPTS, explanation_texts, feature_glossary, stated
from cpe_ml.featurizers.formulation import BLOCKS, FormulationFeaturizer
from cpe_ml.screen import ScreenSpec, formulation_label, prediction_label

ALL_FEATURES = list(FormulationFeaturizer(tuple(BLOCKS), fingerprint_bits=8).get_feature_names_out())


@pytest.fixture(scope="module")
def glossary() -> pd.DataFrame:
    return feature_glossary(ALL_FEATURES)


def test_every_feature_is_described_by_its_featurizers_own_documentation(glossary):
    assert set(BLOCKS) <= set(BLOCK_CONCEPTS)
    summaries = {block: (type(f).__doc__ or "").strip().splitlines()[0] for block, f in FormulationFeaturizer(tuple(BLOCKS)).featurizers()}
    undocumented = [name for name, row in glossary.iterrows() if row["description"] == summaries[row["block"]]]
    assert undocumented == []  # each one found in a "Features:" entry, not the fallback summary line
    assert not glossary["label"].str.contains("__").any() and glossary.index.tolist() == ALL_FEATURES


@pytest.mark.parametrize(("feature", "concept", "label"), [
    ("filler__filler_loading_wt_pct", "filler", "filler loading (wt%)"),
    ("conditions__temperature_k", "temperature", "temperature (K)"),
    ("concentration__salt_eo_li_ratio", "salt", "salt EO:Li ratio"),
    ("concentration__salt_molality_mol_kg", "salt", "salt molality (mol/kg)"),
    ("process__type_gpe", "process", "electrolyte type: GPE"),
    ("process__process_hot_pressing", "process", "process: hot pressing"),
    ("oxidation__anion_ip_solv_ev", "salt", "anion IP solvated (eV)"),  # a component's feature joins its component
    ("glass_transition__tg_c", "polymer", "Tg (°C)"),
    ("polymer__polymer_morgan_count_3", "polymer", "polymer Morgan substructure: 3"),
    ("plasticizer__plasticizer_wt_pct", "plasticizer", "plasticizer (wt%)"),
    ("cycling__cycling_temperature_c", "cycling", "cycling temperature (°C)"),
])
def test_labels_read_like_a_chemist_writes_them_with_units(glossary, feature, concept, label):
    assert (glossary.loc[feature, "concept"], glossary.loc[feature, "label"]) == (concept, label)


def test_a_name_listed_as_itself_wins_over_a_template_that_also_matches_it(glossary):
    assert "4.2 V" in glossary.loc["cycling__cathode_high_voltage", "description"]  # not "one-hot of the cathode family"
    assert glossary.loc["cycling__cathode_ncm", "indicator"] and glossary.loc["process__type_spe", "indicator"]
    assert not glossary.loc["filler__filler_loading_wt_pct", "indicator"]


def test_unstated_and_absent_features_are_not_shown_as_values(glossary):
    names = ["plasticizer__plasticizer_wt_pct", "process__process_hot_pressing", "process__process_solution_casting",
             "polymer__polymer_morgan_count_3", "filler__filler_loading_wt_pct"]
    part = glossary.loc[names]
    assert list(stated(part, np.array([np.nan, 0.0, 1.0, 0.0, 0.0]))) == [False, False, True, False, True]


def test_explanation_sums_features_by_concept_largest_first():
    names = ["conditions__temperature_k", "filler__filler_loading_wt_pct", "filler__filler_present",
             "concentration__salt_eo_li_ratio", "plasticizer__plasticizer_wt_pct"]
    push = np.array([[-0.62, 0.25, 0.06, -0.12, 0.3, -4.0]])  # last column: base value
    bundle = SimpleNamespace(feature_names=names, model=SimpleNamespace(contributions=lambda X: push))
    by_concept, by_feature = explanation_texts(bundle, np.array([[333.15, 10.0, 1.0, 16.0, np.nan]]), top_features=3)
    assert by_concept == ["temperature -0.62; filler +0.31; plasticizer +0.30; salt -0.12"]
    # the unstated plasticizer amount is in its concept's sum, never listed as "= nan"
    assert by_feature == ["temperature 333 K (-0.62); filler loading 10 wt% (+0.25); salt EO:Li ratio 16 (-0.12)"]
    assert explanation_texts(bundle, np.empty((0, 5))) == ([], [])


@pytest.mark.parametrize(("group", "expected"), [
    ("10.1021/cm010699n", "10.1021/cm010699n"),
    ("bradford2023:[Cu]OCC[Au]|mw=5e+06", "Bradford 2023: PEO, Mw 5e+06"),
    ("bradford2023:[Cu]CC(OCC)[Au]|mw=", "Bradford 2023: CC(OCC), no Mw"),
    ("hatakeyama2022:memo-0bdada3c2b", "Hatakeyama 2022: memo-0bdada3c2b"),
])
def test_source_labels_are_short_and_readable(group, expected):
    assert plots.short_source_label(group) == expected


def test_pages_of_one_site_keep_distinct_labels():
    site = "https://discovery.researcher.life/"
    urls = [site + "article/polyvinyl-alcohollibob-complexes-for-lithiumair-cells/50d3142bf5de310fbba39355d5a8df05",
            site + "article/lithiated-nafion-membrane-as-a-single-ion-conducting-polymer-electrolyte-in-lithium-batteries/857e0d12",
            site + "topic/cathode-of-battery/12925760?page=6",
            site + "topic/inherent-processing/27506647?page=1&topic_name=Inherent+Processing",
            "https://437790.wynu.asia/research/tech/periodicals/view.php?seq=1188965",
            "https://437790.wynu.asia/research/tech/periodicals/view.php?seq=181340"]
    labels = [plots.short_source_label(u) for u in urls]
    assert labels[0] == "discovery.researcher.life: polyvinyl alcohollibob com..."
    assert labels[3] == "discovery.researcher.life: inherent processing"
    assert labels[4] == "437790.wynu.asia: ...ch periodicals view.php seq 1188965"
    assert plots.short_source_label("https://c.coek.info/pdf-polyacrylonitrile-electrolytes-.html") == "c.coek.info: polyacrylonitrile electrolytes"
    assert len(set(labels)) == len(urls) and all(len(label) <= 56 for label in labels)


def test_screen_axes_name_the_property_with_its_unit():
    spec = ScreenSpec.from_dict({"space": {"polymer": ["PEO"]}, "fixed": {"retention_cycles": 200}, "maximize": ["pred_retention"]})
    assert prediction_label("pred_voltage_window") == "oxidation voltage limit (V vs Li/Li+)"
    assert prediction_label("pred_conductivity") == "log10 ionic conductivity (S/cm)"
    assert prediction_label("pred_conductivity_s_cm_lo") == "ionic conductivity (S/cm), lower 80 % bound"
    assert prediction_label("pred_retention", spec) == "capacity retention (%) after 200 cycles"
    assert prediction_label("pred_t0_k") == "pred_t0_k"


def test_screen_points_are_labelled_by_the_formulation_they_vary():
    spec = ScreenSpec.from_dict({"space": {"polymer": ["PEO"], "salt": ["LiTFSI"], "salt_eo_li_ratio": [16], "filler": ["none", "LLZTO"],
                                           "filler_loading_wt_pct": [10], "plasticizer": ["none", "SN"]},
                                 "fixed": {"cathode": "NCM811"}, "maximize": ["pred_conductivity"]})
    row = pd.Series({"record_id": "S00042", "polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": 16.0, "filler": "LLZTO",
                     "filler_loading_wt_pct": 10.0, "filler_morphology": "particle", "plasticizer": "none",
                     "temperature_c": 25.0, "cathode": "NCM811"})
    assert formulation_label(row, spec) == "PEO/LiTFSI 16:1 + 10 wt% LLZTO (particle)"


@pytest.fixture
def figures(monkeypatch) -> list:
    """The figures the plot functions would save, kept open for inspection."""
    kept: list = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: kept.append(fig) or path)
    return kept


def _cv_predictions(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    y = rng.normal(-5, 1.5, n)
    pred = y + rng.normal(0, 0.8, n)
    return pd.DataFrame({"y": y, "pred": pred, "low": pred - 1, "high": pred + 1, "pred_polymer_mean": y.mean(),
                         "group": rng.choice(["10.1021/a", "bradford2023:[Cu]OCC[Au]|mw=900000"], n)})


@pytest.mark.parametrize("n", [50, plots.HEXBIN_MIN_ROWS + 10])
def test_parity_bins_many_rows_into_hexagons_with_a_colour_bar(figures, tmp_path, n):
    plots.parity_plot(_cv_predictions(n), "log10 S/cm", tmp_path / "parity.png", "log10 ionic conductivity (S/cm)")
    fig = figures[0]
    ax = fig.axes[0]
    hexbin = [c for c in ax.collections if isinstance(c, matplotlib.collections.PolyCollection)]
    assert bool(hexbin) == (n >= plots.HEXBIN_MIN_ROWS) and (len(fig.axes) == 2) == bool(hexbin)  # the colour bar
    assert ax.get_xlabel() == "measured log10 ionic conductivity (S/cm)" and "y = x" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_residual_groups_and_importance_use_readable_labels(figures, tmp_path):
    plots.residuals_by_group(_cv_predictions(60), "log10 S/cm", tmp_path / "r.png")
    ticks = [t.get_text() for t in figures[0].axes[0].get_yticklabels()]
    assert any(t.startswith("Bradford 2023: PEO, Mw 900000 (") for t in ticks)
    assert figures[0].axes[0].get_xlabel() == "residual, predicted - measured (log10 S/cm)"
    names = ["filler__filler_loading_wt_pct", "process__type_gpe", "polymer__polymer_morgan_count_1", "conditions__temperature_k"]
    plots.feature_importance_plot(names, np.array([0.5, 0.3, 0.2, 0.0]), tmp_path / "i.png")
    concepts, features = ([t.get_text() for t in ax.get_yticklabels()] for ax in figures[1].axes)
    assert concepts == ["polymer", "process", "filler"]  # summed by concept, largest on top
    assert features == ["polymer Morgan substructure: 1", "process: electrolyte type: GPE", "filler loading (wt%)"]


def test_data_card_counts_room_temperature_rows_the_plot_draws_at_25_c():
    frame = pd.DataFrame({"polymer": ["PEO"] * 4, "conductivity_s_cm": [1e-4, 2e-4, 3e-5, 1e-5],
                          "temperature_c": [60.0, np.nan, np.nan, np.nan],
                          "temperature_text": ["", "room temperature", "RT", ""]})
    assert conductivity_temperatures(frame) == {"stated": 1, "room_temperature": 2, "without": 1}
    card = describe(frame)
    assert card.n_room_temperature == 2 and "room temperature in words" in card.to_text()
