"""Merge curated literature slices into one table through the schema validator and the provenance rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cpe_ml.provenance import check_provenance
from cpe_ml.schema import COLUMNS
from cpe_ml.validation import ValidationIssue, read_formulations, validate_formulations

CURATED_COLUMNS: list[str] = [c.name for c in COLUMNS]
#: Slice column in which a reviewer takes a row out of the merged table, saying why.
REVIEW_COLUMN = "reject_reason"


def _scope_issues(clean: pd.DataFrame, kept_rows: list[int]) -> list[ValidationIssue]:
    """cpe-ml covers lithium electrolytes: a row whose stated salt carries no Li is out of scope."""
    salts = clean["salt_canonical_smiles"].fillna("")
    no_lithium = (salts.ne("") & ~salts.str.contains("Li", regex=False)).to_numpy()
    return [ValidationIssue(row, "salt", str(salt), "not a lithium salt: out of scope for cpe-ml")
            for row, salt, out in zip(kept_rows, clean["salt"], no_lithium) if out]


def curated_issues(frame: pd.DataFrame) -> list[ValidationIssue]:
    """Schema, scope and provenance problems of a curated table, all together, sorted by row."""
    clean, report = validate_formulations(frame, skip_invalid=True)
    kept_rows = [row for row in range(1, len(frame) + 1) if row not in set(report.skipped_rows)]
    issues = [*report.issues, *_scope_issues(clean, kept_rows), *check_provenance(frame)]
    return sorted(issues, key=lambda i: (i.row, i.column))


def merge_curated(paths: Sequence[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate slices; return (accepted rows, rejected rows with their reasons).

    Accepted rows keep the curators' text unchanged (names are resolved at load time, not rewritten).
    A slice row whose ``reject_reason`` a reviewer filled (a duplicate merged into another row, a
    formulation the source does not define) stays in its slice for the record and goes to the rejected
    rows with that reason.
    """
    frames = [read_formulations(p).assign(_slice=Path(p).stem) for p in paths]
    merged = pd.concat(frames, ignore_index=True).fillna("")
    reviewed_out = merged.pop(REVIEW_COLUMN) if REVIEW_COLUMN in merged else pd.Series("", index=merged.index)
    extra = [c for c in merged.columns if c not in CURATED_COLUMNS and c != "_slice"]
    merged = merged.reindex(columns=CURATED_COLUMNS + extra + ["_slice"], fill_value="")
    dropped = reviewed_out.str.strip().ne("")
    out = merged[dropped].assign(reject_reason="review: " + reviewed_out[dropped].str.strip())
    merged = merged[~dropped].reset_index(drop=True)
    issues = curated_issues(merged.drop(columns="_slice"))
    reasons: dict[int, list[str]] = {}
    for issue in issues:
        reasons.setdefault(issue.row - 1, []).append(f"{issue.column}: {issue.message}")
    rejected = merged.loc[sorted(reasons)].assign(reject_reason=[" | ".join(reasons[i]) for i in sorted(reasons)])
    accepted = merged.drop(index=list(reasons)).drop(columns="_slice").reset_index(drop=True)
    return accepted, pd.concat([out, rejected], ignore_index=True).drop(columns="_slice")
