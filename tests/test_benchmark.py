"""Bradford et al. 2023 benchmark: the fold construction on the real table, and a small end-to-end run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpe_ml.evaluation.benchmark import (
    BRADFORD_FOLDS,
    bradford_folds,
    load_bradford_frame,
    log_benchmark,
    polymer_key_column,
    polymer_ranks,
    polymer_weights,
    run_bradford_benchmark,
    validation_folds,
)

DATA_DIR = Path(__file__).parents[1].parent / "shared" / "datasets"
pytestmark = pytest.mark.skipif(not (DATA_DIR / "bradford2023").is_dir(), reason=f"public dataset mirror not found at {DATA_DIR}")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_bradford_frame(DATA_DIR)


@pytest.mark.parametrize("key", ["canonical", "raw"])
def test_folds_follow_the_published_protocol(frame, key):
    folds = bradford_folds(frame, key)
    polymers = polymer_key_column(frame, key).to_numpy()
    rank = polymer_ranks(frame, key)
    assert [t for _, _, t in folds] == list(BRADFORD_FOLDS)
    tested: list[str] = []
    for train, test, t in folds:
        assert len(test) > 0 and not np.intersect1d(train, test).size
        assert set(rank[test] % 10) == {t % 10}
        assert rank[test].min() >= 2, "PEO and PTMC (ranks 0, 1) are never tested"
        assert not any("-" in p for p in polymers[test]), "polyanions are never tested"
        assert not set(polymers[train]) & set(polymers[test]), "a test polymer leaked into training"
        tested += sorted(set(polymers[test]))
    assert len(tested) == len(set(tested)), "each test polymer is tested in exactly one fold"
    all_tests = np.concatenate([test for _, test, _ in folds])
    assert len(all_tests) == len(np.unique(all_tests)), "test folds are disjoint"
    never = set(polymers) - set(tested)
    assert never == {p for p, r in zip(polymers, rank) if r < 2} | {p for p in polymers if "-" in p}


def test_ranks_count_rows_per_canonical_polymer(frame):
    rank = polymer_ranks(frame)
    polymers = polymer_key_column(frame)
    assert set(polymers[rank == 0]) == {"[*]CCO[*]"}  # PEO
    assert set(polymers[rank == 1]) == {"[*]CCCOC(=O)O[*]"}  # PTMC
    counts = polymers.value_counts()
    by_rank = pd.Series(rank).groupby(polymers.to_numpy()).first().sort_values()
    assert list(counts.loc[by_rank.index]) == sorted(counts, reverse=True)
    # the two spellings of poly(N-methylethylenimine) are one polymer when ranked canonically, two when raw
    assert polymers.nunique() < polymer_key_column(frame, "raw").nunique()


def test_holdout_validation_removes_the_next_rank_class_from_training(frame):
    rank = polymer_ranks(frame)
    for train, test, t in bradford_folds(frame, holdout_validation=True):
        assert not np.any((rank[train] >= 2) & (rank[train] % 10 == (t + 1) % 10))


def test_validation_folds_score_the_next_rank_class_and_never_the_folds_own_test_polymers(frame):
    rank = polymer_ranks(frame)
    polymers = polymer_key_column(frame).to_numpy()
    tests = {t: set(polymers[test]) for _, test, t in bradford_folds(frame)}
    for train, validation, t in validation_folds(frame):
        assert len(validation) > 0 and set(rank[validation] % 10) == {(t + 1) % 10} and rank[validation].min() >= 2
        assert not set(polymers[validation]) & tests[t]
        assert not set(polymers[train]) & (tests[t] | set(polymers[validation]))


def test_smoke_run_on_a_subsample(frame, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow writes artifacts under ./mlruns
    sample = frame.groupby("polymer_canonical_smiles").head(6)
    result = run_bradford_benchmark(sample, params={"n_estimators": 20})
    assert list(result.folds["fold"]) == list(BRADFORD_FOLDS)
    assert result.folds["mae"].between(0, 5).all() and 0 < result.mean_mae < 3
    assert result.predictions["pred"].notna().all()
    run_id = log_benchmark(result, f"sqlite:///{tmp_path / 'mlflow.db'}")
    import mlflow

    run = mlflow.get_run(run_id)
    assert run.data.metrics["mae_mean"] == pytest.approx(result.mean_mae)
    assert "mae_fold_5" in run.data.metrics


def test_sqrt_weights_give_each_polymer_weight_growing_with_the_root_of_its_rows():
    polymers = np.array(["PEO"] * 100 + ["PTMC"] * 4 + ["PVEE"])
    weights = polymer_weights(polymers)
    assert weights.mean() == pytest.approx(1.0)
    total = pd.Series(weights).groupby(polymers).sum()
    assert total["PEO"] / total["PTMC"] == pytest.approx(5.0) and total["PTMC"] / total["PVEE"] == pytest.approx(2.0)
    assert polymer_weights(polymers, "none") is None
    with pytest.raises(ValueError, match="choose from"):
        polymer_weights(polymers, "linear")
