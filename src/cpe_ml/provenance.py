"""Provenance rules of curated data: every measured value is traceable to words in its source.

A curated row must name its source (DOI or URL), where in the source (``source_locator``) and carry a
verbatim ``source_excerpt`` (<= 300 characters) in which every measured number of the row appears, in
whatever notation the page used: ``1.2 × 10–4 S cm–1``, ``1.2×10⁻⁴``, ``0.12 mS cm-1``, ``1.2e-4``.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from cpe_ml.validation import ValidationIssue

MAX_EXCERPT_CHARS = 300
PROVENANCE_COLUMNS = ("source", "source_locator", "source_excerpt")
#: Values whose number must be visible in the excerpt, and the unit scales a page may state them in.
CHECKED_VALUES: dict[str, tuple[float, ...]] = {
    "conductivity_s_cm": (1.0, 1e-3, 1e-6, 1e-2),  # S/cm, mS/cm, uS/cm, S/m
    "voltage_window_v": (1.0,),
    "retention_pct": (1.0, 100.0),  # "90.2%" or "0.902"
    "retention_cycles": (1.0,),
}
#: Columns that define "the same measurement" for duplicate detection.
IDENTITY_COLUMNS = (
    "source", "polymer", "polymer_smiles", "polymer2", "polymer2_wt_pct", "salt", "salt_eo_li_ratio", "salt_wt_pct",
    "filler", "filler_loading_wt_pct", "filler_loading_vol_pct", "plasticizer", "plasticizer_wt_pct", "process",
    "temperature_c", "temperature_text", "conductivity_s_cm", "voltage_window_v", "retention_pct", "retention_cycles",
)

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uFE63\uFF0D]")
_POWER = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*(?:[×xX*·]|\\times|&times;)\s*)?10\s*(?:\^|<sup>|\*\*)?\s*\{?\s*(-)?\s*(\d{1,2})"
)
_E_NOTATION = re.compile(r"(\d+(?:\.\d+)?)[eE]\s*([-+]?\d+)")
_PLAIN = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?:\.\d+)?)")
_SPACED_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:[ \u2009\u202f]\d{3})+(?![\d.])")


def normalize_excerpt(text: str) -> str:
    """Unify minus signs, superscripts and spacing so numbers can be read back."""
    text = _DASHES.sub("-", text.translate(_SUPERSCRIPTS))
    for markup, plain in (("{times}", "×"), ("{minus}", "-"), ("{sup ", ""), ("</sup>", ""), ("<sup>", "")):
        text = text.replace(markup, plain)
    return re.sub(r"\s+", " ", text)


def numbers_in(text: str) -> list[float]:
    """Every number an excerpt states, powers of ten resolved (``1.2 × 10-4`` -> 1.2e-4)."""
    text = normalize_excerpt(text)
    found = []
    for mantissa, minus, exponent in _POWER.findall(text):
        found.append(float(mantissa or 1) * 10 ** (-int(exponent) if minus else int(exponent)))
    found += [float(m) * 10 ** int(e) for m, e in _E_NOTATION.findall(text)]
    found += [float(n.replace(",", "")) for n in _PLAIN.findall(text)]
    found += [float(re.sub(r"\D", "", n)) for n in _SPACED_THOUSANDS.findall(text)]
    return found


def _garbled_power_match(value: float, text: str) -> bool:
    """Pages sometimes lose the '×' and the superscript minus ("5.7  10 4 S cm 1"): accept the mantissa
    followed closely by a 10 and the exponent digits."""
    exponent = math.floor(math.log10(abs(value)))
    for digits in (3, 2, 1):
        mantissa = f"{value / 10 ** exponent:.{digits}f}".rstrip("0").rstrip(".")
        pattern = rf"(?<![\d.]){re.escape(mantissa)}\D{{0,12}}10\D{{0,6}}{abs(exponent)}(?!\d)"
        if re.search(pattern, text):
            return True
    return False


def value_in_excerpt(value: float, excerpt: str, scales: tuple[float, ...] = (1.0,)) -> bool:
    """True when ``value`` (in the schema's unit) is stated in ``excerpt`` in one of the unit ``scales``."""
    stated = np.asarray(numbers_in(excerpt))
    for scale in scales:
        target = value / scale
        if stated.size and np.any(np.isclose(stated, target, rtol=5e-3, atol=0)):
            return True
    return value < 1e-2 and _garbled_power_match(value, normalize_excerpt(excerpt))


def check_provenance(frame: pd.DataFrame) -> list[ValidationIssue]:
    """All provenance problems of a curated table (row numbers are 1-based data rows)."""
    issues = []
    for position, row in enumerate(frame.to_dict("records"), start=1):
        for column in PROVENANCE_COLUMNS:
            if not str(row.get(column) or "").strip():
                issues.append(ValidationIssue(position, column, "", "required for curated data: say where the values come from"))
        excerpt = str(row.get("source_excerpt") or "")
        if len(excerpt) > MAX_EXCERPT_CHARS:
            issues.append(ValidationIssue(position, "source_excerpt", excerpt[:40] + "...", f"excerpt longer than {MAX_EXCERPT_CHARS} characters; keep the part with the numbers"))
        for column, scales in CHECKED_VALUES.items():
            value = pd.to_numeric(row.get(column), errors="coerce")
            if pd.notna(value) and excerpt and not value_in_excerpt(float(value), excerpt, scales):
                issues.append(ValidationIssue(position, column, f"{value:g}", "value not found in source_excerpt; copy the sentence that states it"))
    present = [c for c in IDENTITY_COLUMNS if c in frame]
    keys = frame[present].astype(str).apply(lambda s: s.str.strip().str.lower())
    for position in np.flatnonzero(keys.duplicated(keep="first").to_numpy()):
        issues.append(ValidationIssue(int(position) + 1, "record_id", str(frame["record_id"].iloc[position]), "duplicate of an earlier row (same source, formulation and values)"))
    return issues
