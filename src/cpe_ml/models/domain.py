"""Applicability domain: say when a prediction is an extrapolation, and why."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.neighbors import NearestNeighbors

#: Chemistry columns whose unseen values mean the model never saw that component.
CHEMISTRY_COLUMNS = {
    "polymer": "polymer_canonical_smiles",
    "salt": "salt_canonical_smiles",
    "filler": "filler",
    "plasticizer": "plasticizer",
    # A model trained without liquid electrolytes (train.py's default) has never seen a polymer-free row.
    "electrolyte_type": "electrolyte_type",
}
#: Reference rows kept for the nearest-neighbour search: all of a 20,000-row table (a subsample would
#: drop most of the few hundred curated composites beside thousands of public rows).
MAX_REFERENCE_ROWS = 20_000


#: Domain bins, smallest expected error first: equal-count bins of the error that a difficulty model,
#: cross-fitted on the held-out residuals of grouped CV, expects for each held-out row (:class:`DifficultyModel`).
#: Quantiles, not absolute thresholds, so they hold from 50 to 20,000 rows.
BIN_NAMES = ("easy", "typical", "hard")
#: Fewest held-out rows per bin: an 80 % conformal quantile of fewer than ~15 residuals is mostly noise.
MIN_BIN_ROWS = 15
#: A bin is 'high' when its held-out MAE is at most this share of the best baseline's MAE (the model there
#: halves the error of a per-polymer mean or ridge), 'low' from LOW_MAE_RATIO up (it does not do much
#: better than the baseline), 'medium' between.
HIGH_MAE_RATIO = 0.5
LOW_MAE_RATIO = 0.8
#: Fewest held-out residuals to learn the expected error from (about 15 leaves of 20 rows); below it the
#: difficulty score is the distance to the nearest training row, the classic applicability-domain measure.
MIN_DIFFICULTY_ROWS = 300
#: Share of held-out rows nearer to their fold's training rows than the 'far from training data' flag.
FAR_QUANTILE = 2 / 3
#: Smallest interval scale, as a share of the median absolute residual the difficulty model learned from:
#: trees fitted to |residual| can predict close to 0, and a band scaled by that would collapse.
SCALE_FLOOR_SHARE = 0.25


class NearestDistance:
    """Distance to the nearest training row, features centred on their median and scaled by their IQR.

    A feature constant over most rows (IQR 0: an indicator or a filler loading in a table of filler-free
    rows) is scaled by its range instead: scaled by its standard deviation, a rare indicator would put
    every composite tens of units away from everything and make 'far' mean 'has a filler'.

    Missing values sit at the median (distance 0 along that feature); features never observed in
    training (all missing) take no part, since no tree ever split on them.
    """

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def fit(self, X: np.ndarray) -> NearestDistance:
        X = np.asarray(X, dtype=float)
        self.observed_ = ~np.all(np.isnan(X), axis=0)
        with warnings.catch_warnings():  # never-observed columns give all-NaN slices; handled by observed_
            warnings.simplefilter("ignore", RuntimeWarning)
            center = np.nanmedian(X, axis=0)
            q75, q25 = np.nanpercentile(X, [75, 25], axis=0)
            spread = np.where(np.isfinite(q75 - q25) & (q75 - q25 > 0), q75 - q25, np.nanmax(X, axis=0) - np.nanmin(X, axis=0))
        self.scale_ = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
        self.center_ = np.where(np.isfinite(center), center, 0.0)
        reference = self._scaled(X)
        #: positions (in the fitted rows) of the reference rows the neighbour search holds
        self.reference_index_ = np.arange(len(reference))
        if len(reference) > MAX_REFERENCE_ROWS:
            self.reference_index_ = np.sort(np.random.default_rng(self.random_state).choice(len(reference), MAX_REFERENCE_ROWS, replace=False))
            reference = reference[self.reference_index_]
        self.neighbors_ = NearestNeighbors(n_neighbors=1).fit(reference)
        return self

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        scaled = (np.asarray(X, dtype=float) - self.center_) / self.scale_
        return np.nan_to_num(scaled, nan=0.0, posinf=0.0, neginf=0.0) * self.observed_

    def distance(self, X: np.ndarray) -> np.ndarray:
        if not len(X):
            return np.empty(0)
        return self.neighbors_.kneighbors(self._scaled(X), n_neighbors=1)[0][:, 0]

    def nearest(self, X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances and positions (in the fitted rows) of the ``k`` nearest reference rows, per row of ``X``."""
        k = min(k, len(self.reference_index_))
        distance, position = self.neighbors_.kneighbors(self._scaled(X), n_neighbors=k)
        return distance, self.reference_index_[position]


