"""Merge curated literature slices into one table through the schema validator and the provenance rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cpe_ml.provenance import check_provenance
from cpe_ml.schema import COLUMNS
from cpe_ml.validation import ValidationIssue, read_formulations, validate_formulations

CURATED_COLUMNS: list[str] = [c.name for c in COLUMNS]


def curated_issues(frame: pd.DataFrame) -> list[ValidationIssue]:
    """Schema and provenance problems of a curated table, all together, sorted by row."""
    _, report = validate_formulations(frame, skip_invalid=True)
    return sorted([*report.issues, *check_provenance(frame)], key=lambda i: (i.row, i.column))


def merge_curated(paths: Sequence[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate slices; return (accepted rows, rejected rows with their reasons).

    Accepted rows keep the curators' text unchanged (names are resolved at load time, not rewritten).
    """
    frames = [read_formulations(p).assign(_slice=Path(p).stem) for p in paths]
    merged = pd.concat(frames, ignore_index=True).fillna("")
    extra = [c for c in merged.columns if c not in CURATED_COLUMNS and c != "_slice"]
    merged = merged[CURATED_COLUMNS + extra + ["_slice"]]
    issues = curated_issues(merged.drop(columns="_slice"))
    reasons: dict[int, list[str]] = {}
    for issue in issues:
        reasons.setdefault(issue.row - 1, []).append(f"{issue.column}: {issue.message}")
    rejected = merged.loc[sorted(reasons)].assign(reject_reason=[" | ".join(reasons[i]) for i in sorted(reasons)])
    accepted = merged.drop(index=list(reasons)).drop(columns="_slice").reset_index(drop=True)
    return accepted, rejected.drop(columns="_slice").reset_index(drop=True)
