"""Predict candidate formulations: values with 80 % intervals, applicability-domain flags, explanations.

Work is done once per distinct formulation (the columns the featurizer reads), then broadcast to the
rows, so a million candidates drawn from a few hundred formulations cost a few hundred predictions.
Every input column is returned unchanged and in input order; invalid rows are reported, never lost.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from cpe_ml.explain import explanation_texts
from cpe_ml.io import neutralize_formulas
from cpe_ml.models.bundle import ModelBundle
from cpe_ml.models.domain import capped_confidence, skill_shown
from cpe_ml.models.targets import TARGETS, Target
from cpe_ml.schema import COLUMN_BY_NAME, ROOM_TEMPERATURE_C
from cpe_ml.tables import per_distinct_rows
from cpe_ml.validation import DistinctFormulations, ValidationReport, validate_distinct

CONFIDENCE_ORDER = ("high", "medium", "low")
SALT_AMOUNT_COLUMNS = ("salt_eo_li_ratio", "salt_wt_pct", "salt_molality_mol_kg")


@dataclass
class PredictionResult:
    """Predictions kept as they were computed: the prediction columns once per distinct formulation.

    ``inputs`` are the kept input rows (unchanged, expanded per temperature), ``distinct`` the prediction
    columns of each distinct formulation and ``rows`` the ``distinct`` row of every input row; a million
    rows from 300 formulations thus hold 300 copies of the flag texts, and are written as fast.
    """

    inputs: pd.DataFrame
    distinct: pd.DataFrame
    rows: np.ndarray
    report: ValidationReport

    @cached_property
    def predictions(self) -> pd.DataFrame:
        """Every input column unchanged and in input order, then the prediction columns."""
        return pd.concat([self.inputs, self.distinct.iloc[self.rows].reset_index(drop=True)], axis=1)

    @property
    def skipped(self) -> pd.DataFrame:
        """The invalid rows left out, with row, file line, column, value and reason."""
        return self.report.to_frame()


def expand_temperatures(frame: pd.DataFrame, temperatures: Sequence[float]) -> pd.DataFrame:
    """One row per input row and temperature (row-major: row 1 at every temperature, then row 2 ...)."""
    repeated = frame.loc[frame.index.repeat(len(temperatures))].reset_index(drop=True)
    repeated["temperature_c"] = np.tile(np.asarray(temperatures, dtype=float), len(frame))
    if "temperature_text" in repeated:
        repeated["temperature_text"] = ""
    return repeated


def fill_conditions(clean: pd.DataFrame, default_temperature_c: float = ROOM_TEMPERATURE_C) -> tuple[pd.DataFrame, list[list[str]]]:
    """Conditions a candidate may omit get a stated default, and the row says so (in words as well:
    a temperature read from text, a salt amount left unknown, each target's :attr:`Target.condition_defaults`,
    marked in ``_<column>_assumed``); such a row is at most 'medium' confidence.

    Models that read the temperature only see rows without one when the caller stated a default
    (validation refuses them otherwise, see :func:`validate_candidates`).
    """
    notes: list[list[str]] = [[] for _ in range(len(clean))]
    clean = clean.copy()
    no_temperature = clean["temperature_c"].isna() & (clean["assumed_temperature"] != 1)
    for row in np.flatnonzero(no_temperature.to_numpy()):
        notes[row].append(f"temperature not given: predicted at {default_temperature_c:g} C")
    clean.loc[no_temperature, "temperature_c"] = default_temperature_c
    in_words = (clean["assumed_temperature"] == 1).to_numpy()
    for row in np.flatnonzero(in_words):
        notes[row].append(f"temperature given in words: predicted at {ROOM_TEMPERATURE_C:g} C")
    no_salt_amount = clean[list(SALT_AMOUNT_COLUMNS)].isna().all(axis=1).to_numpy()
    for row in np.flatnonzero(no_salt_amount):
        notes[row].append("salt amount not given: predicted with the salt amount unknown")
    for default in _condition_defaults():
        missing = clean[default.column].isna()
        clean[_assumed(default.column)] = missing
        clean.loc[missing, default.column] = default.value
    return clean, notes


def _condition_defaults():
    """Every registered target's condition defaults (a candidate is filled once for all targets)."""
    return [d for target in TARGETS.values() for d in target.condition_defaults]


