"""Figures people look at instead of reading tables: parity, residuals by paper, importance, dependence."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


#: Above this many rows a parity plot bins points into hexagons (a scatter of 10,000 points is one blob).
HEXBIN_MIN_ROWS = 1000


def parity_plot(predictions: pd.DataFrame, label: str, path: Path, title: str) -> Path:
    """Out-of-fold predicted vs measured (``title`` names the quantity with its unit, ``label`` the unit).

    Up to HEXBIN_MIN_ROWS rows: points with their 80 % interval; more: hexagonal bins coloured by the
    log row count (with a colour bar), so dense regions stay readable. Both with the y = x line.
    """
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    y, pred = predictions["y"].to_numpy(dtype=float), predictions["pred"].to_numpy(dtype=float)
    low, high = min(y.min(), pred.min()), max(y.max(), pred.max())
    span = [low - 0.03 * (high - low), high + 0.03 * (high - low)]
    if len(y) >= HEXBIN_MIN_ROWS:
        cells = ax.hexbin(y, pred, gridsize=60, bins="log", mincnt=1, cmap="viridis", extent=(*span, *span))
        fig.colorbar(cells, ax=ax, label="held-out rows per hexagon")
    else:
        ax.errorbar(y, pred, yerr=[pred - predictions["low"], predictions["high"] - pred], fmt="o", ms=3.5, alpha=0.5,
                    elinewidth=0.6, color="tab:blue", ecolor="tab:gray", label="held-out row (80 % interval)")
    ax.plot(span, span, "--", color="tab:red", lw=1.2, label="y = x")
    mae = np.mean(np.abs(pred - y))
    base = np.mean(np.abs(predictions["pred_polymer_mean"] - y))
    covered = np.mean((predictions["low"] <= y) & (y <= predictions["high"]))
    ax.set(xlabel=f"measured {title}", ylabel=f"predicted {title}\n(out of fold, grouped CV)", aspect="equal",
           xlim=span, ylim=span)
    ax.set_title(f"{len(y):,} held-out rows: MAE {mae:.3g} {label} (per-polymer mean {base:.3g})\n"
                 f"80 % interval covers {covered:.0%} of them", fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def short_source_label(group: str, width: int = 56) -> str:
    """A held-out group (source paper, stand-in or polymer) as a short axis label that stays unique.

    A DOI is kept; a public table's stand-in ``<author><year>:<key>`` reads ``Author year: key``, the
    Bradford one ``bradford2023:<SMILES>|mw=<Mw>`` as ``Bradford 2023: PEO, Mw 5e+06`` (catalog name where
    the repeat unit is known, else the SMILES without its end markers); a URL keeps its host and the end
    of its address (where pages of one site differ), so five pages of one site no longer read alike.
    """
    text = str(group).strip()
    stand_in = re.match(r"^([a-z]+)(\d{4}):(.*)$", text)
    if stand_in:
        author, year, key = stand_in.groups()
        smiles, bradford, mw = key.partition("|mw=")
        key = f"{_polymer_name(smiles)}, " + (f"Mw {mw}" if mw else "no Mw") if bradford else key
        text = f"{author.capitalize()} {year}: {key}"
    elif re.match(r"^https?://", text):
        host, _, rest = re.sub(r"^https?://(www\.)?", "", text).partition("/")
        host = host[:26]
        parts = re.split(r"[/?&=]", re.sub(r"\.(html?|php|aspx?|pdf)(?=$|[?/])", "", rest))
        words = max(([w for w in re.split(r"[-_]+", part) if w] for part in parts), key=len, default=[])
        if sum(w.isalpha() for w in words) >= max(2, len(words) / 2):  # a title slug ("solid-polymer-electrolytes-..."), not an id
            slug = " ".join(words).removeprefix("pdf ")
            room = width - len(host) - 2
            return f"{host}: {slug if len(slug) <= room else slug[: room - 3] + '...'}"
        tail = re.sub(r"[?&=_/%+-]+", " ", rest).strip()  # an id ("view.php?seq=1188965"): its end differs
        return f"{host}: ...{tail[-(width - len(host) - 5):]}" if tail else host
    return text if len(text) <= width else text[: width // 2 - 1] + "..." + text[-(width - width // 2 - 2):]


def _polymer_name(smiles: str) -> str:
    from cpe_ml.catalog import load_catalog

    written = re.sub(r"\[(Cu|Au|\*)\]", "", smiles)  # the end markers of a repeat unit carry no chemistry
    try:
        return load_catalog().match_polymer_smiles(smiles) or written
    except ValueError:  # not a readable repeat unit: show it as written
        return written


def residuals_by_group(predictions: pd.DataFrame, label: str, path: Path, top: int = 25) -> Path:
    """Residual distribution per held-out group (paper or polymer): which sources the model misses.

    Groups are labelled by :func:`short_source_label` and ordered by mean absolute residual (worst on top).
    """
    frame = predictions.assign(residual=predictions["pred"] - predictions["y"], group=predictions["group"].fillna("all").astype(str))
    order = frame.groupby("group")["residual"].apply(lambda r: np.abs(r).mean()).sort_values(ascending=False).index[:top][::-1]
    fig, ax = plt.subplots(figsize=(8.5, max(3, 0.3 * len(order) + 1.2)))
    ax.boxplot([frame.loc[frame["group"] == g, "residual"] for g in order], vert=False, widths=0.6)
    counts = frame["group"].value_counts()
    names = [short_source_label(g) for g in order]
    repeats = pd.Series(names).value_counts()
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # two groups that still read alike are numbered
        if repeats[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            names[i] = f"{name} #{seen[name]}"
    ax.set_yticks(range(1, len(order) + 1), [f"{name} ({counts[g]})" for name, g in zip(names, order)], fontsize=7)
    ax.axvline(0, color="k", lw=0.8)
    ax.set(xlabel=f"residual, predicted - measured ({label})",
           title=f"Out-of-fold residuals of the {len(order)} worst held-out groups (rows in brackets)")
    ax.title.set_fontsize(9)
    return _save(fig, path)


def feature_importance_plot(names: list[str], importances: np.ndarray, path: Path, top: int = 20) -> Path:
    """Importance (share of XGBoost total gain) summed by concept, then the ``top`` single features, with
    the readable labels and units of :func:`cpe_ml.explain.feature_glossary`, coloured by concept."""
    from cpe_ml.explain import feature_glossary

    glossary = feature_glossary(names)
    importances = np.asarray(importances, dtype=float)
    by_concept = pd.Series(importances, index=glossary["concept"].to_numpy()).groupby(level=0, sort=False).sum()
    unused = [c for c, v in by_concept.items() if v <= 0]
    by_concept = by_concept[by_concept > 0].sort_values()
    colours = dict(zip(glossary["concept"].unique(), plt.get_cmap("tab10").colors))
    order = np.argsort(importances)[::-1][:top][::-1]
    order = order[importances[order] > 0]
    fig, (ax_c, ax_f) = plt.subplots(1, 2, figsize=(12, max(3.2, 0.3 * len(order) + 1.6)), width_ratios=[1, 1.6])
    ax_c.barh(range(len(by_concept)), by_concept.to_numpy(), color=[colours[c] for c in by_concept.index])
    ax_c.set_yticks(range(len(by_concept)), list(by_concept.index), fontsize=9)
    ax_c.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax_c.set(xlabel="share of total gain", title="by concept")
    if unused:
        ax_c.text(0.98, 0.02, "no gain (not used by the trees):\n" + ", ".join(unused), transform=ax_c.transAxes, ha="right",
                  va="bottom", fontsize=7, color="0.35")
    ax_f.barh(range(len(order)), importances[order], color=[colours[glossary["concept"].iloc[i]] for i in order])
    ax_f.set_yticks(range(len(order)), [f"{glossary['concept'].iloc[i]}: {glossary['label'].iloc[i]}"
                                        if not glossary["label"].iloc[i].startswith(glossary["concept"].iloc[i])
                                        else glossary["label"].iloc[i] for i in order], fontsize=8)
    ax_f.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax_f.set(xlabel="share of total gain", title=f"top {len(order)} features")
    for ax in (ax_c, ax_f):  # ticks at whole percents, so the rounded labels are exact
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.title.set_fontsize(9)
    fig.suptitle("Feature importance (XGBoost total gain)", fontsize=10)
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
    """Observed vs nominal interval coverage per error bin (easy/typical/hard), on held-out groups."""
    fig, ax = plt.subplots(figsize=(5, 4.6))
    for name, part in reliability.groupby("bin", sort=False):
        ax.plot(part["nominal"], part["observed"], "o-", label=f"{name} ({int(part['n'].iloc[0])} rows)")
    ax.plot([0.4, 1], [0.4, 1], "k--", lw=1, label="ideal")
    ax.set(xlabel="nominal coverage", ylabel="observed coverage (grouped CV)", xlim=(0.4, 1), ylim=(0.4, 1.02),
           title="Interval reliability per error bin (held-out groups)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def interval_width_histogram(predictions: pd.DataFrame, label: str, path: Path) -> Path:
    """Distribution of the 80 % interval widths of held-out rows, stacked by error bin."""
    fig, ax = plt.subplots(figsize=(6, 4.2))
    width = predictions["high"] - predictions["low"]
    names = list(predictions.groupby("ad_bin")["difficulty"].median().sort_values().index)  # easiest bin first
    ax.hist([width[predictions["ad_bin"] == name] for name in names], bins=30, stacked=True, label=names)
    ax.set(xlabel=f"80 % interval width ({label})", ylabel="held-out rows", title="Interval width per error bin")
    ax.legend(fontsize=8)
    return _save(fig, path)


def arrhenius_plot(curve: pd.DataFrame, path: Path, title: str, marked_c: Sequence[float] = ()) -> Path:
    """One candidate's predicted conductivity on the chemist's Arrhenius axes: log sigma vs 1000/T, 80 % band.

    ``curve`` holds the prediction columns of the candidate at several temperatures (``temperature_c``,
    ``pred_conductivity_s_cm`` and its ``_lo``/``_hi``); ``marked_c`` are the temperatures asked for, drawn
    as points with their intervals. The top axis reads the same positions in C. The band can step where
    the candidate moves from one error bin to the next (each bin has its measured width).
    """
    import textwrap

    curve = curve.sort_values("temperature_c")
    temperatures = curve["temperature_c"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.fill_between(1000.0 / (temperatures + 273.15), curve["pred_conductivity_s_cm_lo"], curve["pred_conductivity_s_cm_hi"],
                    color="tab:blue", alpha=0.2, lw=0, label="80 % prediction interval")
    ax.plot(1000.0 / (temperatures + 273.15), curve["pred_conductivity_s_cm"], color="tab:blue", lw=2,
            label="predicted (VTF temperature law)")
    for number, marked in enumerate(marked_c):
        row = curve.iloc[int(np.argmin(np.abs(temperatures - marked)))]  # the caller includes it in the curve
        value, low, high = (float(row[f"pred_conductivity_s_cm{s}"]) for s in ("", "_lo", "_hi"))
        ax.errorbar([1000.0 / (marked + 273.15)], [value], yerr=[[value - low], [high - value]], fmt="o", ms=6, capsize=4,
                    color=f"C{3 + number}",
                    label=f"at {marked:g} °C: {value:.1e} S/cm (80 %: {low:.1e} to {high:.1e})")
    ax.set_yscale("log")
    ax.set(xlabel="1000 / T  (1/K)", ylabel="ionic conductivity  σ  (S/cm)")
    ax.grid(True, which="major", alpha=0.4)
    ax.grid(True, which="minor", axis="y", alpha=0.15)
    top = ax.secondary_xaxis("top", functions=(lambda v: 1000.0 / np.maximum(v, 1e-9) - 273.15, lambda c: 1000.0 / (c + 273.15)))
    top.set_xticks([0, 20, 40, 60, 80, 100])
    top.set_xlabel("temperature (°C)")
    ax.set_title("\n".join(textwrap.fill(line, 70) for line in title.splitlines()), fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    return _save(fig, path)
