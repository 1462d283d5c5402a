"""Why a candidate got its prediction: contributions summed by concept first, then feature by feature.

TreeSHAP contributions (XGBoost ``pred_contribs``) of the central model add up exactly to its prediction:
base value (the average training prediction) plus one push per feature. A chemist asks about the
polymer, the salt and its amount, the filler, the temperature ... before any fingerprint bit, so every
feature belongs to one concept and has a readable label (:func:`feature_glossary`, read from the
featurizers' own ``Features:`` documentation, the same text ``cpe-ml data features`` shows). Explanations
give the concept sums first; the waterfall shows the concepts, then the largest stated single features.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from cpe_ml.featurizers.formulation import BLOCKS, FormulationFeaturizer
from cpe_ml.models.bundle import ModelBundle

#: The concept of each featurizer block. A feature named after a component (COMPONENT_PREFIXES) belongs to
#: that component whatever block makes it: the oxidation block scores polymer, anion and plasticizer.
BLOCK_CONCEPTS: dict[str, str] = {
    "polymer": "polymer", "polymer_physics": "polymer", "glass_transition": "polymer",
    "salt": "salt", "concentration": "salt",
    "filler": "filler", "composite": "filler", "filler_effect": "filler",
    "plasticizer": "plasticizer", "process": "process", "conditions": "temperature",
    "cycling": "cycling", "lsv": "test protocol", "oxidation": "weakest component",
    "source": "best-of-paper offset",  # 0 in every prediction: an ordinary measurement, not a paper's best
}
COMPONENT_PREFIXES: tuple[tuple[str, str], ...] = (
    ("polymer_", "polymer"), ("anion_", "salt"), ("salt_", "salt"), ("filler_", "filler"), ("plasticizer_", "plasticizer"))
#: Unit of a feature from its name's suffix: the project writes units into names (``_wt_pct``, ``_k``).
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_1000_k", "1/K"), ("_g_mol", "g/mol"), ("_mol_kg", "mol/kg"), ("_wt_pct", "wt%"), ("_vol_pct", "vol%"),
    ("_g_cm3", "g/cm³"), ("_mv_s", "mV/s"), ("_ua_cm2", "µA/cm²"), ("_s_cm", "S/cm"), ("_nm", "nm"), ("_ev", "eV"),
    ("_k", "K"), ("_c", "°C"), ("_v", "V"))
#: How a chemist writes the words of an identifier (applied to phrases first, then to single words).
NOTATION: tuple[tuple[str, str], ...] = (
    ("eo_li_ratio", "EO:Li ratio"), ("vtf_inverse_t_minus_t0", "VTF 1/(T − T0)"), ("t_minus_tg", "T − Tg"),
    ("inverse_temperature", "1000/T"), ("per_heavy", "per heavy atom"), ("per_ru", "per repeat unit"),
    ("anion_n", "anion atoms"), ("morgan_count", "Morgan substructure"), ("weakest_is", "weakest component"),
    ("type", "electrolyte type"), ("log10_composite_over_host", "log10 σ composite/host"))
WORDS: dict[str, str] = {
    "eo": "EO", "li": "Li", "tg": "Tg", "ru": "repeat-unit", "ip": "IP", "homo": "HOMO", "emt": "EMT", "mw": "Mw",
    "tpsa": "TPSA", "asa": "ASA", "labute": "Labute", "solv": "solvated", "frac": "fraction", "h": "H", "o": "O",
    "c": "C", "spe": "SPE", "cpe": "CPE", "gpe": "GPE", "ncm": "NCM", "lfp": "LFP", "lco": "LCO", "nca": "NCA",
    "lmo": "LMO", "ni": "Ni", "mof": "MOF", "2d": "2D", "nasicon": "NASICON", "cf": "CF", "csp3": "Csp3",
    "logp": "logP", "n": "N", "uv": "UV", "in": "in-", "situ": "situ"}
#: A documented feature name: an identifier, possibly with a ``<placeholder>`` or ``<a|b|c>`` alternatives.
_NAME = r"[a-z][A-Za-z0-9_]*(?:<[^>]+>[A-Za-z0-9_]*)?"
_HEAD = re.compile(rf"(?:^|(?<=; ))((?:{_NAME})(?:(?:, | \.\.\. )(?:{_NAME}))*): ")
#: Descriptions of 0/1 features: shown as yes/no, and a "no" is an absent component, not a stated value.
_INDICATOR = re.compile(r"^(1 (when|for)|one-hot|presence)|\b(one|multi)-hot\b")


def _features_section(featurizer_class: type) -> str:
    """The ``Features:`` section of a featurizer's docstring as one line of text."""
    lines = (inspect.getdoc(featurizer_class) or "").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Features:"), None)
    if start is None:
        return ""
    indent, kept = len(lines[start]) - len(lines[start].lstrip()), []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        kept.append(line.strip())
    return " ".join(kept).strip()


