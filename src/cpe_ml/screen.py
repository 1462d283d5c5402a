"""Screen a design space: enumerate formulations, predict every target, keep those meeting the
constraints and rank them by Pareto front over the objectives.

A spec (YAML, see ``data/examples/screen.yaml``) lists the values of each formulation column; the
space is their product (a filler's loadings only cross real fillers, a plasticizer's amounts only real
plasticizers) times the temperatures. The space is cut into partitions of ``partition_rows``
formulations, predicted and filtered one by one (or on a Dask cluster, see :mod:`cpe_ml.distributed`),
so memory holds one partition plus the feasible rows, never the whole space.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from cpe_ml.models.bundle import ModelBundle
from cpe_ml.prediction import predict_formulations, validate_candidates
from cpe_ml.schema import COLUMN_BY_NAME, ROOM_TEMPERATURE_C
from cpe_ml.validation import FormulationValidationError

#: Component columns whose amount (and morphology) columns are only crossed with a real component.
COMPONENTS = {"filler": ("filler_loading_wt_pct", "filler_morphology"), "plasticizer": ("plasticizer_wt_pct", None)}
NO_COMPONENT = ("", "none")
#: Largest space (formulations x temperatures) screened in one run: the feasible rows stay in memory,
#: ~1 kB each with their texts, so this bounds a run to a few GB at worst (1,000,000 take ~25 s, benchmarks/).
MAX_SCREEN_CANDIDATES = 5_000_000
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(>=|<=)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """``column >= value`` or ``column <= value`` on a prediction column.

    Write it on the interval bound to demand it with 90 % confidence, e.g.
    ``pred_conductivity_s_cm_lo >= 1e-4`` instead of the median ``pred_conductivity_s_cm >= 1e-4``.
    """

    column: str
    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        match = _CONSTRAINT.match(str(text))
        if not match:
            raise ValueError(f"constraint {text!r}: write '<prediction column> >= <number>' or '<= <number>', e.g. 'pred_voltage_window >= 4.5'")
        return cls(match[1], match[2], float(match[3]))

    def passes(self, frame: pd.DataFrame) -> np.ndarray:
        values = frame[self.column].to_numpy(dtype=float)
        return values >= self.value if self.op == ">=" else values <= self.value

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.value:g}"


@dataclass
class ScreenSpec:
    """What to enumerate, which candidates are acceptable and what makes one better."""

    space: dict[str, list]
    temperatures: list[float] = field(default_factory=lambda: [ROOM_TEMPERATURE_C])
    fixed: dict[str, object] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    maximize: list[str] = field(default_factory=list)
    minimize: list[str] = field(default_factory=list)
    top: int = 1000
    name: str = "screen"

    @classmethod
    def from_dict(cls, data: dict) -> ScreenSpec:
        known = {"space", "temperature_c", "fixed", "constraints", "maximize", "minimize", "top", "name"}
        if not isinstance(data, dict):
            raise ValueError(f"screen spec: the file must be a mapping of {sorted(known)}, not a {type(data).__name__}; see data/examples/screen.yaml")
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"screen spec: unknown key(s) {unknown}; use {sorted(known)}")
        if not data.get("space"):
            raise ValueError("screen spec: 'space' is missing (column -> list of values)")
        temperatures = data.get("temperature_c", [ROOM_TEMPERATURE_C])
        for t in temperatures if isinstance(temperatures, list) else [temperatures]:
            if isinstance(t, bool) or not isinstance(t, int | float):
                raise ValueError(f"screen spec: temperature_c {t!r} is not a number; write temperatures in C, e.g. [25, 60]")
        if isinstance(data.get("top", 1000), bool) or not isinstance(data.get("top", 1000), int):
            raise ValueError(f"screen spec: top {data.get('top')!r} is not a whole number")
        spec = cls(
            space={k: v if isinstance(v, list) else [v] for k, v in data["space"].items()},
            temperatures=[float(t) for t in (temperatures if isinstance(temperatures, list) else [temperatures])],
            fixed=dict(data.get("fixed") or {}),
            constraints=[Constraint.parse(c) for c in data.get("constraints") or []],
            maximize=list(data.get("maximize") or []),
            minimize=list(data.get("minimize") or []),
            top=int(data.get("top", 1000)),
            name=str(data.get("name", "screen")),
        )
        spec.check()
        return spec

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> ScreenSpec:
        import yaml

        with open(path, encoding="utf-8") as handle:
            return cls.from_dict(yaml.safe_load(handle) or {})

    @property
    def objectives(self) -> list[str]:
        return [*self.maximize, *self.minimize]

    def check(self) -> None:
        """Column names and amounts are checked here, before anything is enumerated."""
        if not self.objectives:
            raise ValueError("screen spec: name at least one objective under 'maximize' or 'minimize'")
        amounts = {a for a, _ in COMPONENTS.values()}
        for column in [*self.space, *self.fixed]:
            if column not in COLUMN_BY_NAME or COLUMN_BY_NAME[column].kind not in ("formulation", "condition"):
                raise ValueError(f"screen spec: {column!r} is not a formulation or condition column of the schema")
            if column == "temperature_c":
                raise ValueError("screen spec: give temperatures as the top-level 'temperature_c' list, not in space/fixed")
        for amount in amounts & set(self.space):
            component = next(c for c, (a, _) in COMPONENTS.items() if a == amount)
            if component not in self.space:
                raise ValueError(f"screen spec: '{amount}' in space needs '{component}' in space too")
        if any(not values for values in self.space.values()):
            raise ValueError("screen spec: every space column needs at least one value")
        if self.top < 1:
            raise ValueError(f"screen spec: top = {self.top}; give how many ranked candidates to keep (1 or more)")
        candidates = space_size(self) * len(self.temperatures)
        if candidates > MAX_SCREEN_CANDIDATES:
            raise ValueError(f"screen spec: {candidates:,} candidates is above the limit of {MAX_SCREEN_CANDIDATES:,} "
                             "(feasible rows are kept in memory); narrow the space or split it into several specs")


def _component_axis(spec: ScreenSpec, component: str) -> pd.DataFrame:
    """Component x amount rows; 'none' (no filler/plasticizer) appears once, with no amount."""
    amount, morphology = COMPONENTS[component]
    rows = []
    for entry in spec.space[component]:
        name, form = (entry.get("name"), entry.get("morphology")) if isinstance(entry, dict) else (entry, None)
        name = "" if name is None else str(name)
        if name.lower() in NO_COMPONENT:
            rows.append({component: "none" if component == "filler" else ""})
            continue
        base = {component: name, **({morphology: form} if morphology and form else {})}
        rows += [{**base, amount: float(a)} for a in spec.space[amount]] if amount in spec.space else [base]
    return pd.DataFrame(rows)


def design_axes(spec: ScreenSpec) -> list[pd.DataFrame]:
    """The factors of the design space: small tables whose row product is the space."""
    amounts = {a for a, _ in COMPONENTS.values()}
    return [_component_axis(spec, c) if c in COMPONENTS else pd.DataFrame({c: values})
            for c, values in spec.space.items() if c not in amounts]


def space_size(spec: ScreenSpec) -> int:
    """Formulations in the space (each is predicted at every temperature)."""
    return math.prod(len(axis) for axis in design_axes(spec))


def design_rows(spec: ScreenSpec, positions: np.ndarray) -> pd.DataFrame:
    """The formulations at ``positions`` of the space (row-major over the spec's columns), with ids ``S<n>``."""
    axes = design_axes(spec)
    positions = np.asarray(positions, dtype=np.int64)
    picks = np.unravel_index(positions, [len(a) for a in axes]) if len(positions) else [positions] * len(axes)
    columns = pd.concat([axis.iloc[pick].reset_index(drop=True) for axis, pick in zip(axes, picks)], axis=1)
    width = len(str(space_size(spec)))
    frame = pd.concat([pd.DataFrame({"record_id": [f"S{p + 1:0{width}d}" for p in positions]}), columns], axis=1)
    for column, value in spec.fixed.items():
        frame[column] = value
    return frame


def design_frame(spec: ScreenSpec, start: int, stop: int) -> pd.DataFrame:
    """Formulations ``start:stop`` of the space."""
    return design_rows(spec, np.arange(start, min(stop, space_size(spec))))


def positions_of(record_ids: pd.Series) -> np.ndarray:
    """Space positions back from ``S<n>`` ids."""
    return record_ids.str.slice(1).astype(np.int64).to_numpy() - 1


def partitions(spec: ScreenSpec, partition_rows: int) -> list[tuple[int, int]]:
    """``(start, stop)`` formulation ranges covering the space."""
    size = space_size(spec)
    return [(start, min(start + partition_rows, size)) for start in range(0, size, partition_rows)]


def check_space(spec: ScreenSpec) -> None:
    """Validate every value of the spec once (a probe row per value), naming the bad ones."""
    axes = design_axes(spec)
    longest = max(len(a) for a in axes)
    probe = pd.concat([a.iloc[np.arange(longest) % len(a)].reset_index(drop=True) for a in axes], axis=1)
    for column, value in spec.fixed.items():
        probe[column] = value
    try:
        validate_candidates(probe, spec.temperatures)
    except FormulationValidationError as err:
        problems = dict.fromkeys(f"  {i.column} = {i.value!r}: {i.message}" for i in err.report.issues)
        raise ValueError("screen spec has invalid values:\n" + "\n".join(problems)) from None


def feasible_candidates(formulations: pd.DataFrame, bundles: dict[str, ModelBundle], spec: ScreenSpec) -> pd.DataFrame:
    """Predict one partition at the spec's temperatures; the rows meeting every constraint, slim.

    Only ``record_id``, ``temperature_c`` and the numeric predictions are kept: enough to rank, and the
    reported rows are predicted again in full (flags, explanations) by :func:`finish`.
    """
    predictions = predict_formulations(formulations, bundles, temperatures=spec.temperatures, explain=False, assess=False).predictions
    passed = np.ones(len(predictions), dtype=bool)
    for constraint in spec.constraints:
        passed &= constraint.passes(predictions)
    slim = ["record_id", "temperature_c", *[c for c in predictions.columns if c.startswith("pred_")]]
    return predictions.loc[passed, slim].reset_index(drop=True)


def check_columns(spec: ScreenSpec, columns: pd.Index) -> None:
    """Constraint and objective columns must be numeric prediction columns."""
    named = [c.column for c in spec.constraints] + spec.objectives
    missing = [c for c in named if c not in columns]
    if missing:
        available = [c for c in columns if c.startswith("pred_")]
        raise ValueError(f"screen spec names {missing}, which the models do not predict; choose from {available}")


def pareto_ranks(values: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Front number of each row (1 = not dominated), every column to be maximized.

    Fronts are peeled off until at least ``limit`` rows are ranked; rows left over get 0. Equal rows
    share their front. Each front is one sweep in lexicographic order: a row can only be dominated by
    rows before it, and if it is, then also by a row of the front (dominance is transitive), so rows
    are compared with the front only.
    """
    points, inverse, counts = np.unique(np.asarray(values, dtype=float), axis=0, return_inverse=True, return_counts=True)
    strength = np.argsort(np.argsort(points, axis=0), axis=0).sum(axis=1)  # rank sum: who likely dominates many
    ranks = np.zeros(len(points), dtype=int)
    remaining = np.arange(len(points))
    while len(remaining) and (limit is None or counts[ranks > 0].sum() < limit):
        front = _first_front(points, remaining, strength)
        ranks[front] = ranks.max() + 1
        remaining = np.setdiff1d(remaining, front, assume_unique=True)
    return ranks[inverse.reshape(-1)]


def _dominates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``out[i, j]``: row i of ``a`` dominates row j of ``b`` (>= everywhere, > somewhere)."""
    ge = np.ones((len(a), len(b)), dtype=bool)
    gt = np.zeros((len(a), len(b)), dtype=bool)
    for k in range(a.shape[1]):  # one objective at a time: 2-D temporaries, no reductions over a tiny axis
        ge &= a[:, None, k] >= b[None, :, k]
        gt |= a[:, None, k] > b[None, :, k]
    return ge & gt


def _dominated_by(strong: np.ndarray, points: np.ndarray, block: int = 16384) -> np.ndarray:
    """Rows of ``points`` dominated by at least one row of ``strong``."""
    return np.concatenate([_dominates(strong, points[s:s + block]).any(axis=0) for s in range(0, len(points), block)] or [np.zeros(0, dtype=bool)])


def _first_front(points: np.ndarray, rows: np.ndarray, strength: np.ndarray, block: int = 512, n_strong: int = 64) -> np.ndarray:
    """The non-dominated ``rows`` of the unique ``points``."""
    strong = rows[np.argsort(-strength[rows])[:n_strong]]
    rows = rows[~_dominated_by(points[strong], points[rows])]  # cheap first cut
    order = rows[np.lexsort(points[rows].T[::-1])[::-1]]  # descending by first objective, then the next ...
    front = np.empty(0, dtype=int)
    for start in range(0, len(order), block):
        alive = order[start:start + block]
        if len(front):
            alive = alive[~_dominated_by(points[front], points[alive])]
        front = np.concatenate([front, alive[~_dominates(points[alive], points[alive]).any(axis=0)]])
    return front


def _bound(frame: pd.DataFrame, column: str, maximize: bool) -> pd.Series:
    """The pessimistic end of the interval (low for a maximized column), or the value itself."""
    bound = f"{column}_lo" if maximize else f"{column}_hi"
    return frame[bound] if bound in frame else frame[column]


def rank_candidates(feasible: pd.DataFrame, spec: ScreenSpec) -> pd.DataFrame:
    """The best ``spec.top`` feasible rows: by Pareto front, then by interval-aware tie-breaks.

    Within a front, a candidate whose pessimistic interval ends are better (mean percentile over the
    objectives) comes first; then the one with narrower intervals (better known).
    """
    signs = [1.0] * len(spec.maximize) + [-1.0] * len(spec.minimize)
    values = np.column_stack([feasible[c].to_numpy(dtype=float) * s for c, s in zip(spec.objectives, signs)]) if len(feasible) else np.empty((0, len(signs)))
    ranks = pareto_ranks(np.nan_to_num(values, nan=-np.inf), spec.top)
    ranked = feasible.loc[ranks > 0].assign(pareto_rank=ranks[ranks > 0])
    pessimistic = pd.concat([(_bound(ranked, c, s > 0) * s).rank(pct=True) for c, s in zip(spec.objectives, signs)], axis=1).mean(axis=1)
    widths = [ranked[f"{c}_hi"] - ranked[f"{c}_lo"] for c in spec.objectives if f"{c}_hi" in ranked and f"{c}_lo" in ranked]
    width = pd.concat([w.rank(pct=True) for w in widths], axis=1).mean(axis=1) if widths else pd.Series(0.0, index=ranked.index)
    ranked = ranked.assign(_pessimistic=pessimistic, _width=width)
    ranked = ranked.sort_values(["pareto_rank", "_pessimistic", "_width"], ascending=[True, False, True], kind="mergesort")
    ranked = ranked.drop(columns=["_pessimistic", "_width"]).head(spec.top).reset_index(drop=True)
    ranked.insert(0, "screen_rank", np.arange(1, len(ranked) + 1))
    return ranked


@dataclass
class ScreenResult:
    """The ranked best candidates (full predictions), every feasible candidate (slim) and the space size."""

    ranked: pd.DataFrame
    feasible: pd.DataFrame
    n_candidates: int
    spec: ScreenSpec

    @property
    def front(self) -> pd.DataFrame:
        return self.ranked.loc[self.ranked["pareto_rank"] == 1]


def describe(ranked: pd.DataFrame, spec: ScreenSpec, bundles: dict[str, ModelBundle]) -> pd.DataFrame:
    """The ranked rows predicted again in full: formulation columns, predictions, domain flags, explanations."""
    parts = []
    for temperature, rows in list(ranked.groupby("temperature_c", sort=False)) or [(spec.temperatures[0], ranked)]:
        full = predict_formulations(design_rows(spec, positions_of(rows["record_id"])), bundles, temperatures=[temperature]).predictions
        parts.append(full.set_index(rows.index))
    return pd.concat([ranked[["screen_rank", "pareto_rank"]], pd.concat(parts).loc[ranked.index]], axis=1).reset_index(drop=True)


def finish(empty: pd.DataFrame, parts: list[pd.DataFrame], spec: ScreenSpec, bundles: dict[str, ModelBundle]) -> ScreenResult:
    """Gather the partitions' feasible rows, rank them, describe the best (the same step in process and on a cluster)."""
    feasible = pd.concat([empty, *parts], ignore_index=True)
    ranked = describe(rank_candidates(feasible, spec), spec, bundles)
    return ScreenResult(ranked, feasible, space_size(spec) * len(spec.temperatures), spec)


def iter_feasible(spec: ScreenSpec, bundles: dict[str, ModelBundle], partition_rows: int) -> Iterator[pd.DataFrame]:
    for start, stop in partitions(spec, partition_rows):
        yield feasible_candidates(design_frame(spec, start, stop), bundles, spec)


def prepare(spec: ScreenSpec, bundles: dict[str, ModelBundle]) -> pd.DataFrame:
    """Check the spec against the catalog and the models; returns an empty frame of the partition output."""
    check_space(spec)
    sample = feasible_candidates(design_frame(spec, 0, 1), bundles, replace(spec, constraints=[], temperatures=spec.temperatures[:1]))
    check_columns(spec, sample.columns)
    return sample.iloc[:0]


def screen(spec: ScreenSpec, bundles: dict[str, ModelBundle], partition_rows: int = 50_000) -> ScreenResult:
    """Enumerate, predict, filter and rank the whole space in this process."""
    empty = prepare(spec, bundles)
    return finish(empty, list(iter_feasible(spec, bundles, partition_rows)), spec, bundles)


#: Amount and morphology columns written with their component in a formulation label.
COMPONENTS_AMOUNTS = tuple(c for pair in COMPONENTS.values() for c in pair if c)


def prediction_label(column: str, spec: ScreenSpec | None = None) -> str:
    """A prediction column as the property with its unit: ``pred_voltage_window`` -> ``oxidation voltage
    limit (V vs Li/Li+)``, ``pred_conductivity_s_cm_lo`` -> ``ionic conductivity (S/cm), lower 80 % bound``;
    retention names the spec's fixed cycle count. Other columns are returned unchanged."""
    from cpe_ml.models.targets import TARGETS

    base, bound = re.subn(r"_(lo|hi)$", "", column)
    side = {"lo": "lower", "hi": "upper"}.get(column[-2:]) if bound else None
    for target in TARGETS.values():
        if base == f"pred_{target.name}":
            label = target.label
        elif target.log_scale and base == f"pred_{target.column}":
            label = target.label.removeprefix("log10 ")
        else:
            continue
        cycles = (spec.fixed.get("retention_cycles") if spec else None) if target.fade_scale else None
        label += f" after {cycles:g} cycles" if isinstance(cycles, int | float) else ""
        return label + (f", {side} 80 % bound" if side else "")
    return column


def formulation_label(row: pd.Series, spec: ScreenSpec) -> str:
    """The columns a screen varies, written as a chemist would (:func:`cpe_ml.notation.format_formulation`)."""
    from cpe_ml.notation import format_formulation

    varied = [*spec.space, *COMPONENTS_AMOUNTS] + (["temperature_c"] if len(spec.temperatures) > 1 else [])
    absent = [c for c in COMPONENTS if str(row.get(c, "")).strip().lower() in NO_COMPONENT]  # "none" is no component
    return format_formulation({c: row[c] for c in varied if c in row.index and c not in absent})


def plot_front(result: ScreenResult, path: str | os.PathLike, max_points: int = 20_000, labelled: int = 3) -> Path:
    """Feasible candidates on the first two objectives, the Pareto front highlighted with 80 % intervals.

    Axes carry the property and its unit; the ``labelled`` best candidates are numbered on the plot and
    written out below it as formulations.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec, feasible, front = result.spec, result.feasible, result.front
    x, y = (spec.objectives * 2)[:2]
    xlabel, ylabel = prediction_label(x, spec), prediction_label(y, spec)
    if len(spec.objectives) == 1 and {f"{x}_lo", f"{x}_hi"} <= set(feasible.columns):  # one objective: value vs uncertainty
        y = f"{x} 80 % interval width"
        ylabel = f"80 % interval width of {xlabel}"
        feasible, front = (f.assign(**{y: f[f"{x}_hi"] - f[f"{x}_lo"]}) for f in (feasible, front))
    best = front.head(labelled)
    fig, ax = plt.subplots(figsize=(8, 5.6 + 0.22 * len(best)))
    shown = feasible.sample(max_points, random_state=0) if len(feasible) > max_points else feasible
    ax.scatter(shown[x], shown[y], s=5, c="0.7", alpha=0.6, linewidths=0, label=f"feasible ({len(feasible):,})", rasterized=True)
    colour = front[spec.objectives[2]] if len(spec.objectives) > 2 else "tab:red"
    if len(front) <= 200 and {f"{x}_lo", f"{x}_hi", f"{y}_lo", f"{y}_hi"} <= set(front.columns):
        ax.errorbar(front[x], front[y], xerr=[front[x] - front[f"{x}_lo"], front[f"{x}_hi"] - front[x]],
                    yerr=[front[y] - front[f"{y}_lo"], front[f"{y}_hi"] - front[y]], fmt="none", ecolor="tab:gray", elinewidth=0.4,
                    alpha=0.3, label="80 % intervals (front)")
    points = ax.scatter(front[x], front[y], s=30, c=colour, cmap="viridis" if len(front) and len(spec.objectives) > 2 else None,
                        edgecolors="k", linewidths=0.4, zorder=3, label=f"Pareto front ({len(front)} candidates)")
    if len(spec.objectives) > 2:
        fig.colorbar(points, ax=ax, label=prediction_label(spec.objectives[2], spec))
    lines = []
    for i, (_, row) in enumerate(best.iterrows()):
        ax.annotate(f"#{row['screen_rank']}", (row[x], row[y]), fontsize=8, fontweight="bold", xytext=(8, 10 - 11 * i),
                    textcoords="offset points", arrowprops={"arrowstyle": "-", "lw": 0.5})
        lines.append(f"#{row['screen_rank']}  {formulation_label(row, spec)}")
    if lines:
        fig.text(0.01, 0.01, "\n".join(lines), fontsize=8, va="bottom", ha="left", family="monospace")
    rules = "; ".join(f"{prediction_label(c.column, spec)} {c.op} {c.value:g}" for c in spec.constraints) or "none"
    ax.set(xlabel=xlabel, ylabel=ylabel,
           title=f"{spec.name}: {len(feasible):,} of {result.n_candidates:,} candidates feasible\nconstraints: {rules}")
    ax.title.set_fontsize(9)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout(rect=(0, 0.05 * len(lines) / 3 + (0.02 if lines else 0), 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return Path(path)
