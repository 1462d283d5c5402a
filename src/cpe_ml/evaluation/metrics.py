"""Regression and interval metrics, computed the same way for the model and every baseline."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    residual = pred - y
    total = np.sum((y - y.mean()) ** 2)
    rho = spearmanr(y, pred).statistic if len(y) > 2 and np.ptp(pred) > 0 else float("nan")
    return {
        "mae": float(np.mean(np.abs(residual))),
        "rmse": float(np.sqrt(np.mean(residual**2))),
        "r2": float(1 - np.sum(residual**2) / total) if total > 0 else float("nan"),
        "spearman": float(rho),
    }


def interval_metrics(y: np.ndarray, low: np.ndarray, high: np.ndarray) -> dict[str, float]:
    y = np.asarray(y, dtype=float)
    return {
        "interval_coverage": float(np.mean((y >= low) & (y <= high))),
        "interval_width": float(np.mean(np.asarray(high) - np.asarray(low))),
    }
