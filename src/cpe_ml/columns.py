"""Column-name checks: the header is the first contract a table breaks, and breaking it must not be silent.

A misspelled column (``temprature_c``) would otherwise be kept as an extra column while the real one is
missing, and the row predicted at a default; a ``conductivity_mS_cm`` column would be ignored. So:

- a column the schema knows under another unit (``conductivity_ms_cm``, ``temperature_k``,
  ``filler_size_um`` ...) is converted to the schema unit with `pint` (values are numbers in that unit);
- a column the schema knows under another name without a convertible unit (``loading_vol_pct``,
  ``conductivity``, ``log_conductivity``) is refused with the expected name;
- a case/whitespace variant (``Temperature_C``) and a near miss (``temprature_c``) are errors with a
  "did you mean"; any other unknown column is kept as an extra column and reported as a warning.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import numpy as np
import pandas as pd

from cpe_ml.schema import COLUMN_BY_NAME, DERIVED_COLUMNS

#: Written column -> (schema column, unit the values are in, schema unit) for pint.
UNIT_VARIANTS: dict[str, tuple[str, str, str]] = {
    "conductivity_ms_cm": ("conductivity_s_cm", "mS/cm", "S/cm"),
    "conductivity_us_cm": ("conductivity_s_cm", "uS/cm", "S/cm"),
    "conductivity_s_m": ("conductivity_s_cm", "S/m", "S/cm"),
    "conductivity_ms_m": ("conductivity_s_cm", "mS/m", "S/cm"),
    "temperature_k": ("temperature_c", "kelvin", "degC"),
    "temperature_f": ("temperature_c", "degF", "degC"),
    "cycling_temperature_k": ("cycling_temperature_c", "kelvin", "degC"),
    "filler_size_um": ("filler_size_nm", "um", "nm"),
    "filler_size_mm": ("filler_size_nm", "mm", "nm"),
    "filler_size_a": ("filler_size_nm", "angstrom", "nm"),
    "polymer_mw_kg_mol": ("polymer_mw_g_mol", "kg/mol", "g/mol"),
    "salt_molality_mmol_g": ("salt_molality_mol_kg", "mmol/g", "mol/kg"),
}

#: Written column -> what to write instead (no unit to convert: the meaning or basis differs).
REFUSED_VARIANTS: dict[str, str] = {
    "conductivity": "conductivity_s_cm (S/cm)",
    "log_conductivity": "conductivity_s_cm in S/cm (10**value), not log10",
    "log10_conductivity": "conductivity_s_cm in S/cm (10**value), not log10",
    "log_conductivity_s_cm": "conductivity_s_cm in S/cm (10**value), not log10",
    "temperature": "temperature_c (C) or temperature_text ('room temperature')",
    "loading_vol_pct": "filler_loading_vol_pct",
    "loading_wt_pct": "filler_loading_wt_pct",
    "filler_wt_pct": "filler_loading_wt_pct",
    "filler_vol_pct": "filler_loading_vol_pct",
    "filler_loading": "filler_loading_wt_pct or filler_loading_vol_pct",
    "filler_loading_frac": "filler_loading_wt_pct (percent, 0-100)",
    "salt_wt_frac": "salt_wt_pct (percent, 0-100)",
    "eo_li": "salt_eo_li_ratio (n of EO:Li = n:1)",
    "eo_li_ratio": "salt_eo_li_ratio (n of EO:Li = n:1)",
    "salt_concentration": "salt_eo_li_ratio, salt_wt_pct or salt_molality_mol_kg",
    "molality": "salt_molality_mol_kg",
    "voltage_window": "voltage_window_v (V vs Li/Li+)",
    "retention": "retention_pct with retention_cycles",
    "mw": "polymer_mw_g_mol",
    "tg_c": "nothing: Tg is looked up or estimated from the polymer",
}


#: difflib similarity above which an unknown column is taken for a misspelling ('slat' -> 'salt' is 0.75).
NEAR_MISS_CUTOFF = 0.75


class ColumnError(ValueError):
    """Column names that cannot be used as written; the message is one line listing every one."""


@lru_cache(maxsize=1)
def _units():
    import pint

    return pint.UnitRegistry()


def convert_unit(values: pd.Series, unit: str, target: str) -> pd.Series:
    """Numbers in ``unit`` as numbers in ``target``; text that is not a number stays as is (validation reports it)."""
    numbers = pd.to_numeric(values, errors="coerce")
    converted = _units().Quantity(numbers.to_numpy(dtype=float), unit).to(target).magnitude
    return pd.Series(np.where(numbers.notna(), converted, values.astype(object)), index=values.index, dtype=object)


def check_columns(frame: pd.DataFrame, source: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with unit variants converted, and warnings for extra columns; raises :class:`ColumnError`.

    Columns starting with ``_`` are internal (e.g. a curation slice tag) and pass unchecked. ``source``
    names the table in messages (default: the file :func:`cpe_ml.io.read_formulations` read it from).
    """
    source = source or frame.attrs.get("source", "input")
    known = set(COLUMN_BY_NAME) | {c.name for c in DERIVED_COLUMNS}
    lower = {name.lower(): name for name in known}
    errors: list[str] = []
    warnings: list[str] = []
    converted: dict[str, pd.Series] = {}
    for column in map(str, frame.columns):
        if column in known or column.startswith("_"):
            continue
        key = column.strip().lower().replace(" ", "_").replace("-", "_").replace("µ", "u").replace("μ", "u")
        if key in UNIT_VARIANTS:
            target, unit, schema_unit = UNIT_VARIANTS[key]
            if target in frame.columns or target in converted:
                errors.append(f"'{column}' and '{target}' both given; keep one")
            else:
                converted[target] = convert_unit(frame[column], unit, schema_unit)
                warnings.append(f"column '{column}' converted from {unit} to {target} ({schema_unit})")
        elif key in lower and column.strip().lower() == key:
            errors.append(f"'{column}' must be written '{lower[key]}' (exact lower case, no spaces)")
        elif key in lower:
            errors.append(f"'{column}' must be written '{lower[key]}'")
        elif key in REFUSED_VARIANTS:
            errors.append(f"'{column}' is not a schema column: write {REFUSED_VARIANTS[key]}")
        else:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=NEAR_MISS_CUTOFF)
            if close and close[0] not in frame.columns:
                errors.append(f"'{column}' is not a schema column: did you mean '{close[0]}'?")
            else:
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                warnings.append(f"column '{column}' is not a schema column{hint}; kept as an extra column, not used")
    if errors:
        raise ColumnError(f"{source}: column error(s): " + "; ".join(errors) + ". Schema columns: src/cpe_ml/schema.py (README)")
    if converted:
        frame = frame.drop(columns=[c for c in frame.columns if str(c).strip().lower().replace(" ", "_").replace("-", "_") in UNIT_VARIANTS])
        frame = frame.assign(**converted)
    return frame, warnings
