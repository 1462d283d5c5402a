"""Why one candidate got its prediction: a waterfall of the features' additive contributions.

TreeSHAP contributions (XGBoost ``pred_contribs``) of the central model add up exactly to its prediction:
base value (the average training prediction) plus one push per feature. The waterfall shows the
largest pushes in order and folds the rest into one bar, one panel per target.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from cpe_ml.models.bundle import ModelBundle
from cpe_ml.prediction import fill_conditions, validate_candidates


def find_row(frame: pd.DataFrame, record_id_or_row: str | int) -> int:
    """0-based position of the row whose ``record_id`` matches, else of the 1-based row number."""
    key = str(record_id_or_row).strip()
    if "record_id" in frame:
        hits = np.flatnonzero(frame["record_id"].astype(str).str.strip().to_numpy() == key)
        if len(hits):
            return int(hits[0])
    if key.isdigit() and 1 <= int(key) <= len(frame):
        return int(key) - 1
    raise LookupError(f"no row with record_id {key!r} (or row number 1..{len(frame)}) in the candidates")


def contributions(frame: pd.DataFrame, bundles: dict[str, ModelBundle], record_id_or_row: str | int) -> pd.DataFrame:
    """One row per target and feature: the feature value and its contribution, plus a ``(base value)`` row.

    Contributions are on the model scale (log10 S/cm for conductivity) and sum to the reported prediction.
    """
    row = find_row(frame, record_id_or_row)
    valid = validate_candidates(frame.iloc[[row]])
    clean, _ = fill_conditions(valid.clean)
    tables = []
    for name, bundle in bundles.items():
        X = bundle.featurizer.transform(clean).astype(np.float32)
        push = bundle.model.contributions(X)[0]
        names = [n.split("__", 1)[-1] for n in bundle.feature_names]
        tables.append(pd.DataFrame({"target": name, "feature": [*names, "(base value)"],
                                    "value": [*X[0].astype(float), np.nan], "contribution": push.astype(float)}))
    return pd.concat(tables, ignore_index=True)


def waterfall_plot(frame: pd.DataFrame, bundles: dict[str, ModelBundle], record_id_or_row: str | int,
                   path: str | os.PathLike, top: int = 12) -> pd.DataFrame:
    """Write a PNG waterfall per target for one candidate row; returns the contribution table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = contributions(frame, bundles, record_id_or_row)
    targets = list(dict.fromkeys(table["target"]))
    conductivity = next((b for b in bundles.values() if b.target.temperature_law), None)
    panels = len(targets) + (conductivity is not None)
    fig, axes = plt.subplots(1, panels, figsize=(6.2 * panels, 0.36 * (top + 3) + 1.2), squeeze=False)
    row = find_row(frame, record_id_or_row)
    for ax, name in zip(axes[0], targets):
        _waterfall(ax, table.loc[table["target"] == name], bundles[name], top)
    if conductivity is not None:
        clean, _ = fill_conditions(validate_candidates(frame.iloc[[row]]).clean)
        _loading_panel(axes[0][-1], loading_curve(clean, conductivity), clean, observed_near(clean))
    label = frame["record_id"].iloc[row] if "record_id" in frame else f"row {row + 1}"
    fig.suptitle(f"Why {label}: feature contributions to the prediction", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return table


#: Filler loadings (wt%) of the loading curve in explanations.
LOADING_GRID_WT_PCT = np.arange(0.0, 70.1, 2.5)


def loading_curve(clean: pd.DataFrame, bundle: ModelBundle) -> pd.DataFrame:
    """The candidate's conductivity vs filler loading (its own filler, size, morphology and temperature).

    Columns: loading, ``composite`` (the model), ``host`` (the same row without filler), ``physics`` (host +
    effective-medium prior alone). A candidate without filler gets the curve of nothing: all three equal.
    """
    from cpe_ml.models.targets import FILLER_OFFSET_FEATURE

    rows = clean.iloc[[0] * len(LOADING_GRID_WT_PCT)].reset_index(drop=True)
    rows["filler_loading_wt_pct"] = LOADING_GRID_WT_PCT
    rows["filler_loading_vol_pct"] = np.nan
    X = bundle.featurizer.transform(rows).astype(np.float32)
    names = bundle.feature_names
    composite = bundle.model.predict(X)
    host = composite - X[:, names.index(FILLER_OFFSET_FEATURE)]
    physics = host + X[:, names.index("composite__emt_log10_composite_over_host")]
    return pd.DataFrame({"loading_wt_pct": LOADING_GRID_WT_PCT, "composite": composite, "host": host, "physics": physics})


#: Measured rows shown beside a candidate's loading curve: same host, within this many C of its temperature.
OBSERVED_WITHIN_C = 10.0


def observed_near(clean: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Measured conductivities of the candidate's host (same canonical repeat unit and salt) within
    OBSERVED_WITHIN_C of its temperature, with and without filler: loading (wt%, 0 without filler), log10
    sigma, filler, source. ``table`` defaults to the embedded curated table (empty if it is not there)."""
    from cpe_ml.datasets import DEFAULT_DATA_PATH, load_cpe_literature
    from cpe_ml.featurizers.composite import clear_absent_fillers
    from cpe_ml.schema import ROOM_TEMPERATURE_C
    from cpe_ml.validation import validate_formulations

    columns = ["loading_wt_pct", "log10_s_cm", "filler", "source"]
    if table is None:
        if not DEFAULT_DATA_PATH.is_file():
            return pd.DataFrame(columns=columns)
        table = validate_formulations(load_cpe_literature())[0]
    row = clean.iloc[0]
    sigma = pd.to_numeric(table["conductivity_s_cm"], errors="coerce")
    temperature = pd.to_numeric(table["temperature_c"], errors="coerce").fillna(
        table["assumed_temperature"].eq(1).map({True: ROOM_TEMPERATURE_C, False: np.nan}))
    near = (table["polymer_canonical_smiles"].eq(row["polymer_canonical_smiles"])
            & table["salt_canonical_smiles"].eq(row["salt_canonical_smiles"])
            & sigma.gt(0) & (temperature - float(row["temperature_c"])).abs().le(OBSERVED_WITHIN_C))
    hits = clear_absent_fillers(table.loc[near].reset_index(drop=True))  # zero is none, written one way
    filler = hits["filler"]
    loading = pd.to_numeric(hits["filler_loading_wt_pct"], errors="coerce").where(filler.ne("none"), 0.0)
    return pd.DataFrame({"loading_wt_pct": loading, "log10_s_cm": np.log10(sigma[near].to_numpy()), "filler": filler,
                         "source": hits["source"]}).dropna(subset=["loading_wt_pct"]).reset_index(drop=True)


def _loading_panel(ax, curve: pd.DataFrame, clean: pd.DataFrame, observed: pd.DataFrame) -> None:
    row = clean.iloc[0]
    if len(observed):
        same = observed["filler"].eq(row.get("filler") or "none") | observed["filler"].eq("none")
        ax.scatter(observed.loc[same, "loading_wt_pct"], observed.loc[same, "log10_s_cm"], color="k", s=14, zorder=3,
                   label=f"measured, same host and salt, +/-{OBSERVED_WITHIN_C:g} C (this filler or none)")
        ax.scatter(observed.loc[~same, "loading_wt_pct"], observed.loc[~same, "log10_s_cm"], color="tab:blue", s=10,
                   marker="x", zorder=3, label="measured, other fillers")
    ax.plot(curve["loading_wt_pct"], curve["composite"], color="tab:red", lw=2, label="model (physics + same-paper contrasts)")
    ax.plot(curve["loading_wt_pct"], curve["physics"], color="tab:orange", ls="--", label="effective-medium prior alone")
    ax.plot(curve["loading_wt_pct"], curve["host"], color="gray", ls=":", label="host without filler")
    loading = pd.to_numeric(pd.Series([row.get("filler_loading_wt_pct")]), errors="coerce").iloc[0]
    if np.isfinite(loading):
        ax.axvline(loading, color="k", lw=0.8)
    filler = row.get("filler") or "none"
    size = row.get("filler_size_nm")
    ax.set(xlabel=f"{filler} loading (wt%)" + (f", {size:g} nm" if isinstance(size, float) and np.isfinite(size) else ""),
           ylabel="log10 ionic conductivity (S/cm)",
           title=f"conductivity vs filler loading at {float(row['temperature_c']):g} C")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7)


def _waterfall(ax, table: pd.DataFrame, bundle: ModelBundle, top: int) -> None:
    base = float(table.loc[table["feature"] == "(base value)", "contribution"].iloc[0])
    features = table.loc[table["feature"] != "(base value)"].reindex(columns=["feature", "value", "contribution"])
    features = features.iloc[np.argsort(-features["contribution"].abs().to_numpy(), kind="stable")]
    shown, rest = features.head(top), features.iloc[top:]
    labels = [f"{f} = {v:.3g}" for f, v in zip(shown["feature"], shown["value"])]
    pushes = list(shown["contribution"])
    if len(rest):
        labels.append(f"{len(rest)} other features")
        pushes.append(float(rest["contribution"].sum()))
    starts = base + np.concatenate([[0.0], np.cumsum(pushes)[:-1]])
    y = np.arange(len(pushes))[::-1]
    ax.barh(y, pushes, left=starts, color=["tab:red" if p > 0 else "tab:blue" for p in pushes], height=0.7)
    for yi, start, push in zip(y, starts, pushes):
        ax.text(start + push, yi, f" {push:+.3f}", va="center", ha="left" if push >= 0 else "right", fontsize=7)
    output = base + sum(pushes)
    ax.margins(x=0.12)
    ax.axvline(base, color="gray", lw=0.8, ls="--")
    ax.axvline(output, color="k", lw=1.0)
    ax.set_yticks(y, labels, fontsize=7)
    ax.set(xlabel=bundle.target.label, title=f"{bundle.target_name}: base {base:.3g} -> prediction {output:.3g}")
    ax.title.set_fontsize(9)


def nearest_training_rows(frame: pd.DataFrame, bundles: dict[str, ModelBundle], record_id_or_row: str | int,
                          k: int = 5) -> pd.DataFrame:
    """The ``k`` training rows nearest to one candidate per target (the same scaled-feature distance the
    applicability domain uses): what was measured on formulations like it, and by whom."""
    row = find_row(frame, record_id_or_row)
    clean, _ = fill_conditions(validate_candidates(frame.iloc[[row]]).clean)
    tables = []
    for name, bundle in bundles.items():
        X = bundle.featurizer.transform(clean).astype(np.float32)
        tables.append(bundle.domain.nearest_rows(X, k)[0].assign(target=name))
    table = pd.concat(tables, ignore_index=True)
    return table[["target", *[c for c in table.columns if c != "target"]]]
