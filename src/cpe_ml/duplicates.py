"""Find rows of a curated table that record the same measurement twice.

String comparison misses most repeats: ``9.23e-05`` and ``9.23e-5`` are one number, and
``https://doi.org/10.3390/X``, ``pubs.acs.org/doi/10.1021/Y``, an RSC mirror of ``c7ra01542a`` and the bare
DOI are one paper. A repeated measurement weighs its paper twice and, when the two rows carry different
``source`` strings, leaks across the paper-grouped CV folds. Two rows are the same measurement when

- they state the same target with the same value (floats within :data:`VALUE_RTOL`),
- under the same condition (conductivity and window: temperature; retention: cycle count),
- from the same paper: the same normalized source (:func:`source_key`), or excerpts that share a verbatim
  passage of :data:`SHARED_PASSAGE_CHARS` letters (a mirror page copies the abstract), and
- no formulation field that both rows fill differs (names compared through the catalog).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from cpe_ml.catalog.catalog import NO_FILLER_WORDS, normalize_name
from cpe_ml.schema import TARGET_CONDITIONS

#: Relative tolerance under which two stated values are the same number (3 significant digits).
VALUE_RTOL = 1e-3
#: Letters of a verbatim passage two excerpts must share to count as copies of one page.
SHARED_PASSAGE_CHARS = 40
#: Formulation fields compared when both rows fill them: (column, catalog kind or None for numbers).
FORMULATION_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("polymer", "polymer"), ("polymer2", "polymer"), ("salt", "salt"), ("filler", "filler"),
    ("plasticizer", "plasticizer"), ("polymer_smiles", ""), ("polymer2_wt_pct", None), ("salt_eo_li_ratio", None),
    ("salt_wt_pct", None), ("salt_molality_mol_kg", None), ("filler_loading_wt_pct", None),
    ("filler_loading_vol_pct", None), ("plasticizer_wt_pct", None),
)

_DOI = re.compile(r"10\.\d{4,9}/[^\s\"'<>?#&]+", re.IGNORECASE)
_DOI_TAIL = re.compile(r"(?:[.,;)\]]|/full|/abstract|/epdf|/pdf|/meta|/html|\.pdf|\.html?)+$", re.IGNORECASE)
# RSC article ids (``c7ra01542a``) are the suffix of their DOI 10.1039/...; publisher pages and mirrors share the path.
_RSC_ARTICLE = re.compile(r"/content/article(?:landing|html|pdf)/\d{4}/\w+/([a-z]\d[a-z]{2}\d{5}[a-z]?)", re.IGNORECASE)
_PMC = re.compile(r"\bPMC\d{5,}", re.IGNORECASE)
_NON_LETTERS = re.compile(r"[^a-z]+")
_URL_NOISE = re.compile(r"^(?:https?://)?(?:www\.)?|/+$", re.IGNORECASE)


@dataclass(frozen=True)
class DuplicatePair:
    """Rows ``first`` < ``second`` (1-based data rows) state ``target`` = the same measurement."""

    first: int
    second: int
    target: str
    evidence: str


def source_key(*texts: str) -> str:
    """One key per paper: its DOI when any text yields one (DOI, doi.org or publisher URL, RSC id, PMC id)."""
    texts = tuple(str(t or "").strip() for t in texts)
    for text in texts:
        match = _DOI.search(text)
        if match:
            return _DOI_TAIL.sub("", match.group(0)).lower()
    for text in texts:
        match = _RSC_ARTICLE.search(text)
        if match:
            return f"10.1039/{match.group(1).lower()}"
        match = _PMC.search(text)
        if match:
            return match.group(0).upper()
    return next((_URL_NOISE.sub("", t).lower() for t in texts if t), "")


def _number(value) -> float:
    number = pd.to_numeric(str(value or "").strip(), errors="coerce")
    return float(number) if pd.notna(number) else np.nan


@lru_cache(maxsize=1)
def _catalog():
    from cpe_ml.catalog import load_catalog

    return load_catalog()


def _name(kind: str, text: str) -> str:
    """Catalog name of ``text`` (alias-insensitive), else its normalized spelling; '' when absent."""
    parts = [p for p in str(text or "").split("+") if normalize_name(p)] if kind == "plasticizer" else [text]
    keys = []
    for part in parts:
        if kind == "filler" and normalize_name(part) in NO_FILLER_WORDS:
            return ""
        keys.append(_catalog().resolve(kind, part) or normalize_name(part) if kind else normalize_name(part))
    return "+".join(sorted(k for k in keys if k))


def _differs(a, b, kind: str | None) -> bool:
    if kind is None:
        x, y = _number(a), _number(b)
        return not (np.isnan(x) or np.isnan(y) or np.isclose(x, y, rtol=VALUE_RTOL))
    x, y = _name(kind, a), _name(kind, b)
    return bool(x and y and x != y)


def _same_condition(a: dict, b: dict, target: str) -> bool:
    for column in TARGET_CONDITIONS[target]:
        if column.endswith("_text"):
            if str(a.get(column) or "").strip().lower() != str(b.get(column) or "").strip().lower():
                return False
        else:
            x, y = _number(a.get(column)), _number(b.get(column))
            if np.isnan(x) != np.isnan(y) or not (np.isnan(x) or np.isclose(x, y, rtol=VALUE_RTOL)):
                return False
    return True


def _shared_passage(a: str, b: str) -> int:
    """Letters of the longest passage two excerpts share, ignoring digits, symbols and spacing (which copies
    re-typeset: ``3 X 10(-4) Ohm`` vs ``3×10 −4 Ω``)."""
    a, b = _NON_LETTERS.sub("", a.lower()), _NON_LETTERS.sub("", b.lower())
    return difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def find_duplicate_measurements(frame: pd.DataFrame) -> list[DuplicatePair]:
    """Every pair of rows that states one measurement twice (see the module docstring for the rule)."""
    rows = frame.to_dict("records")
    keys = [source_key(r.get("source"), r.get("source_url")) for r in rows]
    pairs = []
    for target in TARGET_CONDITIONS:
        if target not in frame:
            continue
        values = np.array([_number(r.get(target)) for r in rows])
        order = [i for i in np.argsort(values, kind="stable") if not np.isnan(values[i])]
        for n, i in enumerate(order):
            for j in order[n + 1:]:
                if not np.isclose(values[i], values[j], rtol=VALUE_RTOL):
                    break
                first, second = sorted((i, j))
                a, b = rows[first], rows[second]
                if not _same_condition(a, b, target):
                    continue
                if any(_differs(a.get(c), b.get(c), kind) for c, kind in FORMULATION_FIELDS if c in frame):
                    continue
                if keys[first] and keys[first] == keys[second]:
                    evidence = f"same source {keys[first]}"
                else:
                    shared = _shared_passage(str(a.get("source_excerpt") or ""), str(b.get("source_excerpt") or ""))
                    if shared < SHARED_PASSAGE_CHARS:
                        continue
                    evidence = f"excerpts share a {shared}-letter passage"
                pairs.append(DuplicatePair(int(first) + 1, int(second) + 1, target, evidence))
    return sorted(pairs, key=lambda p: (p.first, p.second, p.target))
