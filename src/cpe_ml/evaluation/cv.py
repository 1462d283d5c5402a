"""Grouped cross-validation: test folds hold out whole papers (or polymers), never single rows only."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold

from cpe_ml.evaluation.baselines import BASELINES, baseline_predictions
from cpe_ml.evaluation.metrics import interval_metrics, regression_metrics
from cpe_ml.models.interval import IntervalRegressor

CV_PROTOCOLS = ("paper", "polymer", "random")


def cv_groups(frame: pd.DataFrame, protocol: str) -> np.ndarray | None:
    """Group label per row: the source paper, the host polymer, or None for a random split.

    Rows without a paper of their own (Bradford 2023's per-row sources, user rows with an empty
    ``source``) are grouped by dataset + polymer, so they cannot leak across folds either.
    """
    if protocol == "random":
        return None
    polymer = frame["polymer_canonical_smiles"].where(frame["polymer_canonical_smiles"].ne(""), frame["polymer"])
    if protocol == "polymer":
        return polymer.to_numpy()
    if protocol != "paper":
        raise ValueError(f"unknown CV protocol {protocol!r}; choose from {', '.join(CV_PROTOCOLS)}")
    dataset = frame["dataset"] if "dataset" in frame else pd.Series("", index=frame.index)
    source = frame["source"].fillna("").astype(str)
    # Rows without a paper (Bradford's per-row sources, user rows with no `source`) are held out by polymer.
    by_polymer = dataset.eq("bradford2023") | source.str.strip().eq("")
    return np.where(by_polymer, dataset.astype(str) + ":polymer:" + polymer.astype(str), source)


def make_splits(n_rows: int, groups: np.ndarray | None, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    if groups is None:
        return list(KFold(min(folds, n_rows), shuffle=True, random_state=seed).split(np.zeros(n_rows)))
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise ValueError("grouped CV needs at least 2 groups (papers or polymers); use --cv random for a single-source table")
    if n_groups < folds:
        warnings.warn(f"only {n_groups} groups: using {n_groups} folds instead of {folds}", stacklevel=2)
    splitter = GroupKFold(n_splits=min(folds, n_groups), shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(n_rows), groups=groups))


@dataclass
class CVResult:
    """Out-of-fold predictions of the model and baselines, and their metrics (overall and per fold)."""

    predictions: pd.DataFrame
    metrics: dict[str, dict[str, float]]
    fold_metrics: pd.DataFrame

    @property
    def beats_polymer_mean(self) -> bool:
        return self.metrics["model"]["mae"] < self.metrics["polymer_mean"]["mae"]


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray | None,
    polymers: np.ndarray,
    record_ids: np.ndarray,
    make_model: Callable[[np.ndarray, np.ndarray, np.ndarray | None], IntervalRegressor],
    folds: int = 5,
    seed: int = 0,
    on_fold: Callable[[int, int], None] | None = None,
) -> CVResult:
    """Evaluate ``make_model(X_train, y_train, groups_train)`` and the baselines on identical folds.

    The model factory sees only the training part of each fold, so tuning inside it is nested CV.
    ``on_fold`` reports progress.
    """
    splits = make_splits(len(y), groups, folds, seed)
    rows, per_fold = [], []
    for fold, (train, test) in enumerate(splits):
        train_groups = None if groups is None else groups[train]
        model = make_model(X[train], y[train], train_groups).fit(X[train], y[train], train_groups)
        band = model.predict_interval(X[test])
        base = baseline_predictions(X[train], y[train], polymers[train], X[test], polymers[test])
        part = pd.DataFrame({"record_id": record_ids[test], "fold": fold, "group": None if groups is None else groups[test],
                             "y": y[test], "pred": band[:, 1], "low": band[:, 0], "high": band[:, 2],
                             **{f"pred_{name}": values for name, values in base.items()}})
        rows.append(part)
        per_fold.append({"fold": fold, "n_test": len(test), **regression_metrics(part["y"], part["pred"]),
                         **interval_metrics(part["y"], part["low"], part["high"]),
                         **{f"{name}_mae": float(np.mean(np.abs(part[f'pred_{name}'] - part['y']))) for name in BASELINES}})
        if on_fold:
            on_fold(fold + 1, len(splits))
    predictions = pd.concat(rows, ignore_index=True)
    metrics = {"model": {**regression_metrics(predictions["y"], predictions["pred"]),
                         **interval_metrics(predictions["y"], predictions["low"], predictions["high"])}}
    for name in BASELINES:
        metrics[name] = regression_metrics(predictions["y"], predictions[f"pred_{name}"])
    return CVResult(predictions, metrics, pd.DataFrame(per_fold))
