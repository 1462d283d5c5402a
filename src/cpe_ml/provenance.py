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

from cpe_ml.duplicates import find_duplicate_measurements
from cpe_ml.schema import CHECKED_VALUES, QUALIFIED_TARGET_COLUMNS, is_exact
from cpe_ml.validation import ValidationIssue

MAX_EXCERPT_CHARS = 300
PROVENANCE_COLUMNS = ("source", "source_locator", "source_excerpt")
#: Words that make the number right after them a bound or an approximation (">4.6 V", "over 10-3",
#: "of the order of 10-4", "~4.4 × 10-3"; "similar to 5.5 V" is how Web of Science abstracts print "~5.5 V").
#: "up to" is deliberately absent: "stable up to 4.8 V" is how papers
#: state a window, and "conductivity up to X" states the best sample's measured value. A bare power of ten
#: ("10−4 S cm−1", no mantissa) is an order of magnitude, flagged as such.
_BOUND_BEFORE = re.compile(
    r"(?:[>≥⩾<≤⩽~≈∼]|\b(?:over(?: than)?|exceed(?:s|ing|ed)?|higher than|greater than|more than|larger than|above|"
    r"beyond|below|under|less than|lower than|about|approximately|approx\.|around|nearly|almost|roughly|ca\.|"
    r"order of|in the range of|approach(?:es|ing|ed)?|close to|similar to))\s*(?:of\s*)?(?:the\s*)?$",
    re.IGNORECASE,
)
_BOUND_AFTER = re.compile(r"^[^,;.\d]{0,12}?\b(?:or|and) (?:higher|above|more|greater|beyond)\b", re.IGNORECASE)
_BOUND_CONTEXT_CHARS = 40
_LOWER_BOUND_WORDS = re.compile(r"^(?:[>≥⩾]|over|exceed|higher|greater|more|larger|above|beyond)|(?:or|and) (?:higher|above|more|greater|beyond)", re.IGNORECASE)
_UPPER_BOUND_WORDS = re.compile(r"^(?:[<≤⩽]|below|under|less|lower)", re.IGNORECASE)
DUPLICATE_MESSAGE = "same measurement twice"
BOUND_MESSAGE = "bound or approximation marked exact"

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uFE63\uFF0D]")
_POWER = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*(?:[×xX*·∙⋅]|\\times|&times;)\s*)?10\s*(?:\^|<sup>|\*\*)?\s*[{(]?\s*(-)?\s*(\d{1,2})"
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
    found = [value for _, _, value, _ in _stated_spans(text)]
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


def _stated_spans(text: str) -> list[tuple[int, int, float, bool]]:
    """(start, end, value, bare power of ten) of every number in a normalized excerpt, powers of ten resolved."""
    spans = []
    for match in _POWER.finditer(text):
        mantissa, minus, exponent = match.groups()
        spans.append((match.start(), match.end(), float(mantissa or 1) * 10 ** (-int(exponent) if minus else int(exponent)),
                      not mantissa and bool(minus)))
    spans += [(m.start(), m.end(), float(m.group(1)) * 10 ** int(m.group(2)), False) for m in _E_NOTATION.finditer(text)]
    spans += [(m.start(), m.end(), float(m.group(0).replace(",", "")), False) for m in _PLAIN.finditer(text)]
    return spans


def bound_words_at_value(value: float, excerpt: str, scales: tuple[float, ...] = (1.0,)) -> list[str]:
    """The bound or approximation words standing right before (or 'or higher' after) ``value`` in ``excerpt``,
    and bare powers of ten stating it."""
    text = normalize_excerpt(excerpt)
    found = []
    for start, end, stated, bare_power in _stated_spans(text):
        if not any(np.isclose(stated, value / scale, rtol=5e-3, atol=0) for scale in scales):
            continue
        before = _BOUND_BEFORE.search(text[max(0, start - _BOUND_CONTEXT_CHARS):start])
        after = _BOUND_AFTER.search(text[end:end + _BOUND_CONTEXT_CHARS])
        found += [m.group(0).strip() for m in (before, after) if m]
        if bare_power:
            found.append(f"{text[start:end].strip()} (a bare power of ten: an order of magnitude)")
    return found


def suggested_qualifier(word: str) -> str:
    """The value qualifier a bound word implies: '>4.6 V' a lower bound, '<' an upper one, '~' an approximation."""
    if _LOWER_BOUND_WORDS.search(word):
        return "lower_bound"
    return "upper_bound" if _UPPER_BOUND_WORDS.search(word) else "approximate"


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
            qualifier = QUALIFIED_TARGET_COLUMNS.get(column)
            if qualifier and pd.notna(value) and is_exact(row.get(qualifier)):
                words = bound_words_at_value(float(value), excerpt, scales)
                if words:
                    issues.append(ValidationIssue(position, qualifier, str(row.get(qualifier) or ""), f"{BOUND_MESSAGE}: the excerpt states {column} = {value:g} with {words[0]!r}; write {suggested_qualifier(words[0])}"))
    ids = frame["record_id"].astype(str).to_numpy() if "record_id" in frame else np.arange(1, len(frame) + 1).astype(str)
    for pair in find_duplicate_measurements(frame):
        issues.append(ValidationIssue(pair.second, "record_id", ids[pair.second - 1], f"{DUPLICATE_MESSAGE}: {pair.target} as row {pair.first} ({ids[pair.first - 1]}; {pair.evidence}); merge the two rows into one with the best source"))
    return issues


def count_provenance_issues(issues: list[ValidationIssue]) -> dict[str, int]:
    """How many duplicate measurements and bound-marked-exact values a list of issues holds."""
    return {kind: sum(i.message.startswith(kind) for i in issues) for kind in (DUPLICATE_MESSAGE, BOUND_MESSAGE)}