def _assumed(column: str) -> str:
    """The helper column marking rows where ``column`` was filled with its default."""
    return f"_{column}_assumed"


def _defaults_filled(clean: pd.DataFrame, target: Target) -> np.ndarray:
    """Rows whose prediction rests on a stated default rather than the candidate's own value: the notes
    of :func:`fill_conditions` (temperature, salt amount) or a condition of the target left at its default."""
    filled = clean.get("_note", pd.Series("", index=clean.index)).fillna("").astype(str).ne("").to_numpy()
    for default in target.condition_defaults:
        filled = filled | clean[_assumed(default.column)].to_numpy(dtype=bool)
    return filled


def predict_target(bundle: ModelBundle, clean: pd.DataFrame, explain: bool = True, top: int = 3, assess: bool = True) -> pd.DataFrame:
    """Predictions, interval, domain flags and explanation for one target, one row per ``clean`` row.

    ``assess=False`` leaves out the domain flags (their texts cost more than the prediction itself;
    a screen needs them only for the candidates it reports).
    """
    X = bundle.featurizer.transform(clean).astype(np.float32)
    distance = bundle.domain.distance(X)
    bins, scale = bundle.domain.error_bins(X, distance)  # half-width: the row's expected error x the quantile measured in its bin
    band = bundle.model.predict_interval(X, bins, scale) if len(X) else np.empty((0, 3))  # empty: all rows skipped
    if bundle.target.fade_scale:  # log10 cumulative fade -> retention %, within 0-100 %
        band = bundle.target.interval_from_model_scale(band)
    name = bundle.target_name
    out = pd.DataFrame({f"pred_{name}": band[:, 1], f"pred_{name}_lo": band[:, 0], f"pred_{name}_hi": band[:, 2]})
    if bundle.target.log_scale:
        unit = bundle.target.column
        out[f"pred_{unit}"] = 10 ** band[:, 1]
        out[f"pred_{unit}_lo"] = 10 ** band[:, 0]
        out[f"pred_{unit}_hi"] = 10 ** band[:, 2]
    if bundle.target.temperature_law:
        # The fitted temperature law per row: log10 sigma(T) = log10 A - B / d(T - T0) (cpe_ml.models.arrhenius).
        law = bundle.model.parameters(X) if len(X) else {k: np.empty(0) for k in ("log10_prefactor", "pseudo_activation_k", "t0_k")}
        out["pred_log10_prefactor"] = law["log10_prefactor"]
        out["pred_pseudo_activation_k"] = law["pseudo_activation_k"]
        out["pred_t0_k"] = law["t0_k"]
    out[f"ad_bin_{name}"] = np.asarray(bundle.domain.bin_names_, dtype=object)[bins]
    # what the confidence rests on: the MAE measured on held-out groups in the row's bin (target units)
    out[f"expected_mae_{name}"] = bundle.domain.bin_mae_[bins] if len(X) else np.empty(0)
    if assess:
        flags, confidence, _ = bundle.domain.assess(X, clean, distance, bins) if len(X) else ([], np.empty(0, dtype=object), None)
        for default in bundle.target.condition_defaults:
            assumed, note = clean[_assumed(default.column)].to_numpy(dtype=bool), default.note()
            flags = ["; ".join(filter(None, [f, note])) if a else f for f, a in zip(flags, assumed)]
        confidence = capped_confidence(confidence, np.zeros(len(confidence), dtype=bool), _defaults_filled(clean, bundle.target))
        skill = float(bundle.cv_metrics.get("skill", np.nan))
        lower = float(bundle.cv_metrics.get("skill_lower_90", skill))
        if not skill_shown(bundle.cv_metrics):  # no skill shown over the best baseline in grouped CV: never presented as confident
            shown = f"skill {skill:+.0%}, 90 % lower bound {lower:+.0%}" if np.isfinite(lower) else f"skill {skill:+.0%}"
            note = f"{name} model has no demonstrated skill over the best baseline in grouped CV ({shown})"
            flags = ["; ".join(filter(None, [f, note])) for f in flags]
            confidence = np.full(len(flags), "low", dtype=object)
        out[f"skill_{name}"] = skill
        out[f"ad_flags_{name}"] = flags
        out[f"confidence_{name}"] = confidence
    if explain:  # concept sums first (chemist's view), then the largest stated single features
        out[f"explain_{name}"], out[f"explain_{name}_features"] = explanation_texts(bundle, X, top)
    return out


