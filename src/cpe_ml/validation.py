"""Validate formulation tables against the schema and resolve them to catalog chemistry.

Every problem is collected (never the first one only) with its row, column, offending value and what to
do. Validation is vectorized over distinct values, so a million candidate rows with a few hundred
distinct chemistries validate in seconds. Nothing is dropped silently: with ``skip_invalid=True`` the
invalid rows are removed and listed in ``report.skipped_rows``; otherwise the caller gets a
:class:`FormulationValidationError` carrying the whole report.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.catalog.catalog import NO_FILLER_WORDS, canonical_smiles, normalize_name
from cpe_ml.chemistry.cathode import cathode_class
from cpe_ml.chemistry.effective_medium import DEFAULT_LOADING_WT_PCT, filler_absent
from cpe_ml.chemistry.repeat_unit import RepeatUnitError, canonical_repeat_unit
from cpe_ml.chemistry.salt_amount import complete_salt_amount, repeat_unit_molar_mass, salt_molar_mass
from cpe_ml.columns import check_columns
from cpe_ml.consistency import check_candidate_rows, check_contradictions, check_limits, conflicting_duplicates
from cpe_ml.io import read_formulations  # noqa: F401  (re-exported: reading lives in cpe_ml.io)
from cpe_ml.schema import (
    COLUMN_BY_NAME,
    COLUMNS,
    ELECTROLYTE_TYPES,
    FILLER_MORPHOLOGIES,
    GEL_PLASTICIZER_WT_PCT,
    NUMERIC_COLUMNS,
    PROCESS_STEPS,
    QUALIFIED_TARGET_COLUMNS,
    ROOM_TEMPERATURE_WORDS,
    SOURCE_QUALITIES,
    TEXT_COLUMNS,
    VALUE_QUALIFIERS,
)
from cpe_ml.tables import per_distinct_rows


@dataclass(frozen=True)
class ValidationIssue:
    """One problem: ``row`` is the 1-based data row (CSV file line = row + 1)."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row} (file line {self.row + 1}), column '{self.column}' = {self.value!r}: {self.message}"


@dataclass
class ValidationReport:
    """All problems found in one table, plus warnings that do not invalidate rows."""

    n_rows: int
    issues: list[ValidationIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def invalid_rows(self) -> list[int]:
        return sorted({i.row for i in self.issues})

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(i.row, i.row + 1, i.column, i.value, i.message) for i in self.issues],
            columns=["row", "file_line", "column", "value", "message"],
        )

    def format(self, max_issues: int = 50) -> str:
        lines = [f"{len(self.issues)} problem(s) in {len(self.invalid_rows)} of {self.n_rows} row(s):"]
        lines += [f"  - {issue}" for issue in self.issues[:max_issues]]
        if len(self.issues) > max_issues:
            lines.append(f"  ... and {len(self.issues) - max_issues} more (see the full report with --report FILE)")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


