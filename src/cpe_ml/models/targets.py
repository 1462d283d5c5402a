"""The targets: which rows train them, on which scale, from which features, with which physics, and how
they are shown. A :class:`Target` in :data:`TARGETS` is the only place that knows a target (its value column
and qualifier live in :mod:`cpe_ml.schema`): training, prediction and the CLI read everything from it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cpe_ml.featurizers.formulation import FORMULATION_BLOCKS
from cpe_ml.models.arrhenius import ArrheniusRegressor
from cpe_ml.models.interval import IntervalRegressor
from cpe_ml.datasets.registry import PUBLIC_NAMES
from cpe_ml.schema import QUALIFIED_TARGET_COLUMNS

#: Temperature-dependent features: the VTF readout applies temperature itself, so the trees never see them.
TEMPERATURE_FEATURES: tuple[str, ...] = (
    "conditions__temperature_k",
    "conditions__inverse_temperature_1000_k",
    "conditions__t_minus_tg_k",
    "conditions__vtf_inverse_t_minus_t0",
)

#: The filler's effect enters the conductivity model only as this fixed offset (physics + within-paper
#: contrasts, :class:`cpe_ml.models.filler_effect.FillerEffectModel`); the trees see no filler feature, so the
#: gap between best-of-paper composites and public filler-free tables cannot pose as a filler effect.
FILLER_OFFSET_FEATURE = "filler_effect__log10_composite_over_host"
FILLER_PREFIXES: tuple[str, ...] = ("filler__", "composite__", "filler_effect__")
#: Features the conductivity trees never see because the data cannot separate them from their sources:
#: electrolyte type spe/cpe is "filler present" by another name, and process steps are stated only by the
#: curated best-of-paper rows (public tables state none) with no same-paper contrast of two processes, so
#: they would encode "a curated paper", not a process (the gel type, from the plasticizer, stays).
SOURCE_CONFOUNDED_FEATURES: tuple[str, ...] = ("process__type_spe", "process__type_cpe")
SOURCE_CONFOUNDED_PREFIXES: tuple[str, ...] = ("process__process_",)

#: Qualifiers of values that are bounds, not measurements: never fitted as exact values.
BOUND_QUALIFIERS = ("lower_bound", "upper_bound")
#: Floor of the cumulative fade L = -ln(R) (1e-4: 99.99 % retained). Retentions of 100 % and above
#: (capacity activation, rounding) have no finite log L; they are read as this small a loss.
MIN_CUMULATIVE_FADE = 1e-4


@dataclass(frozen=True)
class ConditionDefault:
    """A condition a candidate may omit when predicting: filled with ``value``, said in the row's flags
    (``"<column> not given: predicted <stated_as>"``) and capping the row's confidence at 'medium'."""

    column: str
    value: float
    stated_as: str  # how the default reads, formatted with ``value``: "after {:g} cycles"

    def note(self) -> str:
        return f"{self.column} not given: predicted {self.stated_as.format(self.value)}"


def cumulative_fade(retention_pct) -> np.ndarray:
    """L = -ln(R), R as a fraction: the compounded loss, L = sum over cycles of -ln(1 - f_i) for per-cycle fades f_i."""
    fraction = np.clip(np.asarray(retention_pct, dtype=float) / 100.0, 1e-6, 1.0)
    return np.maximum(-np.log(fraction), MIN_CUMULATIVE_FADE)


def retention_from_fade(loss) -> np.ndarray:
    """Retention (%) = 100 exp(-L): within 0-100 % for any L >= 0."""
    return 100.0 * np.exp(-np.maximum(np.asarray(loss, dtype=float), 0.0))


def per_cycle_fade(retention_pct, cycles) -> np.ndarray:
    """Mean per-cycle fade f = 1 - R^(1/N) over the first N cycles, i.e. R = (1 - f)^N."""
    return 1.0 - np.exp(-cumulative_fade(retention_pct) / np.asarray(cycles, dtype=float))


