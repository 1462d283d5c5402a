"""Grouped cross-validation: test folds hold out whole papers (or polymers), never single rows only."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold

from cpe_ml.evaluation.baselines import BASELINES, baseline_predictions
from cpe_ml.evaluation.metrics import interval_metrics, regression_metrics
from cpe_ml.models.domain import (FAR_QUANTILE, SEVERE_UNSEEN, DifficultyModel, NearestDistance, assign_bins, bin_edges,
                                  bin_names, capped_confidence, cross_fitted_difficulty, seen_chemistry, skill_shown,
                                  unseen_chemistry)
from cpe_ml.models.interval import IntervalRegressor
from cpe_ml.consistency import is_liquid

CV_PROTOCOLS = ("paper", "polymer", "random")


def host_keys(frame: pd.DataFrame) -> pd.Series:
    """The host of each row: its polymer (canonical repeat unit, else name), or for a polymer-free liquid
    electrolyte its solvents (``liquid:<plasticizer>|<plasticizer_smiles>``), so liquids in different
    solvents count as different hosts, not as one blank polymer."""
    polymer = frame["polymer_canonical_smiles"].where(frame["polymer_canonical_smiles"].ne(""), frame["polymer"])
    if "electrolyte_type" not in frame:
        return polymer
    solvents = "liquid:" + frame["plasticizer"].fillna("").astype(str) + "|" + frame["plasticizer_smiles"].fillna("").astype(str)
    return polymer.where(~is_liquid(frame), solvents)


def cv_groups(frame: pd.DataFrame, protocol: str) -> np.ndarray | None:
    """Group label per row: the source paper, the host polymer, or None for a random split.

    Rows without a paper of their own (user rows with an empty ``source``) are grouped by dataset +
    polymer, so they cannot leak across folds either.
    """
    if protocol == "random":
        return None
    polymer = host_keys(frame)
    if protocol == "polymer":
        return polymer.to_numpy()
    if protocol != "paper":
        raise ValueError(f"unknown CV protocol {protocol!r}; choose from {', '.join(CV_PROTOCOLS)}")
    dataset = frame["dataset"] if "dataset" in frame else pd.Series("", index=frame.index)
    source = frame["source"].fillna("").astype(str)
    # Rows without a paper (user rows with no `source`) are held out by polymer. Public rows carry their
    # paper (Hatakeyama: DOI) or a documented stand-in (Bradford: polymer as written + reported Mw).
    by_polymer = source.str.strip().eq("")
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
    margin: float = float("nan")  # model-scale half-width of the band for the model fitted on all rows
    #: Error bins calibrated on held-out groups: inner edges of the expected error (easiest bin first),
    #: per bin the quantile of |residual| / expected error (a row's half-width is that times its own
    #: expected error, :meth:`cpe_ml.models.domain.DifficultyModel.scale`) for the model fitted on all
    #: rows, and the observed coverage per bin at several nominal levels (columns bin, nominal, observed, n).
    bin_edges: np.ndarray = field(default_factory=lambda: np.empty(0))
    margins: np.ndarray = field(default_factory=lambda: np.full(1, np.nan))
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The expected-error model fitted on every held-out residual (serves the final model's bins), and
    #: the held-out distance beyond which a row is flagged 'far from training data'.
    difficulty: DifficultyModel | None = None
    far_distance: float = float("inf")
    #: Scores beside the folds' totals (not baselines): the model on subsets of rows, the data's noise floor.
    extra: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def beats_polymer_mean(self) -> bool:
        return self.metrics["model"]["mae"] < self.metrics["polymer_mean"]["mae"]

    @property
    def best_baseline(self) -> str:
        """The baseline with the lowest MAE on the same folds (global mean, per-polymer mean, ridge, ...)."""
        return min((name for name in self.metrics if name != "model"), key=lambda name: self.metrics[name]["mae"])

    @property
    def skill(self) -> float:
        """1 - MAE(model) / MAE(best baseline): > 0 only when the model beats every baseline."""
        return skill_score(self.metrics["model"]["mae"], self.metrics[self.best_baseline]["mae"])

    @property
    def beats_best_baseline(self) -> bool:
        return self.skill > 0

    @property
    def skill_demonstrated(self) -> bool:
        """Skill whose 90 % group-bootstrap lower bound is above 0 (:func:`skill_lower_bound`)."""
        return skill_shown(self.metrics["model"])


def skill_score(model_mae: float, baseline_mae: float) -> float:
    """1 - MAE / MAE(baseline); NaN when the baseline is perfect."""
    return float(1.0 - model_mae / baseline_mae) if baseline_mae > 0 else float("nan")


def skill_lower_bound(error: np.ndarray, baseline_error: np.ndarray, groups: np.ndarray | None,
                      level: float = 0.9, n_boot: int = 1000, seed: int = 0) -> float:
    """One-sided ``level`` lower bound of the skill, resampling whole held-out groups (papers) with
    replacement (the cluster bootstrap; Field & Welsh, JRSS B 69, 2007): a skill of a few percent on a
    hundred rows from sixty papers is often chance, and a label must not rest on it."""
    error, baseline_error = np.asarray(error, dtype=float), np.asarray(baseline_error, dtype=float)
    codes = np.unique(groups, return_inverse=True)[1] if groups is not None else np.arange(len(error))
    n = int(codes.max()) + 1 if len(codes) else 0
    if n < 2:
        return float("nan")
    model_sum, base_sum = np.bincount(codes, error, n), np.bincount(codes, baseline_error, n)
    weights = np.random.default_rng(seed).multinomial(n, np.full(n, 1 / n), size=n_boot)
    with np.errstate(divide="ignore", invalid="ignore"):
        skill = 1 - (weights @ model_sum) / (weights @ base_sum)
    return float(np.nanquantile(skill, 1 - level))


def conformal_quantile(residuals: np.ndarray, coverage: float) -> float:
    """Split-conformal quantile of absolute residuals: level coverage * (1 + 1/n), capped at 1."""
    residuals = np.asarray(residuals, dtype=float)
    if not len(residuals):
        return float("nan")
    return float(np.quantile(residuals, min(1.0, coverage * (1 + 1 / len(residuals)))))


def mondrian_quantiles(residuals: np.ndarray, bins: np.ndarray, n_bins: int, coverage: float) -> np.ndarray:
    """Conformal quantile per bin (Mondrian conformal, Vovk et al. 2005); a bin without rows gets the pooled one."""
    pooled = conformal_quantile(residuals, coverage)
    return np.array([conformal_quantile(residuals[bins == b], coverage) if np.any(bins == b) else pooled for b in range(n_bins)])


def cross_conformal_margins(residuals: np.ndarray, bins: np.ndarray, n_bins: int,
                            splits: list[tuple[np.ndarray, np.ndarray]], coverage: float,
                            scale: np.ndarray | None = None) -> np.ndarray:
    """Half-width per row: its scale times its bin's quantile of the *other* folds' absolute out-of-fold
    residuals divided by their scales (normalized Mondrian conformal; no scale: plain residuals)."""
    scale = np.ones(len(residuals)) if scale is None else scale
    margins = np.full(len(residuals), np.nan)
    for _, test in splits:
        rest = np.ones(len(residuals), dtype=bool)
        rest[test] = False
        margins[test] = mondrian_quantiles(residuals[rest] / scale[rest], bins[rest], n_bins, coverage)[bins[test]] * scale[test]
    return margins


def reliability_table(residuals: np.ndarray, bins: np.ndarray, names: tuple[str, ...],
                      splits: list[tuple[np.ndarray, np.ndarray]], levels=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
                      scale: np.ndarray | None = None) -> pd.DataFrame:
    """Observed coverage of the cross-conformal Mondrian band per bin at each nominal level."""
    rows = []
    for level in levels:
        covered = residuals <= cross_conformal_margins(residuals, bins, len(names), splits, level, scale)
        rows += [{"bin": name, "nominal": level, "observed": float(covered[bins == b].mean()), "n": int(np.sum(bins == b))}
                 for b, name in enumerate(names) if np.any(bins == b)]
    return pd.DataFrame(rows)


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
    to_target: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    y_target: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
    coverage: float = 0.8,
) -> CVResult:
    """Evaluate ``make_model(X_train, y_train, groups_train)`` and the baselines on identical folds.

    The model factory sees only the training part of each fold, so tuning inside it is nested CV.
    ``on_fold`` reports progress.

    ``to_target(values, rows)`` converts model-scale values of the rows at positions ``rows`` to target
    units (retention % from the log cumulative fade) and ``y_target`` holds the measured values in those
    units: metrics are then in target units, the baselines are fitted on the target values as before
    and, as a second set (``<name>_model_scale``), on the model scale and converted; skill compares
    with the best of all of them.

    Intervals are cross-conformal (Vovk 2015; Barber et al., Ann. Stat. 2021) and Mondrian on error
    bins (Vovk et al., Algorithmic Learning in a Random World, 2005, ch. 4; Boström et al., crepes, 2022):
    a :class:`~cpe_ml.models.domain.DifficultyModel` fitted on the other folds' held-out residuals
    (features + distance to the fold's training rows) gives each held-out row an expected error, which
    puts it in an equal-count bin of those expectations (easy / typical / hard); the band of a fold-k row
    is the centre +/- its expected error times the ``coverage`` quantile of the *other* folds' absolute
    out-of-fold residuals divided by their expected errors, in the same bin (normalized Mondrian
    conformal, the ``sigmas`` + ``bins`` of crepes: coverage still holds per bin, and the band follows
    the expected error smoothly inside a bin instead of jumping from one bin's width to the next along a
    temperature scan). So a formulation of a kind that erred on unseen groups gets the wider band it
    earned, no model is fitted twice, and coverage is measured per bin on held-out groups
    (``extra['ad_bin_<name>']``, ``reliability``). ``bin_edges``, ``margins`` (per-bin quantiles of the
    scaled residuals over all folds) and ``difficulty`` (fitted on all held-out residuals) serve the model
    fitted on every row; ``margin`` is the pooled quantile of the plain residuals.
    """
    splits = make_splits(len(y), groups, folds, seed)
    centres, distance = np.full(len(y), np.nan), np.full(len(y), np.nan)
    for fold, (train, test) in enumerate(splits):
        train_groups = None if groups is None else groups[train]
        weight = None if sample_weight is None else sample_weight[train]
        model = make_model(X[train], y[train], train_groups).fit(X[train], y[train], train_groups, sample_weight=weight)
        centres[test] = model.predict(X[test])
        distance[test] = NearestDistance(seed).fit(X[train]).distance(X[test])
        if on_fold:
            on_fold(fold + 1, len(splits))
    residuals = np.abs(y - centres)
    difficulty, scale, difficulty_model = cross_fitted_difficulty(X, distance, residuals, splits, seed)
    edges = bin_edges(difficulty)
    bins, names_of_bins = assign_bins(difficulty, edges), bin_names(len(edges) + 1)
    row_margins = cross_conformal_margins(residuals, bins, len(names_of_bins), splits, coverage, scale)
    names = [*BASELINES, *(f"{b}_model_scale" for b in BASELINES)] if to_target else list(BASELINES)
    rows, per_fold = [], []
    for fold, (train, test) in enumerate(splits):
        margin = row_margins[test]
        band = np.column_stack([centres[test] - margin, centres[test], centres[test] + margin])
        if to_target:
            band = np.sort(np.column_stack([to_target(band[:, i], test) for i in range(3)]), axis=1)
            base = baseline_predictions(X[train], y_target[train], polymers[train], X[test], polymers[test])
            scaled = baseline_predictions(X[train], y[train], polymers[train], X[test], polymers[test])
            base |= {f"{name}_model_scale": to_target(values, test) for name, values in scaled.items()}
            truth = y_target[test]
        else:
            base = baseline_predictions(X[train], y[train], polymers[train], X[test], polymers[test])
            truth = y[test]
        part = pd.DataFrame({"record_id": record_ids[test], "fold": fold, "group": None if groups is None else groups[test],
                             "y": truth, "pred": band[:, 1], "low": band[:, 0], "high": band[:, 2],
                             "distance": distance[test], "difficulty": difficulty[test],
                             "ad_bin": np.asarray(names_of_bins, dtype=object)[bins[test]],
                             **{f"pred_{name}": values for name, values in base.items()}})
        rows.append(part)
        per_fold.append({"fold": fold, "n_test": len(test), **regression_metrics(part["y"], part["pred"]),
                         **interval_metrics(part["y"], part["low"], part["high"]),
                         **{f"{name}_mae": float(np.mean(np.abs(part[f'pred_{name}'] - part['y']))) for name in names}})
    predictions = pd.concat(rows, ignore_index=True)
    metrics = {"model": {**regression_metrics(predictions["y"], predictions["pred"]),
                         **interval_metrics(predictions["y"], predictions["low"], predictions["high"])}}
    for name in names:
        metrics[name] = regression_metrics(predictions["y"], predictions[f"pred_{name}"])
    result = CVResult(predictions, metrics, pd.DataFrame(per_fold), conformal_quantile(residuals, coverage), edges,
                      mondrian_quantiles(residuals / scale, bins, len(names_of_bins), coverage),
                      reliability_table(residuals, bins, names_of_bins, splits, scale=scale),
                      difficulty=difficulty_model,
                      far_distance=float(np.quantile(distance, FAR_QUANTILE)))
    metrics["model"]["skill"] = result.skill
    best = predictions[f"pred_{result.best_baseline}"]
    metrics["model"]["skill_lower_90"] = skill_lower_bound(np.abs(predictions["pred"] - predictions["y"]), np.abs(best - predictions["y"]),
                                                           None if groups is None else predictions["group"].to_numpy(), seed=seed)
    result.extra.update(bin_metrics(predictions, names_of_bins))
    return result


def bin_metrics(predictions: pd.DataFrame, names: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Per domain bin on held-out groups: rows, MAE, interval coverage and mean width (``ad_bin_<name>``)."""
    out = {}
    for name in names:
        part = predictions.loc[predictions["ad_bin"] == name]
        if len(part):
            out[f"ad_bin_{name}"] = {"n": float(len(part)), "mae": float(np.mean(np.abs(part["pred"] - part["y"]))),
                                     **interval_metrics(part["y"], part["low"], part["high"]),
                                     "median_distance": float(part["distance"].median())}
    return out


def confidence_metrics(predictions: pd.DataFrame, rows: pd.DataFrame, bin_confidence: dict[str, str],
                       far_distance: float) -> dict[str, dict[str, float]]:
    """MAE of held-out rows per confidence label, labelled by the rules prediction applies to a candidate.

    A row takes its error bin's label (``bin_confidence``: bin name -> label), is ``low`` when its polymer,
    salt, plasticizer or electrolyte type is absent from its fold's training rows and at most ``medium`` when its filler is, when a
    default was filled in (``_note``) or when it lies beyond ``far_distance`` from its fold's training rows (the
    feature-range check is the one rule left out: it needs each fold's feature matrix). ``confidence_<label>`` holds n and MAE; ``confidence_ratio`` the MAE of ``high``
    over that of ``low`` rows: a label worth reading keeps it well below 1.
    """
    part = predictions.join(rows.set_index("record_id"), on="record_id", rsuffix="_row")
    severe = np.zeros(len(part), dtype=bool)
    capped = np.array(part.get("_note", pd.Series("", index=part.index)).fillna("").astype(str).ne(""), dtype=bool)
    capped |= part["distance"].to_numpy() > far_distance
    for fold in part["fold"].unique():
        test = part["fold"].eq(fold).to_numpy()
        unseen = unseen_chemistry(part.loc[test], seen_chemistry(part.loc[~test]))
        severe[test] = np.any([unseen[kind] for kind in SEVERE_UNSEEN], axis=0)
        capped[test] |= unseen["filler"]
    label = capped_confidence(part["ad_bin"].map(bin_confidence).to_numpy(dtype=object), severe, capped)
    error = np.abs(part["y"] - part["pred"]).to_numpy()
    out = {f"confidence_{name}": {"n": float(np.sum(label == name)), "mae": float(np.mean(error[label == name]))}
           for name in ("high", "medium", "low") if np.any(label == name)}
    if "confidence_high" in out and "confidence_low" in out:
        out["confidence_ratio"] = {"high_over_low_mae": out["confidence_high"]["mae"] / out["confidence_low"]["mae"]}
    return out