def _prefixed(flags: pd.Series, name: str) -> list[str]:
    """Each ``; ``-separated flag prefixed with ``[name]`` (formatted once per distinct flag text)."""
    text = {f: "; ".join(f"[{name}] {x}" for x in f.split("; ") if x) for f in pd.unique(flags)}
    return [text[f] for f in flags]


def _combine_flags(notes: list[str], parts: dict[str, pd.DataFrame], skilled_targets: set[str]) -> tuple[list[str], np.ndarray]:
    """One ``ad_flags`` text (target-prefixed) and the lowest confidence over the targets with skill, per row."""
    prefixed = [_prefixed(part[f"ad_flags_{name}"], name) for name, part in parts.items()]
    flags = ["; ".join(filter(None, row)) for row in zip(notes, *prefixed)]
    rank = {level: i for i, level in enumerate(CONFIDENCE_ORDER)}
    # Targets without skill are 'low' by rule and flagged; the combined label reads the targets that have skill.
    skilled = {name: part for name, part in parts.items() if name in skilled_targets}
    worst = np.zeros(len(notes), dtype=int) if skilled else np.full(len(notes), rank["low"])
    for name, part in skilled.items():
        worst = np.maximum(worst, part[f"confidence_{name}"].map(rank).to_numpy(dtype=int))
    return flags, np.asarray(CONFIDENCE_ORDER, dtype=object)[worst]


def _as_text(raw: pd.DataFrame) -> pd.DataFrame:
    """Missing values (None/NaN from JSON) as empty text, the way validation reads a blank CSV cell."""
    missing = [c for c in raw.columns if raw[c].isna().any()]
    if not missing:
        return raw
    return raw.assign(**{c: raw[c].astype(object).where(raw[c].notna(), "") for c in missing})


def _check_temperatures(temperatures: Sequence[float]) -> None:
    column = COLUMN_BY_NAME["temperature_c"]
    outside = [t for t in temperatures if not column.low <= float(t) <= column.high]
    if outside:
        raise ValueError(f"temperatures {outside} C outside the possible range {column.low:g}..{column.high:g} C")


def needs_temperature(bundles: dict[str, ModelBundle]) -> bool:
    """True when some model reads the measurement temperature (a candidate must then state one)."""
    return any("temperature_c" in bundle.featurizer.input_columns() for bundle in bundles.values())


def validate_candidates(frame: pd.DataFrame, temperatures: Sequence[float] | None = None, skip_invalid: bool = False,
                        require_temperature: bool = False) -> DistinctFormulations:
    """Validate candidate rows as :func:`predict_formulations` does (row numbers refer to ``frame``).

    A candidate must name a polymer and a lithium source, and with ``require_temperature`` a
    temperature. With ``temperatures`` the row's own temperature is not used, so it is not checked either.
    """
    text = _as_text(frame.reset_index(drop=True))
    if temperatures:
        _check_temperatures(temperatures)
        text = text.assign(temperature_c=float(temperatures[0]), temperature_text="")
    return validate_distinct(text, skip_invalid=skip_invalid, candidates=True, require_temperature=require_temperature)


