"""Applicability domain: say when a prediction is an extrapolation, and why."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

#: Chemistry columns whose unseen values mean the model never saw that component.
CHEMISTRY_COLUMNS = {
    "polymer": "polymer_canonical_smiles",
    "salt": "salt_canonical_smiles",
    "filler": "filler",
    "plasticizer": "plasticizer",
}
#: Reference rows kept for the nearest-neighbour search: all of a 20,000-row table (a subsample would
#: drop most of the few hundred curated composites beside thousands of public rows).
MAX_REFERENCE_ROWS = 20_000


#: Domain bins, nearest first: equal-count bins of the distances of held-out rows (grouped CV) to their
#: fold's training rows. Quantiles, not absolute thresholds, so they hold from 50 to 20,000 rows.
BIN_NAMES = ("near", "typical", "far")
#: Fewest held-out rows per bin: an 80 % conformal quantile of fewer than ~15 residuals is mostly noise.
MIN_BIN_ROWS = 15
#: A bin is 'high' when its held-out MAE is at most this share of the best baseline's MAE, 'medium' up to
#: the baseline's MAE, 'low' above it (the model there does no better than a per-polymer mean or ridge).
HIGH_MAE_RATIO = 0.6


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
        if len(reference) > MAX_REFERENCE_ROWS:
            pick = np.random.default_rng(self.random_state).choice(len(reference), MAX_REFERENCE_ROWS, replace=False)
            reference = reference[pick]
        self.neighbors_ = NearestNeighbors(n_neighbors=1).fit(reference)
        return self

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        scaled = (np.asarray(X, dtype=float) - self.center_) / self.scale_
        return np.nan_to_num(scaled, nan=0.0, posinf=0.0, neginf=0.0) * self.observed_

    def distance(self, X: np.ndarray) -> np.ndarray:
        if not len(X):
            return np.empty(0)
        return self.neighbors_.kneighbors(self._scaled(X), n_neighbors=1)[0][:, 0]


def bin_edges(held_out_distance: np.ndarray, n_bins: int = len(BIN_NAMES)) -> np.ndarray:
    """Inner edges of equal-count bins of held-out distances: as many bins (<= n_bins) as keep MIN_BIN_ROWS each."""
    distance = np.asarray(held_out_distance, dtype=float)
    k = max(1, min(n_bins, len(distance) // MIN_BIN_ROWS))
    return np.unique(np.quantile(distance, np.arange(1, k) / k)) if k > 1 else np.empty(0)


def bin_names(n_bins: int) -> tuple[str, ...]:
    """Names of ``n_bins`` bins, nearest first: near/typical/far, near/far, or typical for a single bin."""
    return {1: ("typical",), 2: ("near", "far")}.get(n_bins, BIN_NAMES[:n_bins])


def assign_bins(distance: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index per row: the number of edges strictly below its distance (a distance on an edge is nearer)."""
    return np.searchsorted(edges, np.asarray(distance, dtype=float), side="left")


def measured_confidence(bin_mae: np.ndarray, reference_mae: float, skill: float) -> np.ndarray:
    """Label per bin from the error measured on held-out groups in that bin.

    ``high`` when the bin's MAE is at most HIGH_MAE_RATIO x the best baseline's MAE (``reference_mae``),
    ``medium`` up to the baseline's MAE, ``low`` above it; every bin is ``low`` for a target without
    skill over its best baseline (``skill <= 0``), whatever its bins say.
    """
    ratio = np.asarray(bin_mae, dtype=float) / reference_mae if reference_mae > 0 else np.full(len(bin_mae), np.inf)
    labels = np.where(ratio <= HIGH_MAE_RATIO, "high", np.where(ratio <= 1.0, "medium", "low")).astype(object)
    return labels if skill > 0 else np.full(len(labels), "low", dtype=object)