def _documented(section: str, labels: list[str]) -> dict[str, tuple[str, str, bool]]:
    """Feature label -> (description, placeholder value, one of alternatives) from a ``Features:`` section.

    Entries read ``name[, name ...]: description;``; a name may be a range ``first ... last`` (in feature
    order) or a template ``prefix_<placeholder>`` whose placeholder is the value the column stands for
    (``<a|b|c>``: one of listed alternatives, a one-hot). A name listed as itself wins over a template.
    """
    heads = [m for m in _HEAD.finditer(section) if _resolve(m.group(1), labels)]
    found: dict[str, tuple[str, str, bool]] = {}
    for head, following in sorted(zip(heads, [*heads[1:], None]), key=lambda pair: "<" in pair[0].group(1)):
        text = section[head.end(): following.start() if following else len(section)].strip().rstrip(";.").strip()
        for label, value in _resolve(head.group(1), labels):
            found.setdefault(label, (text, value, "|" in head.group(1)))
    return found


def _resolve(head: str, labels: list[str]) -> list[tuple[str, str]]:
    out = []
    for part in head.split(", "):
        if " ... " in part:
            first, last = part.split(" ... ")
            if first in labels and last in labels:
                out += [(label, "") for label in labels[labels.index(first): labels.index(last) + 1]]
        elif "<" in part:
            prefix, rest = part.split("<", 1)
            suffix = rest.split(">", 1)[1]
            pattern = re.compile(re.escape(prefix) + "(.+)" + re.escape(suffix) + "$")
            out += [(label, m.group(1)) for label in labels if (m := pattern.match(label))]
        elif part in labels:
            out.append((part, ""))
    return out


def _unit(label: str) -> tuple[str, str]:
    """(label without its unit suffix, unit) for a name that ends in one."""
    for suffix, unit in UNIT_SUFFIXES:
        if label.endswith(suffix) and len(label) > len(suffix):
            return label[: -len(suffix)], unit
    return label, ""


def _words(text: str) -> str:
    text = f"_{text}_"
    for phrase, written in NOTATION:  # whole words only
        text = text.replace(f"_{phrase}_", "_" + written.replace(" ", "_") + "_")
    words = [WORDS.get(w, w) for w in text.split("_") if w]
    text = re.sub(r"in- situ", "in-situ", " ".join(words))
    return re.sub(r"\bfraction ([A-Z][a-z]?)\b", r"\1 fraction", text)  # frac_O: "O fraction"


def _concept(block: str, label: str) -> str:
    component = next((c for prefix, c in COMPONENT_PREFIXES if label.startswith(prefix)), None)
    return component or BLOCK_CONCEPTS.get(block, block)


@lru_cache(maxsize=64)
def _glossary(names: tuple[str, ...]) -> pd.DataFrame:
    blocks = list(dict.fromkeys(n.split("__", 1)[0] for n in names))
    known = [b for b in blocks if b in BLOCKS]
    documented: dict[str, tuple[str, str, bool]] = {}
    summaries: dict[str, str] = {}
    for block, featurizer in FormulationFeaturizer(tuple(known)).featurizers():
        labels = [n.split("__", 1)[1] for n in names if n.startswith(block + "__")]
        own = featurizer.feature_descriptions()  # a featurizer may describe its features itself
        parsed = _documented(_features_section(type(featurizer)), labels)
        documented.update({f"{block}__{k}": (own.get(k, v[0]), *v[1:]) for k, v in parsed.items()})
        documented.update({f"{block}__{k}": (v, "", False) for k, v in own.items() if k not in parsed})
        summaries[block] = (inspect.getdoc(type(featurizer)) or "").split("\n", 1)[0]
    rows = []
    for name in names:
        block, label = name.split("__", 1) if "__" in name else ("", name)
        description, value, alternative = documented.get(name, (summaries.get(block, ""), "", False))
        base, unit = _unit(label)
        if value:  # a template column: "<prefix>: <value>", e.g. "process: hot pressing"
            readable = f"{_words(base[: len(base) - len(value)].rstrip('_'))}: {_words(value)}"
        else:
            readable = _words(base)
        rows.append((name, block, _concept(block, label), readable, unit, description,
                     alternative or bool(_INDICATOR.search(description)), bool(value)))
    return pd.DataFrame(rows, columns=["feature", "block", "concept", "name", "unit", "description", "indicator", "template"]).set_index("feature")


