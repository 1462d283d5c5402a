"""Predict candidate formulations: values with 80 % intervals, applicability-domain flags, explanations.

Work is done once per distinct formulation (the columns the featurizer reads), then broadcast to the
rows, so a million candidates drawn from a few hundred formulations cost a few hundred predictions.
Every input column is returned unchanged and in input order; invalid rows are reported, never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cpe_ml.featurizers.base import per_distinct_rows
from cpe_ml.models.bundle import ModelBundle
from cpe_ml.validation import ValidationReport, validate_formulations

DEFAULT_TEMPERATURE_C = 25.0
DEFAULT_RETENTION_CYCLES = 100.0
CONFIDENCE_ORDER = ("high", "medium", "low")


@dataclass
class PredictionResult:
    predictions: pd.DataFrame
    report: ValidationReport
    skipped: pd.DataFrame


def expand_temperatures(frame: pd.DataFrame, temperatures: Sequence[float]) -> pd.DataFrame:
    """One row per input row and temperature (row-major: row 1 at every temperature, then row 2 ...)."""
    repeated = frame.loc[frame.index.repeat(len(temperatures))].reset_index(drop=True)
    repeated["temperature_c"] = np.tile(np.asarray(temperatures, dtype=float), len(frame))
    if "temperature_text" in repeated:
        repeated["temperature_text"] = ""
    return repeated


def _fill_conditions(clean: pd.DataFrame) -> tuple[pd.DataFrame, list[list[str]]]:
    """Conditions a candidate may omit get a stated default, and the row says so."""
    notes: list[list[str]] = [[] for _ in range(len(clean))]
    clean = clean.copy()
    no_temperature = clean["temperature_c"].isna() & (clean["assumed_temperature"] != 1)
    for row in np.flatnonzero(no_temperature.to_numpy()):
        notes[row].append(f"temperature not given: predicted at {DEFAULT_TEMPERATURE_C:g} C")
    clean.loc[no_temperature, "temperature_c"] = DEFAULT_TEMPERATURE_C
    no_cycles = clean["retention_cycles"].isna()
    clean["_retention_cycles_assumed"] = no_cycles
    clean.loc[no_cycles, "retention_cycles"] = DEFAULT_RETENTION_CYCLES
    return clean, notes


def _explain(bundle: ModelBundle, X: np.ndarray, top: int) -> list[str]:
    contributions = bundle.model.contributions(X)[:, :-1]
    names = [n.split("__", 1)[-1] for n in bundle.feature_names]
    order = np.argsort(-np.abs(contributions), axis=1)[:, :top]
    return ["; ".join(f"{names[j]} {contributions[i, j]:+.2f}" for j in row) for i, row in enumerate(order)]


def predict_target(bundle: ModelBundle, clean: pd.DataFrame, explain: bool = True, top: int = 3) -> pd.DataFrame:
    """Predictions, interval, domain flags and explanation for one target, one row per ``clean`` row."""
    X = bundle.featurizer.transform(clean).astype(np.float32)
    band = bundle.model.predict_interval(X)
    flags, confidence, _ = bundle.domain.assess(X, clean)
    name = bundle.target_name
    out = pd.DataFrame({f"pred_{name}": band[:, 1], f"pred_{name}_lo": band[:, 0], f"pred_{name}_hi": band[:, 2]})
    if bundle.target.log_scale:
        unit = bundle.target.column
        out[f"pred_{unit}"] = 10 ** band[:, 1]
        out[f"pred_{unit}_lo"] = 10 ** band[:, 0]
        out[f"pred_{unit}_hi"] = 10 ** band[:, 2]
    if name == "retention":
        assumed = clean["_retention_cycles_assumed"].to_numpy(dtype=bool)
        note = f"retention_cycles not given: predicted after {DEFAULT_RETENTION_CYCLES:g} cycles"
        flags = ["; ".join(filter(None, [f, note])) if a else f for f, a in zip(flags, assumed)]
    out[f"ad_flags_{name}"] = flags
    out[f"confidence_{name}"] = confidence
    if explain:
        out[f"explain_{name}"] = _explain(bundle, X, top)
    return out


def _combine_flags(notes: list[str], parts: dict[str, pd.DataFrame]) -> tuple[list[str], list[str]]:
    """One ``ad_flags`` text (target-prefixed) and the lowest confidence over targets, per row."""
    flags, confidence = [], []
    for i, note in enumerate(notes):
        items = [note] if note else []
        worst = 0
        for name, part in parts.items():
            items += [f"[{name}] {x}" for x in part[f"ad_flags_{name}"].iat[i].split("; ") if x]
            worst = max(worst, CONFIDENCE_ORDER.index(part[f"confidence_{name}"].iat[i]))
        flags.append("; ".join(items))
        confidence.append(CONFIDENCE_ORDER[worst])
    return flags, confidence


def predict_formulations(
    frame: pd.DataFrame,
    bundles: dict[str, ModelBundle],
    temperatures: Sequence[float] | None = None,
    skip_invalid: bool = False,
    explain: bool = True,
) -> PredictionResult:
    """Validate ``frame`` and predict every target in ``bundles``.

    Raises FormulationValidationError on invalid rows unless ``skip_invalid``; then the invalid rows
    are left out of ``predictions`` and listed with their reasons in ``skipped``.
    """
    raw = frame.reset_index(drop=True)
    if temperatures:
        raw = expand_temperatures(raw, temperatures)
    text = raw.astype(object).where(raw.notna(), "")
    clean, report = validate_formulations(text, skip_invalid=skip_invalid)
    kept = np.setdiff1d(np.arange(len(raw)), np.asarray(report.skipped_rows, dtype=int) - 1)
    clean, notes = _fill_conditions(clean)
    clean["_note"] = ["; ".join(n) for n in notes]
    columns = list(dict.fromkeys(c for b in bundles.values() for c in b.featurizer.input_columns()))
    columns += [c for c in ("filler", "plasticizer", "salt", "polymer", "salt_canonical_smiles", "_retention_cycles_assumed", "_note") if c not in columns]
    codes, first = per_distinct_rows(clean, columns)
    distinct = clean.iloc[first].reset_index(drop=True)
    parts = {name: predict_target(bundle, distinct, explain) for name, bundle in bundles.items()}
    flags, confidence = _combine_flags(list(distinct["_note"]), parts)
    combined = pd.concat([*parts.values(), pd.DataFrame({"ad_flags": flags, "confidence": confidence})], axis=1)
    predictions = pd.concat([raw.iloc[kept].reset_index(drop=True), combined.iloc[codes].reset_index(drop=True)], axis=1)
    return PredictionResult(predictions, report, report.to_frame())


def rank_predictions(predictions: pd.DataFrame, by: str = "pred_conductivity") -> pd.DataFrame:
    """Best first by ``by``; ties broken by the narrower interval (the better-known candidate)."""
    width = predictions.get(f"{by}_hi", 0) - predictions.get(f"{by}_lo", 0)
    return predictions.assign(_width=width).sort_values([by, "_width"], ascending=[False, True]).drop(columns="_width")


def write_predictions(predictions: pd.DataFrame, path) -> None:
    """Write the prediction table as CSV."""
    predictions.to_csv(path, index=False)