class ApplicabilityDomain:
    """Checks learned from the training rows, and domain bins calibrated on held-out groups.

    - unseen chemistry: a polymer (canonical repeat unit), salt, filler or plasticizer absent from training;
    - out of range: a feature outside the [min, max] seen in training (e.g. 120 C when training stopped at 90 C);
    - domain bin: distance to the nearest training row (:class:`NearestDistance`) binned at quantiles of
      the distances that held-out rows of grouped CV had to their fold's training rows (:meth:`calibrate`),
      so 'far' means farther than most papers the CV held out were from the rest, at any data size.
    ``confidence`` is the bin's measured label (:func:`measured_confidence`), capped at medium by a
    range or unseen-filler flag and set to low by an unseen polymer, salt or plasticizer.
    """

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def fit(self, X: np.ndarray, frame: pd.DataFrame, feature_names: list[str]) -> ApplicabilityDomain:
        X = np.asarray(X, dtype=float)
        self.feature_names_ = list(feature_names)
        self.nearest_ = NearestDistance(self.random_state).fit(X)
        # A feature never observed in training (all missing) was never split on: its value cannot move
        # the prediction, so it takes no part in the range and distance checks.
        self.observed_ = self.nearest_.observed_
        self.low_ = np.nanmin(np.where(np.isnan(X), np.inf, X), axis=0)
        self.high_ = np.nanmax(np.where(np.isnan(X), -np.inf, X), axis=0)
        self.seen_ = {kind: set(frame[col].fillna("").astype(str)) for kind, col in CHEMISTRY_COLUMNS.items()}
        self.calibrate(np.empty(0), np.array([np.nan]), np.nan, np.nan)
        return self

    def calibrate(self, edges: np.ndarray, bin_mae: np.ndarray, reference_mae: float, skill: float) -> ApplicabilityDomain:
        """Bin edges and per-bin held-out MAE from grouped CV (:func:`cpe_ml.evaluation.cv.cross_validate`)."""
        self.bin_edges_ = np.asarray(edges, dtype=float)
        self.bin_names_ = bin_names(len(self.bin_edges_) + 1)
        self.bin_mae_ = np.asarray(bin_mae, dtype=float)
        self.reference_mae_ = float(reference_mae)
        self.bin_confidence_ = measured_confidence(self.bin_mae_, self.reference_mae_, skill)
        return self

    def distance(self, X: np.ndarray) -> np.ndarray:
        """Nearest-neighbour distance of each row to the training rows (scaled features)."""
        return self.nearest_.distance(X)

    def bins(self, distance: np.ndarray) -> np.ndarray:
        return assign_bins(distance, self.bin_edges_)

    def assess(self, X: np.ndarray, frame: pd.DataFrame, distance: np.ndarray | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Per row: '; '-joined flags, confidence (high/medium/low) and nearest-neighbour distance."""
        X = np.asarray(X, dtype=float)
        flags: list[list[str]] = [[] for _ in range(len(X))]
        severe = np.zeros(len(X), dtype=bool)
        for kind, column in CHEMISTRY_COLUMNS.items():
            values = frame[column].fillna("").astype(str).to_numpy()
            unseen = ~np.isin(values, list(self.seen_[kind])) & (values != "")
            if kind != "filler":
                severe |= unseen
            names = frame[kind].fillna("").astype(str).to_numpy() if kind in frame else values
            for row in np.flatnonzero(unseen):
                flags[row].append(f"unseen {kind} {names[row] or values[row]}")
        outside = ((X < self.low_ - 1e-9) | (X > self.high_ + 1e-9)) & self.observed_
        for row in np.flatnonzero(outside.any(axis=1)):
            columns = np.flatnonzero(outside[row])[:3]
            flags[row].append("outside training range: " + ", ".join(
                f"{self.feature_names_[c].split('__')[-1]}={X[row, c]:.3g} (train {self.low_[c]:.3g}..{self.high_[c]:.3g})" for c in columns))
        capped = np.array([bool(f) for f in flags], dtype=bool)
        distance = self.distance(X) if distance is None else distance
        bins = self.bins(distance)
        if len(self.bin_names_) > 1:
            share = 1 - 1 / len(self.bin_names_)
            for row in np.flatnonzero(bins == len(self.bin_names_) - 1):
                flags[row].append(f"far from training data (distance {distance[row]:.2f} > {self.bin_edges_[-1]:.2f}, "
                                  f"farther than {share:.0%} of held-out rows in grouped CV)")
        measured = self.bin_confidence_[bins] if len(X) else np.empty(0, dtype=object)
        confidence = np.where(severe, "low", np.where(capped & (measured == "high"), "medium", measured)).astype(object)
        return ["; ".join(f) for f in flags], confidence, distance
