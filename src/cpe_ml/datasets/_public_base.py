"""What every public-table module shares: its description, its load report and the harmonization helpers.

A public dataset lives in one module (``bradford2023.py``, ``hatakeyama2022.py``) with its
:class:`PublicDataset`, harmonizer and loader; this module holds what they have in common. The tables
describe polymer/salt electrolytes in their own notation; the harmonizers map them onto ``cpe_ml.schema``
columns so that the public rows, the project's curated rows and user data share one
feature pipeline:

- polymers are written as canonical repeat units (``polymer_smiles``, always filled) and named after the
  catalog entry with the same canonical repeat unit (``polymer``, empty when none matches);
- salts are written as canonical SMILES of the neutral Li salt (``salt_smiles``) and named after the
  matching catalog entry (``salt``);
- the salt amount keeps the quantity the table states (``salt_amount_given``) and adds the other two
  where the molar masses allow the conversion;
- conductivity is in S/cm and temperature in C; values outside the schema's physical ranges leave the
  row out (they are errors in the table or in the unit), the reason is counted.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from rdkit import Chem, RDLogger
from rdkit.Chem import Descriptors

from cpe_ml.chemistry.repeat_unit import RepeatUnitError, canonical_repeat_unit
from cpe_ml.chemistry.salt_amount import repeat_unit_molar_mass
from cpe_ml.datasets._fetch import PublicDataError, RemoteFile
from cpe_ml.schema import COLUMN_BY_NAME

RDLogger.DisableLog("rdApp.*")

#: Columns of every harmonized public frame, schema columns first, then the public-data extras.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "record_id",
    "dataset",
    "source",
    "source_url",
    "source_locator",
    "polymer",
    "polymer_smiles",
    "polymer_smiles_source",
    "polymer_mw_g_mol",
    "polymer2",
    "polymer2_smiles",
    "polymer2_wt_pct",
    "salt",
    "salt_smiles",
    "salt_eo_li_ratio",
    "salt_wt_pct",
    "salt_molality_mol_kg",
    "salt_amount_given",
    "filler",
    "filler_loading_wt_pct",
    "plasticizer",
    "plasticizer_smiles",
    "plasticizer_wt_pct",
    "electrolyte_type",
    "temperature_c",
    "conductivity_s_cm",
    "notes",
)

# Failure reasons shared by the tables (keys of LoadReport.failures). Short, stable strings: tests and data
# cards quote them; table-specific reasons live in the table's module.
R_POLYMER = "polymer SMILES is not a valid repeat unit"
R_SALT_SMILES = "salt SMILES cannot be parsed"
R_SALT_NO_LI = "salt contains no lithium"
R_CONDUCTIVITY_MISSING = "conductivity missing or not numeric"
R_CONDUCTIVITY_NOT_POSITIVE = "conductivity is not positive"
R_TEMPERATURE_MISSING = "temperature missing or not numeric"
R_CELL_LIMITS = "a cell beyond the validator's size limits (a copolymer chain written out instead of its repeat unit)"


def out_of_range_reason(column: str) -> str:
    spec = COLUMN_BY_NAME[column]
    return f"{column} outside schema range [{spec.low:g}, {spec.high:g}]"


SINGLE_ION_NOTE = "single-ion conductor: no added salt, Li+ is the counter-ion of the polymer's anionic groups"


# ------------------------------------------------------------------------------------------- dataset
@dataclass(frozen=True)
class PublicDataset:
    """Where a public table comes from, under which license, and how to cite it."""

    name: str
    title: str
    citation: str
    doi: str
    license: str
    repository: str
    files: tuple[RemoteFile, ...]

    def file(self, filename: str) -> RemoteFile:
        return next(f for f in self.files if f.filename == filename)


def loader(dataset: PublicDataset, harmonize: Callable[..., tuple[pd.DataFrame, LoadReport]], doc: str) -> Callable[..., Any]:
    """The ``load`` function of a public-dataset module: fetch ``dataset.files`` (local mirror or download at
    the pinned commit, SHA-256 checked), read them and ``harmonize(*tables, catalog, source_url=, filename=)``.

    The loader returns the harmonized frame, or ``(frame, LoadReport)`` with ``return_report=True``;
    ``catalog`` defaults to ``cpe_ml.catalog.load_catalog()``.
    """
    from cpe_ml.datasets._fetch import fetch_file

    def load(data_dir: str | os.PathLike | None = None, *, return_report: bool = False,
             data_home: str | os.PathLike | None = None, download_if_missing: bool = True, catalog=None):
        tables = [read_csv(fetch_file(remote, data_dir=data_dir, data_home=data_home, download_if_missing=download_if_missing))
                  for remote in dataset.files]
        first = dataset.files[0]
        frame, report = harmonize(*tables, default_catalog(catalog), source_url=first.url, filename=first.filename)
        return (frame, report) if return_report else frame

    load.__name__ = load.__qualname__ = f"load_{dataset.name}"
    load.__doc__ = doc
    return load


def default_catalog(catalog):
    """``catalog``, or the package catalog when None (loaded lazily: it reads CSVs and canonicalizes SMILES)."""
    if catalog is not None:
        return catalog
    from cpe_ml.catalog import load_catalog

    return load_catalog()


def read_csv(path, **kwargs) -> pd.DataFrame:
    try:
        return pd.read_csv(path, keep_default_na=True, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:  # checksum passed, so this is a code problem
        raise PublicDataError(f"{path}: cannot be read as CSV ({exc})") from exc


# --------------------------------------------------------------------------------------------- report
@dataclass
class LoadReport:
    """What happened to every raw row of one public table.

    ``n_raw == n_loaded + n_failed`` always holds: a row is either in the frame or counted under exactly one
    reason in ``failures`` (its id listed in ``failed_ids[reason]``). ``adjustments`` counts values that were
    blanked or repaired in rows that were kept (e.g. an out-of-range molecular weight); ``notes`` says what a
    user of the dataset should know about the table itself.
    """

    dataset: str
    n_raw: int
    n_loaded: int
    failures: dict[str, int] = field(default_factory=dict)
    failed_ids: dict[str, list[str]] = field(default_factory=dict)
    adjustments: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def n_failed(self) -> int:
        return sum(self.failures.values())

    def to_frame(self) -> pd.DataFrame:
        """One row per failure reason, most frequent first."""
        rows = sorted(self.failures.items(), key=lambda kv: (-kv[1], kv[0]))
        return pd.DataFrame(rows, columns=["reason", "count"])

    def summary(self) -> str:
        lines = [f"{self.dataset}: {self.n_raw} raw rows, {self.n_loaded} loaded, {self.n_failed} left out"]
        lines += [f"  - {count:>6}  {reason}" for reason, count in self.to_frame().itertuples(index=False)]
        lines += [f"  ~ {count:>6}  {what}" for what, count in sorted(self.adjustments.items())]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


class Failures:
    """First reason wins: a row is left out for the first check it fails, in the order checks run."""

    def __init__(self, index: pd.Index):
        self.reason = pd.Series(None, index=index, dtype=object)

    def add(self, mask: pd.Series | np.ndarray, reason: str) -> None:
        mask = pd.Series(np.asarray(mask, dtype=bool), index=self.reason.index)
        self.reason[mask & self.reason.isna()] = reason

    @property
    def ok(self) -> pd.Series:
        return self.reason.isna()

    def report(self, dataset: str, row_ids: pd.Series, **extra) -> LoadReport:
        failed = self.reason.dropna()
        ids: dict[str, list[str]] = defaultdict(list)
        for idx, reason in failed.items():
            ids[reason].append(str(row_ids[idx]))
        return LoadReport(
            dataset=dataset,
            n_raw=len(self.reason),
            n_loaded=int(self.ok.sum()),
            failures=dict(Counter(failed)),
            failed_ids=dict(ids),
            **extra,
        )


# ------------------------------------------------------------------------------------------ chemistry
def repeat_unit(smiles: str) -> str | None:
    """Canonical repeat unit, or None when the notation cannot be read as one."""
    try:
        return canonical_repeat_unit(smiles)
    except RepeatUnitError:
        return None


@lru_cache(maxsize=4096)
def repeat_unit_mass(canonical: str) -> float | None:
    try:
        return repeat_unit_molar_mass(canonical) or None
    except (RepeatUnitError, ValueError):
        return None


@dataclass(frozen=True)
class SaltInfo:
    """A neutral Li salt: canonical SMILES, Li+ per formula unit and molar mass (g/mol)."""

    smiles: str
    n_li: int
    molar_mass: float


@lru_cache(maxsize=4096)
def salt_info(smiles: str, add_lithium: bool = False) -> SaltInfo | None:
    """Describe a salt SMILES; ``add_lithium`` neutralizes an anion-only SMILES with Li+ (Hatakeyama's habit)."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    if add_lithium:
        charge = Chem.GetFormalCharge(mol)
        if charge < 0:
            mol = Chem.MolFromSmiles(".".join([smiles] + ["[Li+]"] * -charge))
    n_li = sum(1 for atom in mol.GetAtoms() if atom.GetSymbol() == "Li")
    return SaltInfo(Chem.MolToSmiles(mol), n_li, Descriptors.MolWt(mol))


def blank_out_of_range(frame: pd.DataFrame, column: str, adjustments: dict[str, int], what: str) -> None:
    spec = COLUMN_BY_NAME[column]
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.notna() & ((values < spec.low) | (values > spec.high))
    if bad.any():
        frame.loc[bad, column] = np.nan
        adjustments[f"{column}: {what} outside schema range, blanked"] = int(bad.sum())


def finalize(frame: pd.DataFrame, ok: pd.Series) -> pd.DataFrame:
    """Kept rows in ``OUTPUT_COLUMNS`` order; text as plain object columns, numbers as float."""
    frame = frame.loc[ok].reindex(columns=OUTPUT_COLUMNS).reset_index(drop=True)
    numeric = [c for c in OUTPUT_COLUMNS if c in COLUMN_BY_NAME and COLUMN_BY_NAME[c].dtype == "float"]
    text = [c for c in OUTPUT_COLUMNS if c not in numeric]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    frame[text] = frame[text].astype(object).where(frame[text].notna(), None)
    return frame


def check_cell_limits(failures: Failures, frame: pd.DataFrame) -> None:
    """Leave out rows the validator would reject for size (its own rule, applied to the harmonized cells)."""
    from cpe_ml.consistency import check_limits

    class _Rows:
        def __init__(self):
            self.mask = np.zeros(len(frame), dtype=bool)

        def add(self, mask, column, message) -> None:
            self.mask |= np.asarray(mask, dtype=bool)

    rows = _Rows()
    text = frame.select_dtypes(exclude="number")
    check_limits(text.astype(object).where(text.notna(), "").reset_index(drop=True), rows)
    failures.add(pd.Series(rows.mask, index=frame.index), R_CELL_LIMITS)


def check_range(failures: Failures, values: pd.Series, column: str) -> None:
    spec = COLUMN_BY_NAME[column]
    failures.add(values.notna() & ((values < spec.low) | (values > spec.high)), out_of_range_reason(column))


def catalog_name(catalog, kind: str, structure: str | None) -> str | None:
    """Catalog name of a structure (the catalog's first entry wins: PEO, not PEGDME); None without a catalog."""
    return catalog.match_smiles(kind, structure) if catalog is not None and structure else None