def predict_formulations(
    frame: pd.DataFrame,
    bundles: dict[str, ModelBundle],
    temperatures: Sequence[float] | None = None,
    skip_invalid: bool = False,
    explain: bool = True,
    assess: bool = True,
    default_temperature_c: float | None = None,
) -> PredictionResult:
    """Validate ``frame`` and predict every target in ``bundles``.

    Raises FormulationValidationError on invalid rows unless ``skip_invalid``; then the invalid rows
    are left out of ``predictions`` and listed with their reasons in ``skipped``. With ``temperatures``
    every row is predicted at each of them (row-major); validation then refers to the input rows.
    ``explain=False`` / ``assess=False`` leave out the explanations / applicability-domain flags.
    A row without a temperature is invalid for a model that reads it, unless ``default_temperature_c`` is given.
    """
    raw = frame.reset_index(drop=True)
    if default_temperature_c is not None:
        _check_temperatures([default_temperature_c])
    valid = validate_candidates(raw, temperatures, skip_invalid, needs_temperature(bundles) and default_temperature_c is None)
    clean, rows = valid.clean, valid.codes
    kept = raw if len(valid.kept) == len(raw) else raw.iloc[valid.kept].reset_index(drop=True)
    if temperatures:
        clean, kept = expand_temperatures(clean, temperatures), expand_temperatures(kept, temperatures)
        rows = (rows[:, None] * len(temperatures) + np.arange(len(temperatures))).reshape(-1)
    clean, notes = fill_conditions(clean, ROOM_TEMPERATURE_C if default_temperature_c is None else default_temperature_c)
    clean["_note"] = ["; ".join(n) for n in notes]
    columns = list(dict.fromkeys(c for b in bundles.values() for c in b.featurizer.input_columns()))
    helpers = ("filler", "plasticizer", "salt", "polymer", "salt_canonical_smiles", *(_assumed(d.column) for d in _condition_defaults()), "_note")
    columns += [c for c in dict.fromkeys(helpers) if c not in columns]
    codes, first = per_distinct_rows(clean, columns)
    distinct = clean.iloc[first].reset_index(drop=True)
    parts = {name: predict_target(bundle, distinct, explain, assess=assess) for name, bundle in bundles.items()}
    combined = pd.concat(list(parts.values()), axis=1)
    if assess:
        flags, confidence = _combine_flags(list(distinct["_note"]), parts, {n for n, b in bundles.items() if skill_shown(b.cv_metrics)})
        combined = pd.concat([combined, pd.DataFrame({"ad_flags": flags, "confidence": confidence})], axis=1)
    # object dtype: broadcasting then copies a pointer per row, not the (long) flag texts themselves
    combined = combined.astype({c: object for c in combined.columns if not pd.api.types.is_numeric_dtype(combined[c])})
    return PredictionResult(kept, combined, codes[rows], valid.report)


def rank_predictions(predictions: pd.DataFrame, by: str = "pred_conductivity") -> pd.DataFrame:
    """Best first by ``by``; ties broken by the narrower interval (the better-known candidate)."""
    width = predictions.get(f"{by}_hi", 0) - predictions.get(f"{by}_lo", 0)
    return predictions.assign(_width=width).sort_values([by, "_width"], ascending=[False, True]).drop(columns="_width")