def feature_glossary(names: Sequence[str]) -> pd.DataFrame:
    """One row per feature (``<block>__<label>`` as the featurizer names it): its concept, readable name,
    unit, ``label`` (name with unit), description, whether it is a 0/1 indicator and whether it stands for
    one thing of a kind (a ``prefix_<placeholder>`` column: a process step, a filler class, a substructure).

    Everything comes from the featurizers: the concept from the block (or the component the name starts
    with), the description from the featurizer's ``Features:`` docstring entry (its first docstring line
    when a feature is not listed there), the unit from the name's suffix. Cached per list of names.
    """
    table = _glossary(tuple(names)).copy()
    table["label"] = table["name"] + table["unit"].map(lambda u: f" ({u})" if u else "")
    return table


def value_text(value: float, unit: str, indicator: bool) -> str:
    """A feature value as a chemist reads it: ``10 wt%``, ``yes``/``no`` for indicators, ``not stated``."""
    if not np.isfinite(value):
        return "not stated"
    if indicator and value in (0.0, 1.0):
        return "yes" if value else "no"
    return f"{value:.3g}" + (f" {unit}" if unit else "")


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


def candidate(frame: pd.DataFrame, record_id_or_row: str | int) -> tuple[int, pd.DataFrame]:
    """Position of one candidate row (:func:`find_row`) and the row validated, with its conditions filled in
    as prediction fills them."""
    from cpe_ml.prediction import fill_conditions, validate_candidates

    row = find_row(frame, record_id_or_row)
    return row, fill_conditions(validate_candidates(frame.iloc[[row]]).clean)[0]


def feature_text(info: Mapping, value: float) -> str:
    """One feature as a chemist writes it: ``filler loading 10 wt%``, ``process: hot pressing`` (a set
    indicator reads as its name), ``polymer Morgan substructure: 39 (2)``, ``polymer Tg not stated``."""
    if info["indicator"] and value == 1.0:
        return str(info["name"])
    shown = value_text(value, info["unit"], bool(info["indicator"]))
    return f"{info['name']} ({shown})" if info["template"] else f"{info['name']} {shown}"


