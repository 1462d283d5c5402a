"""Figures people look at instead of reading tables: parity, residuals by paper, importance, dependence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def parity_plot(predictions: pd.DataFrame, label: str, path: Path, title: str) -> Path:
    """Out-of-fold predicted vs measured, with the 80 % interval as error bars."""
    fig, ax = plt.subplots(figsize=(5.2, 5))
    y, pred = predictions["y"], predictions["pred"]
    ax.errorbar(y, pred, yerr=[pred - predictions["low"], predictions["high"] - pred], fmt="o", ms=3.5,
                alpha=0.55, elinewidth=0.6, color="tab:blue", ecolor="tab:gray", label="model (80 % interval)")
    span = [min(y.min(), pred.min()), max(y.max(), pred.max())]
    ax.plot(span, span, "k--", lw=1, label="y = x")
    mae = np.mean(np.abs(pred - y))
    base = np.mean(np.abs(predictions["pred_polymer_mean"] - y))
    ax.set(xlabel=f"measured {label}", ylabel=f"predicted {label} (out of fold)",
           title=f"{title}\nMAE {mae:.3g}  (per-polymer mean {base:.3g})")
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def residuals_by_group(predictions: pd.DataFrame, label: str, path: Path, top: int = 25) -> Path:
    """Residual distribution per held-out group (paper or polymer): which sources the model misses."""
    frame = predictions.assign(residual=predictions["pred"] - predictions["y"], group=predictions["group"].fillna("all").astype(str))
    order = frame.groupby("group")["residual"].apply(lambda r: np.abs(r).mean()).sort_values(ascending=False).index[:top]
    fig, ax = plt.subplots(figsize=(8, max(3, 0.28 * len(order) + 1)))
    ax.boxplot([frame.loc[frame["group"] == g, "residual"] for g in order], vert=False, widths=0.6)
    ax.set_yticks(range(1, len(order) + 1), [g if len(g) <= 45 else g[:42] + "..." for g in order], fontsize=7)
    ax.axvline(0, color="k", lw=0.8)
    ax.set(xlabel=f"residual, predicted - measured ({label})", title=f"Out-of-fold residuals per group (worst {len(order)})")
    return _save(fig, path)


def feature_importance_plot(names: list[str], importances: np.ndarray, path: Path, top: int = 20) -> Path:
    order = np.argsort(importances)[::-1][:top][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(order) + 1.2))
    ax.barh(range(len(order)), importances[order], color="tab:green")
    ax.set_yticks(range(len(order)), [names[i] for i in order], fontsize=8)
    ax.set(xlabel="share of total gain", title="Feature importance (XGBoost total gain)")
    return _save(fig, path)


def dependence_plot(
    frame: pd.DataFrame, column: str, grid: np.ndarray, predict: Callable[[pd.DataFrame], np.ndarray],
    xlabel: str, ylabel: str, path: Path, max_rows: int = 60, seed: int = 0,
) -> Path:
    """Partial dependence in formulation space: set ``column`` to each grid value for sampled real
    formulations, re-featurize, predict; thin lines are single formulations, the thick line their mean."""
    sample = frame.sample(min(max_rows, len(frame)), random_state=seed)
    curves = []
    for value in grid:
        changed = sample.assign(**{column: value})
        if column == "temperature_c":
            changed = changed.assign(assumed_temperature=0.0)
        curves.append(predict(changed))
    curves = np.asarray(curves).T
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for curve in curves:
        ax.plot(grid, curve, color="tab:blue", alpha=0.12, lw=0.8)
    ax.plot(grid, curves.mean(axis=0), color="tab:red", lw=2.5, label="mean over formulations")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=f"Partial dependence on {xlabel}")
    ax.legend(fontsize=8)
    return _save(fig, path)


def reliability_plot(reliability: pd.DataFrame, path: Path) -> Path:
    """Observed vs nominal interval coverage per applicability-domain bin, on held-out groups."""
    fig, ax = plt.subplots(figsize=(5, 4.6))
    for name, part in reliability.groupby("bin", sort=False):
        ax.plot(part["nominal"], part["observed"], "o-", label=f"{name} ({int(part['n'].iloc[0])} rows)")
    ax.plot([0.4, 1], [0.4, 1], "k--", lw=1, label="ideal")
    ax.set(xlabel="nominal coverage", ylabel="observed coverage (grouped CV)", xlim=(0.4, 1), ylim=(0.4, 1.02),
           title="Interval reliability per domain bin")
    ax.legend(fontsize=8)
    return _save(fig, path)


def interval_width_histogram(predictions: pd.DataFrame, label: str, path: Path) -> Path:
    """Distribution of the 80 % interval widths of held-out rows, stacked by domain bin."""
    fig, ax = plt.subplots(figsize=(6, 4.2))
    width = predictions["high"] - predictions["low"]
    names = list(predictions.groupby("ad_bin")["difficulty"].median().sort_values().index)  # easiest bin first
    ax.hist([width[predictions["ad_bin"] == name] for name in names], bins=30, stacked=True, label=names)
    ax.set(xlabel=f"80 % interval width ({label})", ylabel="held-out rows", title="Interval width per domain bin")
    ax.legend(fontsize=8)
    return _save(fig, path)
