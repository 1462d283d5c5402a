"""Datasets: the embedded curated composite-electrolyte table, the shipped public tables and their loaders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_REPO_DATA = Path(__file__).resolve().parents[3] / "data"
#: The embedded default data: composite polymer electrolytes curated from the literature, with provenance.
DEFAULT_DATA_PATH = (_REPO_DATA if _REPO_DATA.is_dir() else Path("data")) / "cpe_literature.csv"
#: The public conductivity tables (Bradford 2023, Hatakeyama 2022) harmonized into the schema, shipped with
#: the project (MIT, see data/public/README.md); regenerate with ``cpe-ml data build-public``.
DEFAULT_PUBLIC_PATH = DEFAULT_DATA_PATH.parent / "public" / "public_conductivity.parquet"


def load_cpe_literature(path: str | Path = DEFAULT_DATA_PATH) -> pd.DataFrame:
    """The curated literature table as stored (text cells; validate before use)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run from a cpe-ml checkout or pass the path of cpe_literature.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_default_public(path: str | Path = DEFAULT_PUBLIC_PATH) -> pd.DataFrame:
    """The shipped harmonized public tables: schema columns + ``dataset`` and the loaders' extras.

    Same columns and types as ``cpe_ml.datasets.public.load_public`` returns (text as object with None
    for missing, numbers as float64), without downloading or parsing any upstream file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run from a cpe-ml checkout or regenerate it with `cpe-ml data build-public`")
    frame = pd.read_parquet(path)
    text = frame.columns[frame.dtypes.map(lambda d: not pd.api.types.is_float_dtype(d))]
    frame[text] = frame[text].astype(object).where(frame[text].notna(), None)
    return frame