def stated(glossary: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    """Features that describe something the candidate has: a finite value, and not a 0 of an indicator or
    of a column that stands for one thing (``plasticizer (wt%)`` without plasticizer, ``process: hot
    pressing`` when not pressed, ``filler class: garnet`` for an oxide, a Morgan substructure it lacks)."""
    values = np.asarray(values, dtype=float)
    one_thing = glossary["indicator"].to_numpy(dtype=bool) | glossary["template"].to_numpy(dtype=bool)
    return np.isfinite(values) & ~(one_thing & (values == 0.0))


def concept_membership(glossary: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """The concepts of a glossary (in block order) and the features x concepts 0/1 matrix: contributions
    times this matrix are the concept sums."""
    concepts = list(dict.fromkeys(glossary["concept"]))
    return concepts, (glossary["concept"].to_numpy()[:, None] == np.asarray(concepts)[None, :]).astype(float)


def explanation_texts(bundle: ModelBundle, X: np.ndarray, top_features: int = 3) -> tuple[list[str], list[str]]:
    """Per row: the concept sums, largest first (``temperature -0.62; filler +0.31; salt -0.12``), and the
    ``top_features`` largest contributions of stated features (``filler loading 10 wt% (+0.25); ...``).

    Both on the model scale (log10 S/cm for conductivity); the concept sums plus the base value give the
    prediction exactly. Concepts that round to 0.00 are left out.
    """
    if not len(X):
        return [], []
    push = bundle.model.contributions(X)[:, :-1]
    glossary = feature_glossary(bundle.feature_names)
    concepts, member = concept_membership(glossary)
    sums = push @ member
    by_concept = []
    for row in sums:
        order = np.argsort(-np.abs(row), kind="stable")
        by_concept.append("; ".join(f"{concepts[j]} {row[j]:+.2f}" for j in order if round(abs(row[j]), 2) > 0))
    infos = glossary.to_dict("records")
    by_feature = []
    for values, row in zip(np.asarray(X, dtype=float), push):
        shown = np.flatnonzero(stated(glossary, values))
        order = shown[np.argsort(-np.abs(row[shown]), kind="stable")][:top_features]
        by_feature.append("; ".join(f"{feature_text(infos[j], values[j])} ({row[j]:+.2f})" for j in order))
    return by_concept, by_feature


def contributions(frame: pd.DataFrame, bundles: dict[str, ModelBundle], record_id_or_row: str | int) -> pd.DataFrame:
    """One row per target and feature: concept, readable label, value, contribution, whether the candidate
    states it (:func:`stated`), plus a ``(base value)`` row per target.

    Contributions are on the model scale (log10 S/cm for conductivity) and sum to the reported prediction;
    ``table.groupby(["target", "concept"])["contribution"].sum()`` are the concept sums.
    """
    return _contribution_table(candidate(frame, record_id_or_row)[1], bundles)


def _contribution_table(clean: pd.DataFrame, bundles: dict[str, ModelBundle]) -> pd.DataFrame:
    tables = []
    for name, bundle in bundles.items():
        X = bundle.featurizer.transform(clean).astype(np.float32)
        push = bundle.model.contributions(X)[0].astype(float)
        glossary = feature_glossary(bundle.feature_names)
        values = X[0].astype(float)
        tables.append(pd.DataFrame({
            "target": name, "feature": [*bundle.feature_names, "(base value)"],
            "concept": [*glossary["concept"], "(base value)"], "label": [*glossary["label"], "(base value)"],
            "text": [*(feature_text(glossary.iloc[j], v) for j, v in enumerate(values)), "(base value)"],
            "value": [*values, np.nan], "contribution": push, "stated": [*stated(glossary, values), False]}))
    return pd.concat(tables, ignore_index=True)


def waterfall_plot(frame: pd.DataFrame, bundles: dict[str, ModelBundle], record_id_or_row: str | int,
                   path: str | os.PathLike, top: int = 8) -> pd.DataFrame:
    """Write a PNG for one candidate row; returns the contribution table (:func:`contributions`).

    One row of panels per target: left, the waterfall by concept (base value -> each concept's sum ->
    prediction); right, the ``top`` largest contributions of features the candidate states. With a
    conductivity model, a last panel shows conductivity against the candidate's filler loading.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cpe_ml.notation import format_formulation

    row, clean = candidate(frame, record_id_or_row)
    table = _contribution_table(clean, bundles)
    targets = list(dict.fromkeys(table["target"]))
    conductivity = next((b for b in bundles.values() if b.target.temperature_law), None)
    heights = [max(len(set(table.loc[table["target"] == t, "concept"])), top) * 0.32 + 1.3 for t in targets]
    heights += [3.6] if conductivity is not None else []
    fig = plt.figure(figsize=(13, sum(heights) + 0.9))
    grid = fig.add_gridspec(len(heights), 2, height_ratios=heights, width_ratios=[1, 1.15])
    for i, name in enumerate(targets):
        part = table.loc[table["target"] == name]
        _concept_waterfall(fig.add_subplot(grid[i, 0]), part, bundles[name])
        _top_features(fig.add_subplot(grid[i, 1]), part, bundles[name], top)
    if conductivity is not None:
        _loading_panel(fig.add_subplot(grid[-1, :]), loading_curve(clean, conductivity), clean, observed_near(clean))
    label = frame["record_id"].iloc[row] if "record_id" in frame else f"row {row + 1}"
    fig.suptitle(f"Why {label}: {format_formulation(frame.iloc[row])}\ncontributions by concept, then by single feature"
                 " (model scale; concept sums + base value = prediction)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return table


def model_scale_label(bundle: ModelBundle) -> str:
    """What the contributions add up to: the model's own scale, named with its unit."""
    if bundle.target.fade_scale:
        return "log10 cumulative fade, -ln(retention) (higher = less retention)"
    return bundle.target.label


def _value_column(ax, y: np.ndarray, values: list[float]) -> None:
    """Signed values in a column right of the axes, where no bar or label can overlap them."""
    for yi, value in zip(y, values):
        text = f"{value:+.2f}" if round(abs(value), 2) > 0 else "0.00"
        ax.annotate(text, (1.01, yi), xycoords=("axes fraction", "data"), va="center", ha="left", fontsize=8,
                    color="tab:red" if value > 0 else "tab:blue")


def _concept_waterfall(ax, table: pd.DataFrame, bundle: ModelBundle) -> None:
    base = float(table.loc[table["feature"] == "(base value)", "contribution"].iloc[0])
    sums = table.loc[table["feature"] != "(base value)"].groupby("concept", sort=False)["contribution"].sum()
    sums = sums.iloc[np.argsort(-sums.abs().to_numpy(), kind="stable")]
    pushes = sums.to_numpy()
    starts = base + np.concatenate([[0.0], np.cumsum(pushes)[:-1]])
    y = np.arange(len(pushes))[::-1]
    ax.barh(y, pushes, left=starts, color=["tab:red" if p > 0 else "tab:blue" for p in pushes], height=0.65)
    for yi, start, push in zip(y[:-1], starts[1:], pushes[:-1]):  # connectors: where the next bar starts
        ax.plot([start, start], [yi - 0.33, yi - 0.67], color="0.5", lw=0.6)
    _value_column(ax, y, list(pushes))
    output = base + pushes.sum()
    ax.axvline(base, color="gray", lw=0.8, ls="--")
    ax.axvline(output, color="k", lw=1.2)
    ends = np.concatenate([starts, starts + pushes, [base, output]])
    pad = 0.06 * max(np.ptp(ends), 1e-3)
    ax.set_xlim(ends.min() - pad, ends.max() + pad)
    ax.set_yticks(y, list(sums.index), fontsize=9)
    ax.set_ylim(-0.7, len(pushes) - 0.3)
    ax.set_xlabel(model_scale_label(bundle), fontsize=8)
    if bundle.target.fade_scale:  # the model's log fade read back as retention, on the top axis
        from matplotlib.ticker import MaxNLocator

        top_axis = ax.secondary_xaxis("top", functions=(lambda x: bundle.target.from_model_scale(x),
                                                        lambda r: bundle.target.to_model_scale(np.clip(r, 1e-6, 100 - 1e-6))))
        top_axis.set_xlabel(bundle.target.label, fontsize=8)
        top_axis.tick_params(labelsize=7)
        top_axis.xaxis.set_major_locator(MaxNLocator(5))
    ax.set_title(f"{bundle.target_name} by concept: base value {base:.2f} (dashed) -> prediction {output:.2f} (solid)",
                 fontsize=9, loc="left", pad=28 if bundle.target.fade_scale else 6)


def _top_features(ax, table: pd.DataFrame, bundle: ModelBundle, top: int) -> None:
    features = table.loc[table["stated"]]
    features = features.iloc[np.argsort(-features["contribution"].abs().to_numpy(), kind="stable")].head(top)
    y = np.arange(len(features))[::-1]
    pushes = features["contribution"].to_numpy()
    ax.barh(y, pushes, color=["tab:red" if p > 0 else "tab:blue" for p in pushes], height=0.65)
    ax.axvline(0, color="k", lw=0.8)
    labels = [f"{c}: {t}" if not t.startswith(c) else t for c, t in zip(features["concept"], features["text"])]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, max(len(features), 1) - 0.3)
    _value_column(ax, y, list(pushes))
    rest = table.loc[~table["stated"] & (table["feature"] != "(base value)"), "contribution"].sum()
    ax.set_xlabel(f"contribution to {model_scale_label(bundle)}", fontsize=8)
    ax.set_title(f"largest features the candidate states (unstated/absent: {rest:+.2f})", fontsize=9, loc="left")


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


def nearest_training_rows(frame: pd.DataFrame, bundles: dict[str, ModelBundle], record_id_or_row: str | int,
                          k: int = 5) -> pd.DataFrame:
    """The ``k`` training rows nearest to one candidate per target (the same scaled-feature distance the
    applicability domain uses): what was measured on formulations like it, and by whom."""
    clean = candidate(frame, record_id_or_row)[1]
    tables = []
    for name, bundle in bundles.items():
        X = bundle.featurizer.transform(clean).astype(np.float32)
        tables.append(bundle.domain.nearest_rows(X, k)[0].assign(target=name))
    table = pd.concat(tables, ignore_index=True)
    return table[["target", *[c for c in table.columns if c != "target"]]]
