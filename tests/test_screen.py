"""Screening: the spec, the enumerated space, constraints, Pareto ranking with interval-aware ties, CLI."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cpe_ml.cli import app
from cpe_ml.prediction import predict_formulations
from cpe_ml.screen import (
    Constraint,
    ScreenSpec,
    design_frame,
    pareto_ranks,
    partitions,
    plot_front,
    rank_candidates,
    screen,
    space_size,
)

EXAMPLE_SPEC = Path(__file__).resolve().parents[1] / "data" / "examples" / "screen.yaml"

SMALL = {
    "name": "small",
    "space": {
        "polymer": ["PEO", "PVDF-HFP", "PAN"],
        "salt": ["LiTFSI", "LiDFOB"],
        "salt_eo_li_ratio": [10, 16],
        "filler": ["none", {"name": "LLZTO", "morphology": "particle"}, {"name": "SiO2", "morphology": "nanoparticle"}],
        "filler_loading_wt_pct": [5, 15],
        "plasticizer": ["none", "SN"],
    },
    "temperature_c": [25, 60],
    "fixed": {"process": "solution_casting", "cathode": "NCM811", "c_rate": 0.5, "retention_cycles": 200},
    "constraints": ["pred_conductivity_s_cm >= 5e-5", "pred_voltage_window >= 4.5"],
    "maximize": ["pred_conductivity", "pred_voltage_window", "pred_retention"],
    "top": 25,
}


def _dominates(a: np.ndarray, b: np.ndarray) -> bool:
    return bool((a >= b).all() and (a > b).any())


@pytest.fixture(scope="module")
def small(trained_models):
    spec = ScreenSpec.from_dict(SMALL)
    return spec, screen(spec, trained_models.bundles, partition_rows=17)


def test_space_is_the_product_with_fillers_loaded_only_when_present():
    spec = ScreenSpec.from_dict(SMALL)
    assert space_size(spec) == 3 * 2 * 2 * (1 + 2 * 2) * 2  # 'none' once, each real filler at both loadings
    frame = design_frame(spec, 0, space_size(spec))
    assert frame["record_id"].is_unique and len(frame) == space_size(spec)
    assert frame.loc[frame["filler"] == "none", "filler_loading_wt_pct"].isna().all()
    assert set(frame.loc[frame["filler"] == "LLZTO", "filler_morphology"]) == {"particle"}
    assert (frame["process"] == "solution_casting").all() and (frame["retention_cycles"] == 200).all()
    assert frame.drop(columns="record_id").drop_duplicates().shape[0] == len(frame)
    ranges = partitions(spec, 17)
    pieces = pd.concat([design_frame(spec, a, b) for a, b in ranges], ignore_index=True)
    pd.testing.assert_frame_equal(pieces, frame)


def test_spec_errors_name_the_problem(trained_models):
    with pytest.raises(ValueError, match="constraint"):
        Constraint.parse("pred_voltage_window > 4.5")
    with pytest.raises(ValueError, match="not a formulation"):
        ScreenSpec.from_dict({**SMALL, "space": {**SMALL["space"], "colour": ["red"]}})
    with pytest.raises(ValueError, match="objective"):
        ScreenSpec.from_dict({**SMALL, "maximize": []})
    bad_value = ScreenSpec.from_dict({**SMALL, "space": {**SMALL["space"], "salt": ["LiTFSI", "LiTFSX"]}})
    with pytest.raises(ValueError, match="LiTFSX"):
        screen(bad_value, trained_models.bundles)
    unknown_column = ScreenSpec.from_dict({**SMALL, "constraints": ["pred_density >= 1"]})
    with pytest.raises(ValueError, match="pred_density"):
        screen(unknown_column, trained_models.bundles)


def test_screen_keeps_exactly_the_candidates_meeting_the_constraints(small, trained_models):
    spec, result = small
    assert result.n_candidates == space_size(spec) * 2
    everything = predict_formulations(design_frame(spec, 0, space_size(spec)), trained_models.bundles,
                                      temperatures=spec.temperatures, explain=False).predictions
    meets = (everything["pred_conductivity_s_cm"] >= 5e-5) & (everything["pred_voltage_window"] >= 4.5)
    assert 0 < meets.sum() < len(everything)  # the constraints bite, and something survives
    kept = everything.loc[meets, result.feasible.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(result.feasible, kept, check_dtype=False)
    assert (result.ranked["pred_conductivity_s_cm"] >= 5e-5).all() and (result.ranked["pred_voltage_window"] >= 4.5).all()


def test_ranked_rows_are_described_in_full(small):
    spec, result = small
    ranked = result.ranked
    assert {"polymer", "salt", "filler_loading_wt_pct", "ad_flags", "confidence", "explain_conductivity"} <= set(ranked.columns)
    same = ranked.merge(result.feasible, on=["record_id", "temperature_c"], suffixes=("", "_slim"), validate="one_to_one")
    assert len(same) == len(ranked)
    for column in ("pred_conductivity", "pred_voltage_window_lo", "pred_retention_hi"):
        np.testing.assert_allclose(same[column], same[f"{column}_slim"], rtol=0, atol=0)


def test_top_row_is_on_the_pareto_front(small):
    spec, result = small
    objectives = result.feasible[spec.objectives].to_numpy()
    top = result.ranked.iloc[0][spec.objectives].to_numpy(dtype=float)
    assert result.ranked["pareto_rank"].iloc[0] == 1
    assert not any(_dominates(row, top) for row in objectives)
    front = result.front[spec.objectives].to_numpy()
    assert len(front) >= 2 and not any(_dominates(a, b) for a in front for b in front)
    assert result.ranked["pareto_rank"].is_monotonic_increasing and len(result.ranked) == spec.top
    assert list(result.ranked["screen_rank"]) == list(range(1, spec.top + 1))


def test_pareto_ranks_match_brute_force():
    rng = np.random.default_rng(7)

    def brute(values):
        ranks, left, front = np.zeros(len(values), dtype=int), set(range(len(values))), 0
        while left:
            front += 1
            now = [i for i in left if not any(_dominates(values[j], values[i]) for j in left)]
            ranks[now] = front
            left -= set(now)
        return ranks

    for values in (rng.random((400, 3)), rng.integers(0, 5, (300, 2)).astype(float), rng.random((200, 1))):
        exact = pareto_ranks(values)
        assert (exact == brute(values)).all()
        partial = pareto_ranks(values, limit=40)
        assert ((partial == exact) | (partial == 0)).all() and (partial > 0).sum() >= 40


def test_ties_within_a_front_prefer_the_better_pessimistic_bound():
    spec = ScreenSpec.from_dict({**SMALL, "maximize": ["pred_a", "pred_b"], "constraints": [], "top": 10})
    rows = pd.DataFrame({
        "record_id": ["wide", "safe", "dominated", "other"],
        "pred_a": [1.0, 1.0, 0.5, 2.0], "pred_a_lo": [0.2, 0.8, 0.4, 0.1], "pred_a_hi": [1.9, 1.2, 0.6, 3.0],
        "pred_b": [2.0, 2.0, 1.0, 0.5], "pred_b_lo": [1.0, 1.5, 0.9, 0.4], "pred_b_hi": [2.5, 2.4, 1.1, 0.6],
    })
    ranked = rank_candidates(rows, spec)
    assert list(ranked["record_id"]) == ["safe", "wide", "other", "dominated"]
    assert list(ranked["pareto_rank"]) == [1, 1, 1, 2]


def test_front_plot_is_written(small, tmp_path):
    path = plot_front(small[1], tmp_path / "front.png")
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 10_000


def test_cli_screens_the_example_spec(trained_models, tmp_path):
    output = tmp_path / "ranked.csv"
    done = CliRunner().invoke(app, ["screen", str(EXAMPLE_SPEC), "-o", str(output), "--models-dir", str(trained_models.models_dir)])
    assert done.exit_code == 0, done.output
    ranked = pd.read_csv(output)
    spec = ScreenSpec.from_yaml(EXAMPLE_SPEC)
    assert 0 < len(ranked) <= spec.top and ranked["screen_rank"].tolist() == list(range(1, len(ranked) + 1))
    assert (ranked["pred_conductivity_s_cm"] >= 1e-4).all() and (ranked["pred_voltage_window"] >= 4.5).all()
    assert (tmp_path / "ranked_front.png").is_file()
    assert "meet the constraints" in done.output
