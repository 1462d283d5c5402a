"""Baselines evaluated on exactly the model's folds: a model that cannot beat them has learned nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

BASELINES = ("global_mean", "polymer_mean", "ridge")


def baseline_predictions(
    X_train: np.ndarray, y_train: np.ndarray, polymers_train: np.ndarray, X_test: np.ndarray, polymers_test: np.ndarray
) -> dict[str, np.ndarray]:
    """Predictions of every baseline for one fold.

    - global_mean: the training mean;
    - polymer_mean: the training mean of the same host polymer (global mean for an unseen polymer);
    - ridge: ridge regression on the model's own features (median-imputed, standardized, alpha by CV), its
      predictions clipped to the training range of ``y``: a linear model extrapolates without bound on
      a row whose features lie far outside the training rows (an unseen polymer's descriptors), and a
      baseline that can be beaten by its blow-ups alone would flatter the model.
    """
    mean = float(np.mean(y_train))
    per_polymer = pd.Series(y_train).groupby(pd.Series(polymers_train)).mean()
    polymer_mean = pd.Series(polymers_test).map(per_polymer).fillna(mean).to_numpy(dtype=float)
    usable = ~np.all(np.isnan(X_train), axis=0)
    ridge = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), RidgeCV(alphas=np.logspace(-2, 3, 12)))
    ridge.fit(X_train[:, usable], y_train)
    return {
        "global_mean": np.full(len(X_test), mean),
        "polymer_mean": polymer_mean,
        "ridge": np.clip(ridge.predict(X_test[:, usable]), np.min(y_train), np.max(y_train)),
    }