class FormulationValidationError(ValueError):
    """Raised when a table has invalid rows and the caller did not ask to skip them."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.format())


class _Collector:
    """Turns vectorized masks into issues, one per offending row."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.issues: list[ValidationIssue] = []

    def add(self, mask: np.ndarray | pd.Series, column: str, message) -> None:
        """``message`` is a string or a function of the offending value."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if column in self.frame:
            values = self.frame[column].to_numpy()[positions]
        else:
            values = [""] * len(positions)
        for pos, value in zip(positions, values):
            text = message(value) if callable(message) else message
            self.issues.append(ValidationIssue(int(pos) + 1, column, "" if _missing(value) else str(value), text))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and not value.strip())


def _text(series: pd.Series) -> pd.Series:
    """Text column with blanks and NaN as empty strings (one representation of 'absent')."""
    return series.astype("string").fillna("").str.strip().astype(object)


def _suggest(options, value: str) -> str:
    close = difflib.get_close_matches(str(value).lower(), list(options), n=3, cutoff=0.5)
    return f" Did you mean {', '.join(close)}?" if close else ""


def _coerce_numeric(frame: pd.DataFrame, out: _Collector) -> None:
    for name in NUMERIC_COLUMNS:
        if name not in frame:
            frame[name] = np.nan
            continue
        raw = frame[name]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = numbers.isna() & ~_text(raw.astype(object)).eq("")
        out.add(bad, name, f"not a number; write a plain number in {COLUMN_BY_NAME[name].description.split(',')[-1].strip()}")
        frame[name] = numbers.astype(float)


def _check_ranges(frame: pd.DataFrame, out: _Collector) -> None:
    for column in COLUMNS:
        if column.dtype != "float" or column.low is None:
            continue
        values = frame[column.name]
        bad = (values < column.low) | (values > column.high)
        out.add(bad, column.name, f"outside the possible range {column.low:g}..{column.high:g}; check the unit ({column.description})")
    out.add(frame["conductivity_s_cm"] <= 0, "conductivity_s_cm", "conductivity must be > 0 S/cm (write S/cm, not log10)")


def _resolve_names(frame: pd.DataFrame, kind: str, column: str, catalog: Catalog, out: _Collector, smiles_column: str | None) -> None:
    """Replace names/aliases by catalog names; unknown names are errors unless a SMILES stands beside them."""
    names = _text(frame[column])
    has_smiles = _text(frame[smiles_column]).ne("") if smiles_column else pd.Series(False, index=frame.index)
    resolved = {}
    for value in names.unique():
        if value == "":
            resolved[value] = ""
        elif kind == "filler" and normalize_name(value) in NO_FILLER_WORDS:
            resolved[value] = "none"
        else:
            resolved[value] = catalog.resolve(kind, value)
    mapped = names.map(resolved)
    unknown = mapped.isna() & ~has_smiles
    hint = f" or give its SMILES in '{smiles_column}'" if smiles_column else " or add it to a catalog extension file (see README)"
    out.add(
        unknown, column,
        lambda v: f"unknown {kind}; closest catalog names: {', '.join(catalog.suggest(kind, v)) or 'none'}. "
        f"Use a catalog name{hint}.",
    )
    frame[column] = mapped.where(mapped.notna(), names)


def _resolve_plasticizers(frame: pd.DataFrame, catalog: Catalog, out: _Collector) -> None:
    names = _text(frame["plasticizer"])
    resolved: dict[str, str | None] = {}
    for value in names.unique():
        parts = [p.strip() for p in value.split("+") if p.strip()] if value else []
        hits = [catalog.resolve("plasticizer", p) for p in parts]
        resolved[value] = None if None in hits else "+".join(hits)
    mapped = names.map(resolved)
    out.add(
        mapped.isna(), "plasticizer",
        lambda v: "unknown plasticizer in "
        + ", ".join(f"{p!r} (closest: {', '.join(catalog.suggest('plasticizer', p)) or 'none'})"
                    for p in str(v).split("+") if catalog.resolve("plasticizer", p.strip()) is None)
        + "; join several with '+', e.g. EC+DMC",
    )
    frame["plasticizer"] = mapped.where(mapped.notna(), names)


def _check_vocabulary(frame: pd.DataFrame, out: _Collector) -> None:
    process = _text(frame["process"]).str.lower().str.replace(" ", "_", regex=False)
    verdict = {}
    for value in process.unique():
        wrong = [s for s in value.split("+") if s and s not in PROCESS_STEPS]
        verdict[value] = "; ".join(f"unknown step {s!r}.{_suggest(PROCESS_STEPS, s)}" for s in wrong)
    messages = process.map(verdict)
    out.add(messages.ne(""), "process", lambda v: verdict[str(v).strip().lower().replace(" ", "_")] + f" Steps: {', '.join(PROCESS_STEPS)}; join with '+'.")
    frame["process"] = process

    morphology = _text(frame["filler_morphology"]).str.lower()
    out.add(~morphology.isin(("", *FILLER_MORPHOLOGIES)), "filler_morphology",
            lambda v: f"unknown morphology.{_suggest(FILLER_MORPHOLOGIES, v)} Use one of {', '.join(FILLER_MORPHOLOGIES)}.")
    frame["filler_morphology"] = morphology

    kind = _text(frame["electrolyte_type"]).str.lower()
    out.add(~kind.isin(("", *ELECTROLYTE_TYPES)), "electrolyte_type", "use spe, cpe, gpe or liquid (or leave empty to derive spe/cpe/gpe)")
    frame["electrolyte_type"] = kind

    for column, allowed in [*((q, VALUE_QUALIFIERS) for q in QUALIFIED_TARGET_COLUMNS.values()), ("source_quality", SOURCE_QUALITIES)]:
        words = _text(frame[column]).str.lower()
        out.add(~words.isin(("", *allowed)), column,
                lambda v, allowed=allowed: f"unknown value.{_suggest(allowed, v)} Use one of {', '.join(allowed)} (blank means {allowed[0]}).")
        frame[column] = words


def _check_smiles(frame: pd.DataFrame, out: _Collector, catalog: Catalog) -> None:
    """Canonical structures: from the SMILES column when given, else from the catalog entry."""
    for name_col, smiles_col, kind in (("polymer", "polymer_smiles", "polymer"), ("polymer2", "polymer2_smiles", "polymer"), ("salt", "salt_smiles", "salt")):
        by_name = catalog.canonical_smiles_by_name(kind)
        canonical = _text(frame[name_col]).map(lambda n: by_name.get(n) or "")
        if smiles_col:
            smiles = _text(frame[smiles_col])
            parsed: dict[str, str | None] = {}
            errors: dict[str, str] = {}
            for value in smiles.unique():
                if not value:
                    continue
                try:
                    parsed[value] = canonical_repeat_unit(value) if kind == "polymer" else canonical_smiles(value)
                    if parsed[value] is None:
                        errors[value] = "RDKit cannot parse this SMILES; check brackets, charges and ring closures"
                except RepeatUnitError as err:
                    errors[value] = str(err)
            out.add(smiles.isin(list(errors)), smiles_col, lambda v: errors[str(v).strip()])
            from_smiles = smiles.map(lambda v: parsed.get(v) or "")
            canonical = from_smiles.where(from_smiles.ne(""), canonical)
            # A SMILES that is a catalog entry in another notation is that entry: one polymer, one identity.
            names = _text(frame[name_col])
            matched = from_smiles.map(lambda c: catalog.match_smiles(kind, c) if c else None)
            frame[name_col] = names.where(names.ne("") | matched.isna(), matched)
        frame[f"{name_col}_canonical_smiles"] = canonical


def _check_plasticizer_smiles(frame: pd.DataFrame, out: _Collector) -> None:
    """Plasticizers outside the catalog, as SMILES ('.' between molecules): parsed and canonicalized."""
    smiles = _text(frame["plasticizer_smiles"])
    parsed = {value: canonical_smiles(value) for value in smiles.unique() if value}
    out.add(smiles.map(lambda v: bool(v) and parsed[v] is None), "plasticizer_smiles",
            "RDKit cannot parse this SMILES; check brackets, charges and ring closures (join molecules with '.')")
    frame["plasticizer_smiles"] = smiles.map(lambda v: parsed.get(v) or v)


def _check_conditions(frame: pd.DataFrame, out: _Collector) -> None:
    words = _text(frame["temperature_text"]).str.lower()
    known_words = words.isin(ROOM_TEMPERATURE_WORDS)
    out.add(words.ne("") & ~known_words & frame["temperature_c"].isna(), "temperature_text",
            f"temperature words not understood; write temperature_c in C or one of: {', '.join(ROOM_TEMPERATURE_WORDS)}")
    no_temperature = frame["temperature_c"].isna() & ~known_words
    out.add(frame["conductivity_s_cm"].notna() & no_temperature, "temperature_c",
            "conductivity needs its measurement temperature: fill temperature_c (C) or temperature_text ('room temperature')")
    out.add(frame["retention_pct"].notna() & frame["retention_cycles"].isna(), "retention_cycles",
            "capacity retention needs the cycle count it was measured after")


def _derive_electrolyte_type(frame: pd.DataFrame) -> None:
    has_filler = ~filler_absent(frame["filler"], frame["filler_loading_wt_pct"], frame["filler_loading_vol_pct"])  # zero is none
    named = _text(frame["plasticizer"]).ne("") | _text(frame["plasticizer_smiles"]).ne("")
    plasticized = named & ~(frame["plasticizer_wt_pct"] < GEL_PLASTICIZER_WT_PCT)
    derived = np.where(has_filler, "cpe", np.where(plasticized, "gpe", "spe"))
    frame["electrolyte_type"] = frame["electrolyte_type"].where(frame["electrolyte_type"].ne(""), derived)


def _filler_loading_warnings(clean: pd.DataFrame, codes: np.ndarray, kept: np.ndarray) -> list[str]:
    """A named filler without any loading is featurized at the class-default loading: say so."""
    named = ~filler_absent(clean["filler"], clean["filler_loading_wt_pct"], clean["filler_loading_vol_pct"])
    missing = named & clean["filler_loading_wt_pct"].isna() & clean["filler_loading_vol_pct"].isna()
    rows = kept[missing.to_numpy()[codes]] + 1
    if not len(rows):
        return []
    shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
    return [f"{len(rows)} row(s) name a filler without filler_loading_wt_pct or filler_loading_vol_pct (rows {shown}); "
            f"the composite features use the class-default loading {DEFAULT_LOADING_WT_PCT:g} wt% and flag it"]


def _complete_salt_amounts(frame: pd.DataFrame) -> None:
    keys = ["polymer_canonical_smiles", "salt_canonical_smiles", "salt_eo_li_ratio", "salt_wt_pct", "salt_molality_mol_kg"]
    distinct = frame[keys].drop_duplicates()
    completed = []
    for ru, salt, eo, wt, mol in distinct.itertuples(index=False):
        ru_mass = repeat_unit_molar_mass(ru) if ru else None
        salt_mass = salt_molar_mass(salt) if salt else None
        eo, wt, mol, given = complete_salt_amount(*(None if pd.isna(v) else float(v) for v in (eo, wt, mol)), ru_mass, salt_mass)
        completed.append((eo, wt, mol, given or ""))
    filled = pd.DataFrame(completed, columns=["_eo", "_wt", "_mol", "salt_amount_given"], index=distinct.index)
    merged = frame[keys].merge(pd.concat([distinct, filled], axis=1), on=keys, how="left")
    frame["salt_eo_li_ratio"] = merged["_eo"].astype(float).to_numpy()
    frame["salt_wt_pct"] = merged["_wt"].astype(float).to_numpy()
    frame["salt_molality_mol_kg"] = merged["_mol"].astype(float).to_numpy()
    frame["salt_amount_given"] = merged["salt_amount_given"].to_numpy()


def _check_record_ids(frame: pd.DataFrame, out: _Collector) -> None:
    ids = _text(frame["record_id"])
    blank = ids.eq("").to_numpy()
    if blank.any():
        ids[blank] = [f"row-{i + 1}" for i in np.flatnonzero(blank)]
    frame["record_id"] = ids
    out.add(frame["record_id"].duplicated(keep="first"), "record_id", "duplicate record_id; ids must be unique")


@dataclass
class DistinctFormulations:
    """A validated table stored once per distinct formulation, with the map back to the input rows.

    ``clean`` has one row per distinct valid input row (rows equal in every column but ``record_id``
    share one); ``kept`` holds the 0-based positions of the input rows that passed, ``codes`` the
    ``clean`` row of each of them and ``record_ids`` their ids (generated ``row-N`` when absent).
    """

    clean: pd.DataFrame
    codes: np.ndarray
    kept: np.ndarray
    record_ids: np.ndarray
    report: ValidationReport

    def broadcast(self) -> pd.DataFrame:
        """One clean row per kept input row, in input order."""
        clean = self.clean.iloc[self.codes].reset_index(drop=True)
        clean["record_id"] = pd.Series(self.record_ids, dtype=object)
        return clean


def _validate_rows(frame: pd.DataFrame, catalog: Catalog, candidates: bool = False, require_temperature: bool = False,
                   warnings: list[str] | None = None) -> tuple[pd.DataFrame, list[ValidationIssue]]:
    """Every row-local rule (all but record-id uniqueness) on ``frame``; issues use 1-based positions in it.

    ``candidates``: prediction rows, which must state a polymer, a lithium source and (``require_temperature``)
    a temperature, and whose contradictions are all errors. Warnings are appended to ``warnings``.
    """
    clean = frame.reset_index(drop=True).copy()
    for name in TEXT_COLUMNS:
        clean[name] = _text(clean[name]) if name in clean else ""
    out = _Collector(clean)
    check_limits(clean, out)
    _coerce_numeric(clean, out)
    _check_ranges(clean, out)
    _resolve_names(clean, "polymer", "polymer", catalog, out, "polymer_smiles")
    _resolve_names(clean, "polymer", "polymer2", catalog, out, "polymer2_smiles")
    _resolve_names(clean, "salt", "salt", catalog, out, "salt_smiles")
    _resolve_names(clean, "filler", "filler", catalog, out, None)
    _resolve_plasticizers(clean, catalog, out)
    _check_vocabulary(clean, out)
    _check_smiles(clean, out, catalog)
    _check_plasticizer_smiles(clean, out)
    _check_conditions(clean, out)
    check_contradictions(clean, out, catalog, candidates, warnings if warnings is not None else [])
    if candidates:
        check_candidate_rows(clean, out, require_temperature)
    return clean, out.issues


def _record_ids(frame: pd.DataFrame) -> tuple[np.ndarray, list[ValidationIssue]]:
    """Ids with ``row-N`` filled in for blanks, and the duplicate-id issues (the one rule across rows)."""
    ids = pd.DataFrame({"record_id": frame["record_id"] if "record_id" in frame else ""}, index=frame.index)
    out = _Collector(ids)
    _check_record_ids(ids, out)
    return ids["record_id"].to_numpy(dtype=object), out.issues


def _rows_by_code(codes: np.ndarray, n_codes: int) -> list[np.ndarray]:
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.searchsorted(codes[order], np.arange(1, n_codes)))


def validate_distinct(frame: pd.DataFrame, catalog: Catalog | None = None, skip_invalid: bool = False,
                      candidates: bool = False, require_temperature: bool = False) -> DistinctFormulations:
    """:func:`validate_formulations` without repeating work: each distinct row is validated once.

    A million candidate rows drawn from a few hundred formulations cost a few hundred row checks;
    every issue is still reported against each input row that has it. Column-name problems raise
    :class:`cpe_ml.columns.ColumnError`; ``candidates``/``require_temperature``: see :func:`_validate_rows`.
    """
    catalog = catalog or load_catalog()
    frame, warnings = check_columns(frame.reset_index(drop=True))
    codes, first = per_distinct_rows(frame, [c for c in frame.columns if c != "record_id"])
    clean, distinct_issues = _validate_rows(frame.iloc[first], catalog, candidates, require_temperature, warnings)
    warnings += conflicting_duplicates(clean, first)
    record_ids, issues = _record_ids(frame)
    if distinct_issues:
        rows = _rows_by_code(codes, len(first))
        issues += [ValidationIssue(int(r) + 1, i.column, i.value, i.message) for i in distinct_issues for r in rows[i.row - 1]]
    report = ValidationReport(n_rows=len(frame), issues=sorted(issues, key=lambda i: (i.row, i.column)),
                              warnings=warnings)
    if report.issues and not skip_invalid:
        raise FormulationValidationError(report)
    bad_code = np.zeros(len(first), dtype=bool)
    bad_code[[i.row - 1 for i in distinct_issues]] = True
    invalid = bad_code[codes]
    if report.issues:
        report.skipped_rows = report.invalid_rows
        invalid[np.asarray(report.skipped_rows, dtype=int) - 1] = True
    kept = np.flatnonzero(~invalid)
    clean = clean.loc[~bad_code].reset_index(drop=True)
    new_code = np.cumsum(~bad_code) - 1
    _derive_electrolyte_type(clean)
    report.warnings += _filler_loading_warnings(clean, new_code[codes[kept]], kept)
    _complete_salt_amounts(clean)
    clean["assumed_temperature"] = (clean["temperature_c"].isna() & _text(clean["temperature_text"]).str.lower().isin(ROOM_TEMPERATURE_WORDS)).astype(float)
    clean["cathode_class"] = _text(clean["cathode"]).map(cathode_class)
    return DistinctFormulations(clean, new_code[codes[kept]], kept, record_ids[kept], report)


def validate_formulations(
    frame: pd.DataFrame, catalog: Catalog | None = None, skip_invalid: bool = False
) -> tuple[pd.DataFrame, ValidationReport]:
    """Check ``frame`` against the schema and return ``(clean_frame, report)``.

    The clean frame has catalog names, canonical SMILES, completed salt amounts, a derived
    ``electrolyte_type`` and float numeric columns; extra input columns are kept unchanged.
    Raises :class:`FormulationValidationError` if any row is invalid and ``skip_invalid`` is False.
    """
    distinct = validate_distinct(frame, catalog, skip_invalid)
    return distinct.broadcast(), distinct.report