class DifficultyModel:
    """Expected absolute error of a prediction, learned from the held-out residuals of grouped CV.

    The normalized / Mondrian conformal idea (Papadopoulos et al., JAIR 40, 2011; Johansson et al.,
    Mach. Learn. 97, 2014; Bostrom et al., crepes, PMLR 179, 2022): a second model estimates how hard each
    row is, and the band is calibrated separately for easy and hard rows. Its inputs are the model's
    features plus the distance to the nearest training row, so it learns where errors concentrate (for
    conductivity: below ~25 C, where PEO-like hosts crystallize, and polymers that few papers measured)
    instead of assuming that distance alone says it. Small shallow trees with at least 20 rows per leaf:
    it predicts the mean error of a kind of row, not any one residual. Below MIN_DIFFICULTY_ROWS residuals
    such a model learns noise, and the score is the distance itself (larger = harder).
    """

    def __init__(self, random_state: int = 0, learn: bool = True):
        self.random_state = random_state
        self.learn = learn

    def fit(self, X: np.ndarray, distance: np.ndarray, abs_residuals: np.ndarray) -> DifficultyModel:
        self.floor_ = SCALE_FLOOR_SHARE * float(np.median(abs_residuals)) if len(abs_residuals) else 0.0
        if not self.learn:
            self.model_ = None
            return self
        self.model_ = xgb.XGBRegressor(n_estimators=150, learning_rate=0.05, max_depth=3, min_child_weight=20,
                                       subsample=0.8, colsample_bytree=0.8, tree_method="hist", max_bin=64,
                                       n_jobs=2, random_state=self.random_state)
        self.model_.fit(self._inputs(X, distance), np.asarray(abs_residuals, dtype=float))
        return self

    @staticmethod
    def _inputs(X: np.ndarray, distance: np.ndarray) -> np.ndarray:
        return np.column_stack([np.asarray(X, dtype=np.float32), np.asarray(distance, dtype=np.float32)])

    def predict(self, X: np.ndarray, distance: np.ndarray) -> np.ndarray:
        """Expected absolute error per row (model scale), or the distance when fitted on too few rows."""
        if not len(X) or self.model_ is None:
            return np.asarray(distance, dtype=float)
        return self.model_.predict(self._inputs(X, distance)).astype(float)

    def scale(self, expected: np.ndarray) -> np.ndarray:
        """Interval scale per row (normalized conformal) from what :meth:`predict` returned: the expected
        error, at least ``floor_``; 1 where the score is a distance (too few residuals to learn an error), so
        the band is the bin's own width."""
        if self.model_ is None:
            return np.ones(len(expected))
        return np.maximum(expected, self.floor_)


def cross_fitted_difficulty(X: np.ndarray, distance: np.ndarray, abs_residuals: np.ndarray,
                            splits: list[tuple[np.ndarray, np.ndarray]],
                            random_state: int = 0) -> tuple[np.ndarray, np.ndarray, DifficultyModel]:
    """Expected error and interval scale of each held-out row from a :class:`DifficultyModel` fitted on the
    *other* folds' residuals, so a row's bin and scale never depend on its own error (the Mondrian bins
    stay valid); and the model fitted on every residual, which serves the final model's bins."""
    learn = len(abs_residuals) >= MIN_DIFFICULTY_ROWS
    difficulty, scale = np.full(len(abs_residuals), np.nan), np.full(len(abs_residuals), np.nan)
    for _, test in splits:
        rest = np.ones(len(abs_residuals), dtype=bool)
        rest[test] = False
        model = DifficultyModel(random_state, learn).fit(X[rest], distance[rest], abs_residuals[rest])
        difficulty[test] = model.predict(X[test], distance[test])
        scale[test] = model.scale(difficulty[test])
    return difficulty, scale, DifficultyModel(random_state, learn).fit(X, distance, abs_residuals)


