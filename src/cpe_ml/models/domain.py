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
MAX_REFERENCE_ROWS = 5000


class ApplicabilityDomain:
    """Three checks learned from the training rows.

    - unseen chemistry: a polymer (canonical repeat unit), salt, filler or plasticizer absent from training;
    - out of range: a feature outside the [min, max] seen in training (e.g. 120 C when training stopped at 90 C);
    - far from data: distance to the nearest training row (features scaled by their training IQR) above
      the 95th percentile of training rows' own nearest-neighbour distances.
    ``confidence`` is high with no flag, medium with range/unseen-filler flags only, low otherwise.
    """

    def __init__(self, quantile: float = 0.95, random_state: int = 0):
        self.quantile = quantile
        self.random_state = random_state

    def fit(self, X: np.ndarray, frame: pd.DataFrame, feature_names: list[str]) -> ApplicabilityDomain:
        X = np.asarray(X, dtype=float)
        self.feature_names_ = list(feature_names)
        # A feature never observed in training (all missing) was never split on: its value cannot move
        # the prediction, so it takes no part in the range and distance checks.
        self.observed_ = ~np.all(np.isnan(X), axis=0)
        self.low_ = np.nanmin(np.where(np.isnan(X), np.inf, X), axis=0)
        self.high_ = np.nanmax(np.where(np.isnan(X), -np.inf, X), axis=0)
        with warnings.catch_warnings():  # never-observed columns give all-NaN slices; handled by observed_
            warnings.simplefilter("ignore", RuntimeWarning)
            self.center_ = np.nanmedian(X, axis=0)
            q75, q25 = np.nanpercentile(X, [75, 25], axis=0)
            spread = np.where(np.isfinite(q75 - q25) & (q75 - q25 > 0), q75 - q25, np.nanstd(X, axis=0))
        self.scale_ = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
        self.center_ = np.where(np.isfinite(self.center_), self.center_, 0.0)
        self.seen_ = {kind: set(frame[col].fillna("").astype(str)) for kind, col in CHEMISTRY_COLUMNS.items()}
        reference = self._scaled(X)
        if len(reference) > MAX_REFERENCE_ROWS:
            pick = np.random.default_rng(self.random_state).choice(len(reference), MAX_REFERENCE_ROWS, replace=False)
            reference = reference[pick]
        self.neighbors_ = NearestNeighbors(n_neighbors=min(2, len(reference))).fit(reference)
        own, _ = self.neighbors_.kneighbors(reference)
        self.distance_threshold_ = float(np.quantile(own[:, -1], self.quantile)) if len(reference) > 1 else np.inf
        return self

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        scaled = (np.asarray(X, dtype=float) - self.center_) / self.scale_
        return np.nan_to_num(scaled, nan=0.0, posinf=0.0, neginf=0.0) * self.observed_

    def assess(self, X: np.ndarray, frame: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
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
        distance, _ = self.neighbors_.kneighbors(self._scaled(X), n_neighbors=1)
        distance = distance[:, 0]
        far = distance > self.distance_threshold_
        for row in np.flatnonzero(far):
            flags[row].append(f"far from training data (distance {distance[row]:.2f} > {self.distance_threshold_:.2f})")
        severe |= far
        confidence = np.where(severe, "low", np.where([bool(f) for f in flags], "medium", "high"))
        return ["; ".join(f) for f in flags], confidence, distance
