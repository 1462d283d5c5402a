"""Public polymer-electrolyte conductivity tables, loaded into the formulation schema.

In the style of scikit-learn's ``fetch_*`` and matminer's ``load_dataset``: each loader downloads the
authors' files once into ``$CPE_ML_DATA_HOME`` (default ``~/.cache/cpe-ml``), checks their SHA-256 and
harmonizes them. Pass ``data_dir=`` (or set ``$CPE_ML_PUBLIC_DATA_DIR``) to read a local copy instead;
tests and CI point it at ``../shared/datasets``. One module per table (``bradford2023``,
``hatakeyama2022``), listed in :mod:`cpe_ml.datasets.registry`; this module combines them.

>>> frame = load_bradford2023()                                  # doctest: +SKIP
>>> frame, report = load_public(["hatakeyama2022"], return_report=True)   # doctest: +SKIP
>>> print(report.summary())                                      # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpe_ml.datasets._fetch import (
    ChecksumMismatchError,
    DataFileNotFoundError,
    DownloadError,
    PublicDataError,
    get_data_home,
)
from cpe_ml.datasets._public_base import OUTPUT_COLUMNS, LoadReport, PublicDataset, default_catalog
from cpe_ml.datasets.bradford2023 import DATASET as BRADFORD2023
from cpe_ml.datasets.bradford2023 import load_bradford2023
from cpe_ml.datasets.hatakeyama2022 import DATASET as HATAKEYAMA2022
from cpe_ml.datasets.hatakeyama2022 import load_hatakeyama2022
from cpe_ml.datasets.registry import PUBLIC_NAMES, dataset_module

__all__ = [
    "BRADFORD2023",
    "DATASETS",
    "HATAKEYAMA2022",
    "ChecksumMismatchError",
    "DataFileNotFoundError",
    "DownloadError",
    "LoadReport",
    "OUTPUT_COLUMNS",
    "PublicDataError",
    "PublicDataset",
    "PublicLoadReport",
    "build_public_table",
    "find_duplicates",
    "get_data_home",
    "load_bradford2023",
    "load_hatakeyama2022",
    "load_public",
    "write_public_table",
]

PathLike = str | os.PathLike

DATASETS: dict[str, PublicDataset] = {name: dataset_module(name).DATASET for name in PUBLIC_NAMES}


# ----------------------------------------------------------------------------------------- duplicates
def _key(frame: pd.DataFrame, name_column: str, smiles_column: str) -> pd.Series:
    """Identity of a component: catalog name when matched, else its canonical SMILES, else ''."""
    names = frame.get(name_column, pd.Series(None, index=frame.index, dtype=object))
    smiles = frame.get(smiles_column, pd.Series(None, index=frame.index, dtype=object))
    return names.where(names.notna(), smiles).fillna("").astype(str)


def _amounts_agree(a: pd.DataFrame, b: pd.DataFrame, rtol: float) -> np.ndarray:
    """Pairwise (len(a) x len(b)) agreement of salt amount: both absent, or the first shared unit agrees."""
    agree = np.zeros((len(a), len(b)), dtype=bool)
    decided = np.zeros_like(agree)
    for column in ("salt_molality_mol_kg", "salt_eo_li_ratio", "salt_wt_pct"):
        if column not in a or column not in b:
            continue
        x = pd.to_numeric(a[column], errors="coerce").to_numpy(float)[:, None]
        y = pd.to_numeric(b[column], errors="coerce").to_numpy(float)[None, :]
        both = ~np.isnan(x) & ~np.isnan(y) & ~decided
        close = np.abs(x - y) <= rtol * np.maximum(np.abs(x), np.abs(y))
        agree |= both & close
        decided |= both
    amounts = [c for c in ("salt_molality_mol_kg", "salt_eo_li_ratio", "salt_wt_pct")]
    none_a = a.reindex(columns=amounts).isna().all(axis=1).to_numpy()[:, None]
    none_b = b.reindex(columns=amounts).isna().all(axis=1).to_numpy()[None, :]
    return agree | (none_a & none_b)


def find_duplicates(
    frame: pd.DataFrame,
    *,
    temperature_tol_c: float = 1.0,
    log_conductivity_tol: float = 0.05,
    amount_rtol: float = 0.05,
    across_datasets: bool = True,
) -> pd.DataFrame:
    """Pairs of rows that look like the same measurement, typically one paper digitized by both tables.

    Two rows match when they share polymer (and ``polymer2``), salt, salt amount (within ``amount_rtol``
    relative, in the first unit both state; or neither states one), temperature within ``temperature_tol_c``
    and log10 conductivity within ``log_conductivity_tol``. With ``across_datasets`` (default) only pairs
    from different ``dataset`` values are returned. Columns: ``record_id_a``, ``record_id_b``,
    ``dataset_a``, ``dataset_b``, ``temperature_diff_c``, ``log_conductivity_diff``; ``a`` is the row
    that comes first in ``frame``.
    """
    columns = [
        "record_id_a",
        "record_id_b",
        "dataset_a",
        "dataset_b",
        "temperature_diff_c",
        "log_conductivity_diff",
    ]
    work = frame.reset_index(drop=True)
    if work.empty:
        return pd.DataFrame(columns=columns)
    dataset = work.get("dataset", pd.Series("", index=work.index)).fillna("").astype(str)
    polymer = work.get("polymer_smiles", pd.Series(None, index=work.index))
    polymer = polymer.where(polymer.notna(), work.get("polymer")).fillna("").astype(str)
    polymer2 = work.get("polymer2", pd.Series(None, index=work.index)).fillna("").astype(str)
    group_key = polymer + "|" + polymer2 + "|" + _key(work, "salt", "salt_smiles")
    temperature = pd.to_numeric(work["temperature_c"], errors="coerce").to_numpy(float)
    log_sigma = np.log10(pd.to_numeric(work["conductivity_s_cm"], errors="coerce").to_numpy(float))
    usable = ~np.isnan(temperature) & ~np.isnan(log_sigma) & (polymer != "").to_numpy()

    pairs = []
    for _, idx in work.index[usable].groupby(group_key[usable]).items():
        idx = np.asarray(idx)
        if len(idx) < 2 or (across_datasets and dataset[idx].nunique() < 2):
            continue
        dt = temperature[idx][:, None] - temperature[idx][None, :]
        ds = log_sigma[idx][:, None] - log_sigma[idx][None, :]
        match = (np.abs(dt) <= temperature_tol_c) & (np.abs(ds) <= log_conductivity_tol)
        match &= _amounts_agree(work.loc[idx], work.loc[idx], amount_rtol)
        match = np.triu(match, k=1)
        if across_datasets:
            d = dataset[idx].to_numpy()
            match &= d[:, None] != d[None, :]
        for i, j in zip(*np.nonzero(match)):
            pairs.append((idx[i], idx[j], dt[i, j], ds[i, j]))
    if not pairs:
        return pd.DataFrame(columns=columns)
    a, b, dt, ds = (np.array(v) for v in zip(*pairs))
    record = work.get("record_id", pd.Series(work.index.astype(str), index=work.index))
    return pd.DataFrame(
        {
            "record_id_a": record.to_numpy()[a],
            "record_id_b": record.to_numpy()[b],
            "dataset_a": dataset.to_numpy()[a],
            "dataset_b": dataset.to_numpy()[b],
            "temperature_diff_c": np.abs(dt),
            "log_conductivity_diff": np.abs(ds),
        }
    ).sort_values(["record_id_a", "record_id_b"], ignore_index=True)


# ------------------------------------------------------------------------------------------- combined
@dataclass
class PublicLoadReport:
    """Per-table load reports, the cross-table duplicate pairs, and how many rows deduplication removed."""

    datasets: dict[str, LoadReport] = field(default_factory=dict)
    duplicates: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_removed_duplicates: int = 0

    @property
    def n_loaded(self) -> int:
        return sum(r.n_loaded for r in self.datasets.values()) - self.n_removed_duplicates

    def summary(self) -> str:
        parts = [r.summary() for r in self.datasets.values()]
        parts.append(
            f"duplicates across tables: {len(self.duplicates)} pairs; removed {self.n_removed_duplicates} rows"
        )
        return "\n".join(parts)


def load_public(
    names: str | list[str] | tuple[str, ...] = PUBLIC_NAMES,
    *,
    data_dir: PathLike | None = None,
    deduplicate: bool = False,
    return_report: bool = False,
    data_home: PathLike | None = None,
    download_if_missing: bool = True,
    catalog=None,
):
    """Several public tables in one frame (``dataset`` tells them apart).

    Duplicates across tables are always detected (``PublicLoadReport.duplicates``); ``deduplicate=True``
    keeps the row of the table listed first in ``names`` and drops its duplicates from later tables.
    """
    names = [names] if isinstance(names, str) else list(names)
    loaders = {name: dataset_module(name).load for name in names}
    catalog = default_catalog(catalog)
    frames, reports = [], {}
    for name in names:
        frame, report = loaders[name](
            data_dir,
            return_report=True,
            data_home=data_home,
            download_if_missing=download_if_missing,
            catalog=catalog,
        )
        frames.append(frame)
        reports[name] = report
    combined = pd.concat(frames, ignore_index=True)
    duplicates = find_duplicates(combined)
    n_removed = 0
    if deduplicate and len(duplicates):
        order = {name: k for k, name in enumerate(names)}
        later_b = duplicates["dataset_b"].map(order) > duplicates["dataset_a"].map(order)
        drop = set(duplicates["record_id_b"].where(later_b, duplicates["record_id_a"]))
        keep = ~combined["record_id"].isin(drop)
        n_removed = int((~keep).sum())
        combined = combined.loc[keep].reset_index(drop=True)
    if return_report:
        return combined, PublicLoadReport(reports, duplicates, n_removed)
    return combined


# ------------------------------------------------------------------------------------ shipped table
def build_public_table(
    data_dir: PathLike | None = None, *, data_home: PathLike | None = None, catalog=None
) -> tuple[pd.DataFrame, PublicLoadReport]:
    """Every public table harmonized into one frame, in a reproducible form (the shipped derivative).

    Rows sorted by ``dataset`` then ``record_id``, columns in ``OUTPUT_COLUMNS`` order, text as str
    (missing = None) and numbers as float64, so the same pinned upstream files always give an equal frame.
    Cross-table duplicates are kept (``find_duplicates`` lists them).
    """
    frame, report = load_public(PUBLIC_NAMES, data_dir=data_dir, data_home=data_home, catalog=catalog, return_report=True)
    frame = frame.reindex(columns=OUTPUT_COLUMNS).sort_values(["dataset", "record_id"], ignore_index=True)
    return frame, report


def write_public_table(frame: pd.DataFrame, path: PathLike) -> Path:
    """Write ``frame`` as zstd Parquet with no index and no timestamps (only Arrow's schema metadata)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", compression_level=19, use_dictionary=True, write_statistics=False)
    return path