def bin_edges(held_out_score: np.ndarray, n_bins: int = len(BIN_NAMES)) -> np.ndarray:
    """Inner edges of equal-count bins of held-out scores: as many bins (<= n_bins) as keep MIN_BIN_ROWS each."""
    score = np.asarray(held_out_score, dtype=float)
    k = max(1, min(n_bins, len(score) // MIN_BIN_ROWS))
    return np.unique(np.quantile(score, np.arange(1, k) / k)) if k > 1 else np.empty(0)


def bin_names(n_bins: int) -> tuple[str, ...]:
    """Names of ``n_bins`` bins, easiest first: easy/typical/hard, easy/hard, or typical for a single bin."""
    return {1: ("typical",), 2: ("easy", "hard")}.get(n_bins, BIN_NAMES[:n_bins])


def assign_bins(score: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index per row: the number of edges strictly below its score (a score on an edge goes to the easier bin)."""
    return np.searchsorted(edges, np.asarray(score, dtype=float), side="left")


def measured_confidence(bin_mae: np.ndarray, reference_mae: float, skill: float) -> np.ndarray:
    """Label per bin from the error measured on held-out groups in that bin.

    ``high`` when the bin's MAE is at most HIGH_MAE_RATIO x the best baseline's MAE (``reference_mae``),
    ``low`` from LOW_MAE_RATIO x up, ``medium`` between; every bin is ``low`` for a target without skill
    over its best baseline (``skill <= 0``), whatever its bins say.
    """
    ratio = np.asarray(bin_mae, dtype=float) / reference_mae if reference_mae > 0 else np.full(len(bin_mae), np.inf)
    labels = np.where(ratio <= HIGH_MAE_RATIO, "high", np.where(ratio < LOW_MAE_RATIO, "medium", "low")).astype(object)
    return labels if skill > 0 else np.full(len(labels), "low", dtype=object)


def skill_shown(cv_metrics: Mapping[str, float]) -> bool:
    """Whether grouped CV showed skill over the best baseline beyond chance: the 90 % lower bound of the
    skill (papers resampled) above 0; a model scored before the bound existed counts on its skill."""
    return float(cv_metrics.get("skill_lower_90", cv_metrics.get("skill", np.nan))) > 0


def capped_confidence(measured: np.ndarray, low: np.ndarray, at_most_medium: np.ndarray) -> np.ndarray:
    """The measured label per row, ``low`` where ``low`` holds and at most ``medium`` where ``at_most_medium``
    holds (the one place these rules combine, for candidates and for held-out rows alike)."""
    return np.where(low, "low", np.where(at_most_medium & (measured == "high"), "medium", measured)).astype(object)


def seen_chemistry(frame: pd.DataFrame) -> dict[str, set[str]]:
    """The polymers, salts, fillers, plasticizers (canonical forms) and electrolyte types of a set of rows."""
    return {kind: set(frame[col].fillna("").astype(str)) for kind, col in CHEMISTRY_COLUMNS.items()}


def unseen_chemistry(frame: pd.DataFrame, seen: dict[str, set[str]]) -> dict[str, np.ndarray]:
    """Per kind of component: which rows name one absent from ``seen`` (blank is not unseen)."""
    out = {}
    for kind, column in CHEMISTRY_COLUMNS.items():
        values = frame[column].fillna("").astype(str).to_numpy()
        out[kind] = ~np.isin(values, list(seen[kind])) & (values != "")
    return out


#: Columns kept of each training row to show beside a prediction (the rows that back it).
NEIGHBOUR_COLUMNS = ("record_id", "polymer", "salt", "salt_eo_li_ratio", "salt_wt_pct", "filler", "filler_loading_wt_pct",
                     "plasticizer", "temperature_c", "source", "dataset")

#: Unseen components that make a prediction 'low' confidence (an unseen filler only caps it at medium).
SEVERE_UNSEEN = ("polymer", "salt", "plasticizer", "electrolyte_type")


class ApplicabilityDomain:
    """Checks learned from the training rows, and error bins calibrated on held-out groups.

    - unseen chemistry: a polymer (canonical repeat unit), salt, filler or plasticizer absent from training;
    - out of range: a feature outside the [min, max] seen in training (e.g. 120 C when training stopped at 90 C);
    - far from training data: a distance to the nearest training row (:class:`NearestDistance`) beyond the
      FAR_QUANTILE of the distances that held-out rows of grouped CV had to their fold's training rows, so
      'far' means farther than most papers the CV held out were from the rest, at any data size;
    - domain bin: the error the :class:`DifficultyModel` expects for the row, binned at quantiles of the
      cross-fitted expectations of held-out rows (:meth:`calibrate`); the row's band and confidence are
      the ones measured on held-out groups in that bin.
    ``confidence`` is the bin's measured label (:func:`measured_confidence`), capped at medium by a
    range, far or unseen-filler flag and set to low by an unseen polymer, salt, plasticizer or electrolyte type
    (a liquid electrolyte for a model trained without liquids).
    """

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def fit(self, X: np.ndarray, frame: pd.DataFrame, feature_names: list[str], measured: pd.Series | None = None) -> ApplicabilityDomain:
        """``measured`` (the target's values of ``frame``'s rows) is shown beside the nearest training rows."""
        X = np.asarray(X, dtype=float)
        self.feature_names_ = list(feature_names)
        self.nearest_ = NearestDistance(self.random_state).fit(X)
        # plain arrays, not a DataFrame: a bundle holds only numpy/scikit-learn/xgboost objects (safe_pickle)
        rows = frame.iloc[self.nearest_.reference_index_]
        self.reference_rows_ = {c: rows[c].to_numpy(dtype=object) for c in NEIGHBOUR_COLUMNS if c in rows}
        if measured is not None:
            self.reference_rows_[f"measured_{measured.name}"] = np.asarray(measured, dtype=float)[self.nearest_.reference_index_]
        # A feature never observed in training (all missing) was never split on: its value cannot move
        # the prediction, so it takes no part in the range and distance checks.
        self.observed_ = self.nearest_.observed_
        self.low_ = np.nanmin(np.where(np.isnan(X), np.inf, X), axis=0)
        self.high_ = np.nanmax(np.where(np.isnan(X), -np.inf, X), axis=0)
        self.seen_ = seen_chemistry(frame)
        self.calibrate(np.empty(0), np.array([np.nan]), np.nan, np.nan)
        return self

    def calibrate(self, edges: np.ndarray, bin_mae: np.ndarray, reference_mae: float, skill: float,
                  difficulty: DifficultyModel | None = None, far_distance: float = np.inf) -> ApplicabilityDomain:
        """Error-bin edges, per-bin held-out MAE, the difficulty model and the 'far' distance from grouped CV
        (:func:`cpe_ml.evaluation.cv.cross_validate`)."""
        self.bin_edges_ = np.asarray(edges, dtype=float)
        self.bin_names_ = bin_names(len(self.bin_edges_) + 1)
        self.bin_mae_ = np.asarray(bin_mae, dtype=float)
        self.reference_mae_ = float(reference_mae)
        self.bin_confidence_ = measured_confidence(self.bin_mae_, self.reference_mae_, skill)
        self.difficulty_ = difficulty
        self.far_distance_ = float(far_distance)
        return self

    def distance(self, X: np.ndarray) -> np.ndarray:
        """Nearest-neighbour distance of each row to the training rows (scaled features)."""
        return self.nearest_.distance(X)

    def nearest_rows(self, X: np.ndarray, k: int = 5) -> list[pd.DataFrame]:
        """Per row of ``X``: its ``k`` nearest training rows (what they were, what was measured, the distance)."""
        distance, position = self.nearest_.nearest(np.asarray(X, dtype=float), k)
        return [pd.DataFrame({c: values[p] for c, values in self.reference_rows_.items()}).assign(distance=d)
                for d, p in zip(distance, position)]

    def error_bins(self, X: np.ndarray, distance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: error bin (index into ``bin_names_``, easiest first) and interval scale
        (:meth:`DifficultyModel.scale`), both from one prediction of the expected error; bin 0 and scale 1
        without a difficulty model."""
        if self.difficulty_ is None:
            return np.zeros(len(X), dtype=int), np.ones(len(X))
        expected = self.difficulty_.predict(X, distance)
        bins = assign_bins(expected, self.bin_edges_) if len(self.bin_edges_) else np.zeros(len(X), dtype=int)
        return bins, self.difficulty_.scale(expected)

    def assess(self, X: np.ndarray, frame: pd.DataFrame, distance: np.ndarray | None = None,
               bins: np.ndarray | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Per row: '; '-joined flags, confidence (high/medium/low) and nearest-neighbour distance."""
        X = np.asarray(X, dtype=float)
        flags: list[list[str]] = [[] for _ in range(len(X))]
        unseen = unseen_chemistry(frame, self.seen_)
        severe = np.any([unseen[kind] for kind in SEVERE_UNSEEN], axis=0) if len(X) else np.zeros(0, dtype=bool)
        for kind, rows in unseen.items():
            values = frame[CHEMISTRY_COLUMNS[kind]].fillna("").astype(str).to_numpy()
            names = frame[kind].fillna("").astype(str).to_numpy() if kind in frame else values
            for row in np.flatnonzero(rows):
                flags[row].append(f"unseen {kind} {names[row] or values[row]}")
        outside = ((X < self.low_ - 1e-9) | (X > self.high_ + 1e-9)) & self.observed_
        for row in np.flatnonzero(outside.any(axis=1)):
            columns = np.flatnonzero(outside[row])[:3]
            flags[row].append("outside training range: " + ", ".join(
                f"{self.feature_names_[c].split('__')[-1]}={X[row, c]:.3g} (train {self.low_[c]:.3g}..{self.high_[c]:.3g})" for c in columns))
        distance = self.distance(X) if distance is None else distance
        for row in np.flatnonzero(distance > self.far_distance_):
            flags[row].append(f"far from training data (distance {distance[row]:.2f} > {self.far_distance_:.2f}, "
                              f"farther than {FAR_QUANTILE:.0%} of held-out rows in grouped CV)")
        capped = np.array([bool(f) for f in flags], dtype=bool)
        bins = self.error_bins(X, distance)[0] if bins is None else bins
        measured = self.bin_confidence_[bins] if len(X) else np.empty(0, dtype=object)
        return ["; ".join(f) for f in flags], capped_confidence(measured, severe, capped), distance
