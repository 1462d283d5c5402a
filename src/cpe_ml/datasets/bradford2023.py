"""Bradford et al. 2023: 10,114 conductivities of dry polymer/Li-salt electrolytes (ChemArr training set).

References:
    Bradford, G. et al. Chemistry-Informed Machine Learning for Polymer Electrolyte Discovery.
    ACS Cent. Sci. 2023, 9, 206-216. https://doi.org/10.1021/acscentsci.2c01123
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from cpe_ml.chemistry.salt_amount import molality_to_eo_li, molality_to_wt_pct
from cpe_ml.datasets._fetch import RemoteFile
from cpe_ml.datasets._public_base import (
    R_CONDUCTIVITY_MISSING,
    R_POLYMER,
    R_SALT_NO_LI,
    R_SALT_SMILES,
    R_TEMPERATURE_MISSING,
    SINGLE_ION_NOTE,
    Failures,
    LoadReport,
    PublicDataset,
    SaltInfo,
    blank_out_of_range,
    catalog_name,
    loader,
    check_cell_limits,
    check_range,
    finalize,
    repeat_unit,
    repeat_unit_mass,
    salt_info,
)

# Raw URL pinned to a commit so that the checksum stays valid if the authors change the default branch.
_COMMIT = "735378dd7d962f4a583f3364511045a1f6b1f4ef"

DATASET = PublicDataset(
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
            url=f"https://raw.githubusercontent.com/learningmatter-mit/Chem-prop-pred/{_COMMIT}/data/clean_train_data.csv",
            sha256="6b6de5979e2b0fe592e9c75b98cdccc6a77c579bd9332e3633301f6f6392ca74",
        ),
    ),
)

R_AMOUNT_MISSING = "salt given without an amount"
R_AMOUNT_WITHOUT_SALT = "salt amount given without a salt"
R_AMOUNT_NOT_POSITIVE = "salt amount is not positive"


def source_key(polymer_smiles: pd.Series, mw: pd.Series) -> pd.Series:
    """Stand-in for the paper of each row: ``bradford2023:<polymer as written>|mw=<reported Mw>``.

    The table has no reference column. Rows of one polymer with the same reported molecular weight most
    likely come from one paper (a paper reports its own sample's Mw); a different Mw for the same
    polymer marks another sample, usually another paper. Grouping by this key is therefore close to
    grouping by paper (a paper that measured an Mw series is split into several keys).
    """
    mw_text = pd.to_numeric(mw, errors="coerce").map(lambda v: "" if pd.isna(v) else f"{v:.6g}")
    return "bradford2023:" + polymer_smiles.astype(str) + "|mw=" + mw_text


BRADFORD_COLUMNS = ("smiles", "conductivity", "mw", "salt smiles", "molality", "temperature")


def harmonize_bradford2023(
    raw: pd.DataFrame, catalog=None, *, source_url: str | None = None, filename: str = "clean_train_data.csv"
) -> tuple[pd.DataFrame, LoadReport]:
    """Schema rows from Bradford et al.'s ``clean_train_data.csv``.

    Row ids are 0-based data-row positions in the file (``record_id`` = ``bradford2023-<row>``). The table
    has no DOI per row, so ``source`` is a stand-in for the paper (:func:`source_key`). Rows without a salt are single-ion
    conducting polymers (their salt columns stay empty). The table holds dry polymer/salt electrolytes only,
    hence ``filler`` = none and ``electrolyte_type`` = spe.
    """
    missing = [c for c in BRADFORD_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"bradford2023: expected columns {list(BRADFORD_COLUMNS)}, missing {missing}")
    raw = raw.reset_index(drop=True)
    row_ids = pd.Series(raw.index.astype(str), index=raw.index)
    failures = Failures(raw.index)
    adjustments: dict[str, int] = {}

    polymer_source = raw["smiles"].astype("string").str.strip()
    canonical_polymers = {s: repeat_unit(s) for s in polymer_source.dropna().unique()}
    polymer_smiles = polymer_source.map(canonical_polymers)
    failures.add(polymer_smiles.isna(), R_POLYMER)

    salt_source = raw["salt smiles"].astype("string").str.strip().replace("", pd.NA)
    has_salt = salt_source.notna()
    salts = {s: salt_info(s) for s in salt_source.dropna().unique()}
    salt = salt_source.map(salts)
    failures.add(has_salt & salt.isna(), R_SALT_SMILES)
    n_li = salt.map(lambda s: s.n_li if isinstance(s, SaltInfo) else np.nan).astype(float)
    failures.add(has_salt & (n_li == 0), R_SALT_NO_LI)

    molality = pd.to_numeric(raw["molality"], errors="coerce")
    failures.add(has_salt & molality.isna(), R_AMOUNT_MISSING)
    failures.add(~has_salt & molality.notna(), R_AMOUNT_WITHOUT_SALT)
    failures.add(molality.notna() & (molality <= 0), R_AMOUNT_NOT_POSITIVE)

    log_sigma = pd.to_numeric(raw["conductivity"], errors="coerce")
    failures.add(log_sigma.isna(), R_CONDUCTIVITY_MISSING)
    conductivity = 10.0**log_sigma  # the table stores log10(S/cm)
    temperature = pd.to_numeric(raw["temperature"], errors="coerce")
    failures.add(temperature.isna(), R_TEMPERATURE_MISSING)
    check_range(failures, temperature, "temperature_c")
    check_range(failures, conductivity, "conductivity_s_cm")
    check_range(failures, molality, "salt_molality_mol_kg")

    salt_smiles = salt.map(lambda s: s.smiles if isinstance(s, SaltInfo) else None)
    salt_mass = salt.map(lambda s: s.molar_mass if isinstance(s, SaltInfo) else np.nan).astype(float)
    ru_mass = polymer_smiles.map(lambda s: repeat_unit_mass(s) if isinstance(s, str) else None).astype(float)
    wt_pct, eo_li = molality_to_wt_pct(molality, salt_mass), molality_to_eo_li(molality, ru_mass, n_li)

    polymer_names = {s: catalog_name(catalog, "polymer", s) for s in set(polymer_smiles.dropna())}
    salt_names = {s: catalog_name(catalog, "salt", s) for s in set(salt_smiles.dropna())}
    frame = pd.DataFrame(
        {
            "record_id": "bradford2023-" + row_ids,
            "dataset": "bradford2023",
            "source": source_key(polymer_source, raw["mw"]),
            "source_url": source_url,
            "source_locator": filename + " data row " + row_ids + " (0-based)",
            "polymer": polymer_smiles.map(polymer_names),
            "polymer_smiles": polymer_smiles,
            "polymer_smiles_source": polymer_source,
            "polymer_mw_g_mol": pd.to_numeric(raw["mw"], errors="coerce"),
            "salt": salt_smiles.map(salt_names),
            "salt_smiles": salt_smiles,
            "salt_eo_li_ratio": eo_li,
            "salt_wt_pct": wt_pct,
            "salt_molality_mol_kg": molality,
            "salt_amount_given": np.where(has_salt, "molality", None),
            "filler": "none",
            "filler_loading_wt_pct": 0.0,
            "plasticizer_wt_pct": 0.0,
            "electrolyte_type": "spe",
            "temperature_c": temperature,
            "conductivity_s_cm": conductivity,
            "notes": np.where(has_salt, None, SINGLE_ION_NOTE),
        }
    )
    check_cell_limits(failures, frame)
    frame = finalize(frame, failures.ok)
    blank_out_of_range(frame, "polymer_mw_g_mol", adjustments, "stated Mw")
    blank_out_of_range(frame, "salt_eo_li_ratio", adjustments, "EO:Li derived from molality")
    blank_out_of_range(frame, "salt_wt_pct", adjustments, "wt% derived from molality")
    report = failures.report("bradford2023", row_ids, adjustments=adjustments)
    return frame, report


load_bradford2023 = load = loader(
    DATASET, harmonize_bradford2023,
    """Bradford et al. 2023 (10,114 conductivity measurements of dry polymer/Li-salt electrolytes).

    Returns the harmonized frame (columns ``OUTPUT_COLUMNS``), or ``(frame, LoadReport)`` with
    ``return_report=True``. ``catalog`` defaults to ``cpe_ml.catalog.load_catalog()``.
    """,
)


# ----------------------------------------------------------------------------------------- noise floor
#: Columns that define "the same formulation at the same temperature" for the noise floor.
NOISE_FLOOR_KEYS: tuple[str, ...] = ("polymer_smiles", "salt_smiles", "salt_molality_mol_kg", "temperature_c")


def source_noise_floor(
    frame: pd.DataFrame, *, temperature_decimals: int = 0, molality_decimals: int = 2
) -> tuple[float, int]:
    """Median SD of log10 conductivity between samples of one formulation: ``(median_sd_log10, n_groups)``.

    Groups are rows with the same polymer repeat unit, salt, molality (rounded to ``molality_decimals``
    mol/kg) and temperature (rounded to ``temperature_decimals`` C: values digitized from plots scatter
    by a fraction of a degree). Within a group, rows are averaged per reported Mw
    (``polymer_mw_g_mol``, a stand-in for the paper, see :func:`source_key`) and the SD (ddof=1) is
    taken over those per-Mw means, in groups with at least two Mw values. A model scored on papers it
    has not seen cannot be expected to beat this spread: it is the noise floor of a grouped-by-source
    evaluation. Rows without a salt count as one "no salt" formulation per polymer.
    """
    work = frame.loc[:, list(NOISE_FLOOR_KEYS)].copy()
    work["salt_smiles"] = work["salt_smiles"].fillna("")
    for column, decimals in (("salt_molality_mol_kg", molality_decimals), ("temperature_c", temperature_decimals)):
        work[column] = pd.to_numeric(work[column], errors="coerce").round(decimals).fillna(-1.0)
    work["mw"] = pd.to_numeric(frame["polymer_mw_g_mol"], errors="coerce")
    work["log_sigma"] = np.log10(pd.to_numeric(frame["conductivity_s_cm"], errors="coerce"))
    work = work.dropna(subset=["mw", "log_sigma"])
    per_sample = work.groupby([*NOISE_FLOOR_KEYS, "mw"], sort=False)["log_sigma"].mean()
    spread = per_sample.groupby(level=list(range(len(NOISE_FLOOR_KEYS))), sort=False).agg(["std", "size"])
    spread = spread[spread["size"] >= 2]
    return float(spread["std"].median()), int(len(spread))