def inverse_sqrt_count_weights(keys: np.ndarray) -> np.ndarray:
    """1/sqrt(rows sharing the row's key), scaled to mean 1 (so XGBoost's min_child_weight keeps its meaning).

    Rows of one polymer are strongly correlated (same chemistry, often the same paper): with equal weights a
    fit is mostly about PEO; with 1/rows the many-condition curves of well-measured polymers are wasted;
    1/sqrt(rows) sits between (benchmarks/bradford2023_results.md).
    """
    _, codes, counts = np.unique(np.asarray(keys).astype(str), return_inverse=True, return_counts=True)
    weights = 1.0 / np.sqrt(counts[codes.ravel()])
    return weights / weights.mean()


@dataclass(frozen=True)
class Target:
    """A predicted property.

    ``monotone`` maps feature names to +1/-1: XGBoost keeps the prediction monotone in them
    (conductivity rises with temperature).

    ``fade_scale``: the model predicts log10 of the cumulative fade L = -ln(R) = N * -ln(1 - f), with f
    the mean per-cycle fade over the N cycles (:func:`cumulative_fade`), and is monotone non-decreasing
    in log10 N (``monotone``). Retention = 100 exp(-L) therefore lies in 0-100 % and cannot rise with N,
    by construction, and the fade per cycle may slow down with N (power-law fade L ~ N^b with b <= 1, the
    usual shape of SEI/CEI growth) instead of being forced constant: a constant-f fit extrapolated from
    short tests to 1000 cycles predicts ~0 % (measured while building this with the benchmark
    benchmarks/window_retention.py: retention MAE 12.6-13.3 % vs 7.4 % for the ridge baseline).
    Rows of one cell at different N inform one another.

    ``temperature_law`` targets need each row's temperature (stated, or 'room temperature' in words).
    Display: ``title`` heads the CLI's ranking column, ``display_unit`` is the unit shown beside a value,
    formatted with the row's conditions (``"% after {retention_cycles:g} cycles"``); a ``log_scale`` target is
    shown in its own units (``pred_<column>``, e.g. S/cm), others as ``pred_<name>``. ``limits`` are what the
    model cannot do whatever its data (model cards); ``stated_conditions`` maps a protocol column to its
    words, and the model card counts the rows that state it.
    """

    name: str
    column: str
    label: str
    unit: str
    blocks: tuple[str, ...]
    registered_name: str
    log_scale: bool = False
    monotone: dict[str, int] = field(default_factory=dict)
    required_columns: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)  # XGBoost settings for this target (over the defaults)
    #: True: the model predicts VTF parameters per formulation and reads out log10 sigma(T) from them
    #: (:mod:`cpe_ml.models.arrhenius`); temperature never enters the trees.
    temperature_law: bool = False
    fade_scale: bool = False
    polymer_weighting: bool = False
    curated_weight: float = 1.0
    title: str = ""
    display_unit: str = ""
    condition_defaults: tuple[ConditionDefault, ...] = ()
    limits: tuple[str, ...] = ()
    stated_conditions: dict[str, str] = field(default_factory=dict)

    @property
    def display_column(self) -> str:
        """The prediction column a person reads: target units (S/cm) for a log-scale target, else ``pred_<name>``."""
        return f"pred_{self.column}" if self.log_scale else f"pred_{self.name}"

    def unit_for(self, row) -> str:
        """:attr:`display_unit` with the row's conditions, a condition the row omits at its default."""
        values = {d.column: d.value if pd.isna(row.get(d.column)) else row.get(d.column) for d in self.condition_defaults}
        return self.display_unit.format(**values)

    def rows(self, frame: pd.DataFrame) -> pd.Series:
        """Rows usable for this target: the value and its required conditions are present."""
        usable = pd.to_numeric(frame[self.column], errors="coerce").notna()
        for column in self.required_columns:
            usable &= pd.to_numeric(frame[column], errors="coerce").notna()
        if self.temperature_law:  # the law reads each row's temperature
            usable &= frame["temperature_c"].notna() | (frame["assumed_temperature"] == 1)
        return usable & ~self.bound_rows(frame)

    def estimator(self, names: list[str], params: dict | None = None, random_state: int = 0, n_jobs: int = 2,
                  calibration_folds: int = 3) -> IntervalRegressor:
        """The target's model for a feature matrix with columns ``names`` (monotone constraints or VTF readout)."""
        params = {**self.params, **(params or {})}
        if self.temperature_law:
            hidden = [i for i, n in enumerate(names) if n in TEMPERATURE_FEATURES or n in SOURCE_CONFOUNDED_FEATURES
                      or n.startswith(FILLER_PREFIXES + SOURCE_CONFOUNDED_PREFIXES)]
            offset = names.index(FILLER_OFFSET_FEATURE) if FILLER_OFFSET_FEATURE in names else None
            return ArrheniusRegressor(names.index("conditions__temperature_k"), names.index("glass_transition__tg_c"),
                                      tuple(hidden), offset, calibration_folds=calibration_folds, params=params,
                                      n_jobs=n_jobs, random_state=random_state)
        monotone = {names.index(f): sign for f, sign in self.monotone.items() if f in names}
        return IntervalRegressor(monotone=monotone, calibration_folds=calibration_folds, params=params, n_jobs=n_jobs,
                                 random_state=random_state)

    def row_weights(self, rows: pd.DataFrame, polymers: np.ndarray) -> np.ndarray | None:
        """Training weights: with ``polymer_weighting``, 1/sqrt(rows of the row's polymer) (PEO's thousands of
        public rows then count like ~60, not like thousands of polymers), times ``curated_weight`` for rows
        that do not come from a public table (papers' composites keep their voice beside 19k public rows)."""
        if not self.polymer_weighting:
            return None
        public = rows["dataset"].isin(PUBLIC_NAMES).to_numpy() if "dataset" in rows else np.zeros(len(rows), bool)
        weights = inverse_sqrt_count_weights(polymers) * np.where(public, 1.0, self.curated_weight)
        return weights / weights.mean()

    def bound_rows(self, frame: pd.DataFrame) -> pd.Series:
        """Rows whose value is stated as a lower or upper bound ('>4.6 V'): checked as bounds, never fitted."""
        qualifier = QUALIFIED_TARGET_COLUMNS.get(self.column, "")
        if qualifier not in frame:
            return pd.Series(False, index=frame.index)
        return frame[qualifier].astype("string").fillna("").str.strip().str.lower().isin(BOUND_QUALIFIERS).astype(bool)

    def to_model_scale(self, values) -> np.ndarray:
        """Target units -> the scale the model fits (log10 S/cm; log10 cumulative fade for retention)."""
        values = np.asarray(values, dtype=float)
        if self.fade_scale:
            return np.log10(cumulative_fade(values))
        return np.log10(values) if self.log_scale else values

    def from_model_scale(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if self.fade_scale:
            return retention_from_fade(10.0**values)
        return 10.0**values if self.log_scale else values

    def interval_from_model_scale(self, band: np.ndarray) -> np.ndarray:
        """Rows x (low, centre, high) in target units; a decreasing conversion (fade -> retention) swaps the ends."""
        band = np.asarray(band, dtype=float).reshape(-1, 3)
        return np.sort(np.column_stack([self.from_model_scale(band[:, i]) for i in range(3)]), axis=1)


#: Weight of a curated conductivity row relative to a public-table row of a polymer with as many rows
#: (chosen by grouped CV on the curated rows; see README "Conductivity model").
CURATED_CONDUCTIVITY_WEIGHT = 10.0

#: ~100-row targets: stumps-like trees and strong shrinkage (grouped CV on the curated data: voltage-window
#: MAE 0.48 V vs 0.51 V with the conductivity settings, retention 7.5 % vs 7.7 %).
SMALL_DATA_PARAMS = {"max_depth": 2, "min_child_weight": 6.0, "n_estimators": 150, "colsample_bytree": 0.5, "reg_lambda": 10.0}
#: Stumps, few trees, heavy L2: kept on the same paper-grouped folds against seven fixed candidates and a
#: per-fold pick by inner CV (benchmarks/window_retention.py, 2026-12-08, seed 0): window MAE 0.449 V (R2 0.06)
#: vs 0.485 V with SMALL_DATA_PARAMS, 0.451 V for the inner-CV pick and 0.463 V for the best baseline;
#: retention 7.49 % vs 7.90 %, 7.60 % and 7.16 %.
STUMP_PARAMS = {"max_depth": 1, "n_estimators": 100, "learning_rate": 0.05, "min_child_weight": 10.0, "reg_lambda": 30.0,
                "colsample_bytree": 0.5}

#: Cycle count a retention prediction is made at when the candidate states none.
DEFAULT_RETENTION_CYCLES = 100.0

TARGETS: dict[str, Target] = {
    "conductivity": Target(
        name="conductivity",
        column="conductivity_s_cm",
        label="log10 ionic conductivity (S/cm)",
        unit="log10 S/cm",
        blocks=(*FORMULATION_BLOCKS, "composite", "filler_effect", "conditions", "glass_transition", "source"),
        registered_name="cpe-conductivity",
        log_scale=True,
        temperature_law=True,
        polymer_weighting=True,
        curated_weight=CURATED_CONDUCTIVITY_WEIGHT,
        title="S/cm",
        display_unit="S/cm",
        limits=(
            "Temperature enters only through the VTF law (smooth, increasing in T): outside the measured temperatures "
            "a prediction follows the law, not data.",
            "A filler acts only as an offset: effective-medium physics plus a small correction learned from within-paper "
            "contrasts; the trees see no filler feature.",
            "Process steps are not used: in the shipped data only curated rows state one and none of their papers "
            "compares two, so a process effect could not be told apart from its paper.",
        ),
    ),
    "voltage_window": Target(
        name="voltage_window",
        column="voltage_window_v",
        label="oxidation voltage limit (V vs Li/Li+)",
        unit="V",
        blocks=(*FORMULATION_BLOCKS, "oxidation", "lsv"),
        registered_name="cpe-voltage-window",
        params=STUMP_PARAMS,
        title="window V",
        display_unit="V vs Li/Li+",
        limits=(
            "The limit depends on how it was measured (LSV scan rate, working electrode, onset current); for rows that "
            "do not state the protocol the model cannot correct for it.",
            "Papers reporting the same nominal system disagree as much as the whole table: on the curated data the "
            "median window of other papers with the same host, filler class and plasticizer kind predicts a paper's "
            "value worse (MAE 0.47 V) than the median of all other papers (0.44 V) (benchmarks/window_retention.py).",
        ),
        stated_conditions={"lsv_scan_rate_mv_s": "the LSV scan rate"},
    ),
    "retention": Target(
        name="retention",
        column="retention_pct",
        label="capacity retention (%)",
        unit="%",
        blocks=(*FORMULATION_BLOCKS, "cycling", "oxidation"),
        registered_name="cpe-retention",
        monotone={"cycling__log10_retention_cycles": 1},  # cumulative fade L never falls with N
        required_columns=("retention_cycles",),
        params=STUMP_PARAMS,
        fade_scale=True,
        title="retention %",
        display_unit="% after {retention_cycles:g} cycles",
        condition_defaults=(ConditionDefault("retention_cycles", DEFAULT_RETENTION_CYCLES, "after {:g} cycles"),),
        limits=(
            "Modelled as cumulative fade -ln(R), monotone in the cycle count: predictions stay within 0-100 % and never "
            "rise with N.",
            "Cell details the schema does not record (cathode loading, lithium excess, electrolyte thickness) are unknown "
            "to the model.",
            "Papers state the retention at a cycle count of their choosing, mostly while it is still 80-95 %: on the "
            "curated data retention barely falls with the stated N (Spearman -0.14), and the median of other papers "
            "with the same host and cathode class predicts a paper's value worse (MAE 9.5 %) than the median of all "
            "other papers (8.4 %) (benchmarks/window_retention.py).",
        ),
    ),
}


def parse_targets(text: str) -> list[Target]:
    """``conductivity,voltage_window`` -> Target objects, with a helpful error on a typo."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        raise ValueError(f"unknown target(s) {unknown}; choose from {', '.join(TARGETS)}")
    return [TARGETS[n] for n in names]