def _arrow_column(values: pd.Series):
    """One column as an Arrow array; object text is converted once per distinct Python object.

    Text that a spreadsheet would run as a formula gets a leading ``'`` (:func:`cpe_ml.io.neutralize_formulas`).

    Broadcast prediction columns repeat a few hundred flag texts a million times; grouping them by
    object identity (not by content, which would hash every long text) makes the conversion cheap.
    """
    import pyarrow as pa

    if values.dtype != object:
        return pa.Array.from_pandas(values if pd.api.types.is_numeric_dtype(values) else neutralize_formulas(values).astype("string"))
    objects = values.to_numpy()
    codes, ids = pd.factorize(np.fromiter(map(id, objects), dtype=np.int64, count=len(objects)))
    if len(ids) > len(objects) // 2 or not len(objects):
        return pa.array(neutralize_formulas(values).astype("string"), type=pa.string())
    running = np.maximum.accumulate(codes)  # factorize numbers objects in order of first appearance
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])
    distinct = neutralize_formulas(pd.Series(objects[first], dtype=object))
    return pa.array(distinct.astype("string"), type=pa.string()).take(pa.array(codes))


def _csv(frame: pd.DataFrame, header: bool):
    """``frame`` as CSV bytes (an Arrow buffer): text quoted, numbers plain, missing values empty."""
    import pyarrow as pa
    from pyarrow import csv

    table = pa.table([_arrow_column(frame[c]) for c in frame.columns], names=[str(c) for c in frame.columns])
    sink = pa.BufferOutputStream()
    csv.write_csv(table, sink, write_options=csv.WriteOptions(include_header=header, quoting_style="needed"))
    return sink.getvalue()


def _csv_lines(frame: pd.DataFrame) -> list[bytes] | None:
    """One CSV line per row, or None when a text holds a line break (then lines are not rows)."""
    text = _csv(frame, header=False).to_pybytes()
    return text.split(b"\n")[:-1] if text.count(b"\n") == len(frame) else None


def _chunk_bytes(result: PredictionResult, start: int, stop: int, fragments: list[bytes] | None) -> bytes:
    """Rows ``start:stop`` as CSV: the input part formatted per row, the prediction part looked up per formulation."""
    inputs = result.inputs.iloc[start:stop]
    lines = _csv_lines(inputs) if fragments is not None and len(inputs.columns) else None
    if lines is None:
        predicted = result.distinct.iloc[result.rows[start:stop]].reset_index(drop=True)
        return _csv(pd.concat([inputs.reset_index(drop=True), predicted], axis=1), header=start == 0).to_pybytes()
    pieces: list[bytes] = [b""] * (2 * len(lines))
    pieces[0::2] = lines
    pieces[1::2] = [fragments[r] for r in result.rows[start:stop].tolist()]
    if start == 0:
        pieces.insert(0, _csv(pd.concat([inputs.iloc[:0], result.distinct.iloc[:0]], axis=1), header=True).to_pybytes())
    return b"".join(pieces)


def write_predictions(predictions: PredictionResult | pd.DataFrame, path: str | os.PathLike, chunk_rows: int = 50_000) -> None:
    """Write predictions as CSV: text quoted, numbers plain, missing values empty.

    Arrow formats rows about ten times faster than ``DataFrame.to_csv``. For a :class:`PredictionResult`
    the prediction columns are formatted once per distinct formulation and pasted after each input row.
    Slices of ``chunk_rows`` are formatted ahead on all cores while earlier ones are written, in order.
    """
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    if isinstance(predictions, pd.DataFrame):
        predictions = PredictionResult(predictions, predictions.iloc[:, :0], np.arange(len(predictions)), ValidationReport(len(predictions)))
    result = predictions
    fragments = None
    if len(result.distinct.columns) and len(result.distinct) <= len(result.rows) // 2:
        lines = _csv_lines(result.distinct)
        fragments = None if lines is None else [b"," + line + b"\n" for line in lines]
    starts = iter(range(0, max(len(result.rows), 1), chunk_rows))
    workers = os.cpu_count() or 1
    with open(path, "wb") as out, ThreadPoolExecutor(workers) as pool:
        pending = deque(pool.submit(_chunk_bytes, result, s, s + chunk_rows, fragments) for s in itertools.islice(starts, workers + 1))
        while pending:
            out.write(pending.popleft().result())
            for s in itertools.islice(starts, 1):
                pending.append(pool.submit(_chunk_bytes, result, s, s + chunk_rows, fragments))
