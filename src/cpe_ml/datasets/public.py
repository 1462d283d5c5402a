"""Public polymer-electrolyte conductivity tables, loaded into the formulation schema.

In the style of scikit-learn's ``fetch_*`` and matminer's ``load_dataset``: each loader downloads the
authors' file once into ``$CPE_ML_DATA_HOME`` (default ``~/.cache/cpe-ml``), checks its SHA-256 and
harmonizes it. Pass ``data_dir=`` (or set ``$CPE_ML_PUBLIC_DATA_DIR``) to read a local copy instead;
tests and CI point it at ``../shared/datasets``.

>>> frame = load_bradford2023()                                  # doctest: +SKIP
>>> frame, report = load_hatakeyama2022(return_report=True)      # doctest: +SKIP
>>> print(report.summary())                                      # doctest: +SKIP

References:
    Bradford, G. et al. Chemistry-Informed Machine Learning for Polymer Electrolyte Discovery.
    ACS Cent. Sci. 2023, 9, 206-216. https://doi.org/10.1021/acscentsci.2c01123
    Hatakeyama-Sato, K. et al. (Li-ion conducting polymer database) J. Am. Chem. Soc. 2020.
    https://doi.org/10.1021/jacs.9b11442
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cpe_ml.datasets._fetch import (
    ChecksumMismatchError,
    DataFileNotFoundError,
    DownloadError,
    PublicDataError,
    RemoteFile,
    fetch_file,
    get_data_home,
)
from cpe_ml.datasets.public_harmonize import (
    OUTPUT_COLUMNS,
    LoadReport,
    harmonize_bradford2023,
    harmonize_hatakeyama2022,
)

__all__ = [
    "DATASETS",
    "ChecksumMismatchError",
    "DataFileNotFoundError",
    "DownloadError",
    "LoadReport",
    "OUTPUT_COLUMNS",
    "PublicDataError",
    "PublicDataset",
    "PublicLoadReport",
    "find_duplicates",
    "get_data_home",
    "load_bradford2023",
    "load_hatakeyama2022",
    "load_public",
]

PathLike = str | os.PathLike


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


# Raw URLs are pinned to a commit so that the hard-coded checksums stay valid if the authors change
# the default branch. Repository, paths and commits were looked up in an index of public GitHub
# repositories; the file sizes there match the mirrored copies. The download itself could not be
# exercised from the development machine (no internet access).
_BRADFORD_COMMIT = "735378dd7d962f4a583f3364511045a1f6b1f4ef"
_HATAKEYAMA_COMPOSITE_COMMIT = "6fd237dc47752553995cbce585e7d9a9f4de6d15"
_HATAKEYAMA_COMPOUNDS_COMMIT = "4bab208def8f14bcbd79dbb7810612aada293522"

BRADFORD2023 = PublicDataset(
    name="bradford2023",
    title="Polymer electrolyte conductivity training set (Chemistry-Informed ML, ChemArr)",
    citation=(
        "G. Bradford, J. Lopez, J. Ruza, M. A. Stolberg, R. Osterude, J. A. Johnson, R. Gomez-Bombarelli, "
        "Y. Shao-Horn, Chemistry-Informed Machine Learning for Polymer Electrolyte Discovery, "
        "ACS Cent. Sci. 2023, 9, 206-216."
    ),
    doi="10.1021/acscentsci.2c01123",
    license="MIT (Copyright (c) 2022 Learning Matter @ MIT)",
    repository="https://github.com/learningmatter-mit/Chem-prop-pred",
    files=(
        RemoteFile(
            dataset="bradford2023",
            filename="clean_train_data.csv",
            url=(
                "https://raw.githubusercontent.com/learningmatter-mit/Chem-prop-pred/"
                f"{_BRADFORD_COMMIT}/data/clean_train_data.csv"
            ),
            sha256="6b6de5979e2b0fe592e9c75b98cdccc6a77c579bd9332e3633301f6f6392ca74",
        ),
    ),
)

HATAKEYAMA2022 = PublicDataset(
    name="hatakeyama2022",
    title="Li-ion conducting polymer electrolyte database (ion_predictor, 2022 export)",
    citation=(
        "K. Hatakeyama-Sato et al., J. Am. Chem. Soc. 2020, DOI 10.1021/jacs.9b11442 (the paper the "
        "repository README cites); database: github.com/KanHatakeyama/ion_predictor (2022-03-16 export)."
    ),
    doi="10.1021/jacs.9b11442",
    license="MIT (Copyright (c) 2022 Kan Hatakeyama)",
    repository="https://github.com/KanHatakeyama/ion_predictor",
    files=(
        RemoteFile(
            dataset="hatakeyama2022",
            filename="composite_all.csv",
            url=(
                "https://raw.githubusercontent.com/KanHatakeyama/ion_predictor/"
                f"{_HATAKEYAMA_COMPOSITE_COMMIT}/database/composite_all.csv"
            ),
            sha256="5d66df34d8705fb1457dee87c169ec3873b5eac6465cbd5e14adcaa5af902191",
        ),
        RemoteFile(
            dataset="hatakeyama2022",
            filename="compounds.csv",
            url=(
                "https://raw.githubusercontent.com/KanHatakeyama/ion_predictor/"
                f"{_HATAKEYAMA_COMPOUNDS_COMMIT}/database/compounds.csv"
            ),
            sha256="5e42aa8aa71ad068dd8383653a536af61ca8e7b9141bb3534377cf89693b8336",
        ),
    ),
)

DATASETS: dict[str, PublicDataset] = {d.name: d for d in (BRADFORD2023, HATAKEYAMA2022)}


def _default_catalog(catalog):
    if catalog is not None:
        return catalog
    from cpe_ml.catalog import load_catalog

    return load_catalog()


def _read_csv(path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype={"ID": str}, keep_default_na=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:  # checksum passed, so this is a code problem
        raise PublicDataError(f"{path}: cannot be read as CSV ({exc})") from exc


def load_bradford2023(
    data_dir: PathLike | None = None,
    *,
    return_report: bool = False,
    data_home: PathLike | None = None,
    download_if_missing: bool = True,
    catalog=None,
) -> pd.DataFrame | tuple[pd.DataFrame, LoadReport]:
    """Bradford et al. 2023 (10,114 conductivity measurements of dry polymer/Li-salt electrolytes).

    Returns the harmonized frame (columns ``OUTPUT_COLUMNS``), or ``(frame, LoadReport)`` with
    ``return_report=True``. ``catalog`` defaults to ``cpe_ml.catalog.load_catalog()``.
    """
    remote = BRADFORD2023.files[0]
    path = fetch_file(remote, data_dir=data_dir, data_home=data_home, download_if_missing=download_if_missing)
    frame, report = harmonize_bradford2023(
        _read_csv(path), _default_catalog(catalog), source_url=remote.url, filename=remote.filename
    )
    return (frame, report) if return_report else frame


def load_hatakeyama2022(
    data_dir: PathLike | None = None,
    *,
    return_report: bool = False,
    data_home: PathLike | None = None,
    download_if_missing: bool = True,
    catalog=None,
) -> pd.DataFrame | tuple[pd.DataFrame, LoadReport]:
    """Hatakeyama-Sato et al. Li-polymer database (9,185 measurements, components by compound id).

    Note: the published ``composite_all.csv`` keeps only the first component of each row, so rows whose
    ratio lists name more components than ids are reported (reason ``R_COMPONENTS_MISSING``), not guessed;
    see ``LoadReport.notes``.
    """
    composite_remote, compounds_remote = HATAKEYAMA2022.files
    kwargs = dict(data_dir=data_dir, data_home=data_home, download_if_missing=download_if_missing)
    composite = _read_csv(fetch_file(composite_remote, **kwargs))
    compounds = _read_csv(fetch_file(compounds_remote, **kwargs))
    frame, report = harmonize_hatakeyama2022(
        composite,
        compounds,
        _default_catalog(catalog),
        source_url=composite_remote.url,
        filename=composite_remote.filename,
    )
    return (frame, report) if return_report else frame


_LOADERS = {"bradford2023": load_bradford2023, "hatakeyama2022": load_hatakeyama2022}


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
    names: str | list[str] | tuple[str, ...] = ("bradford2023", "hatakeyama2022"),
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
    unknown = [n for n in names if n not in _LOADERS]
    if unknown:
        raise ValueError(f"unknown public dataset(s) {unknown}; choose from {sorted(_LOADERS)}")
    catalog = _default_catalog(catalog)
    frames, reports = [], {}
    for name in names:
        frame, report = _LOADERS[name](
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
