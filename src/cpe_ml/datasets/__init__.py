"""Datasets: the embedded curated composite-electrolyte table and loaders of public tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_REPO_DATA = Path(__file__).resolve().parents[3] / "data"
#: The embedded default data: composite polymer electrolytes curated from the literature, with provenance.
DEFAULT_DATA_PATH = (_REPO_DATA if _REPO_DATA.is_dir() else Path("data")) / "cpe_literature.csv"


def load_cpe_literature(path: str | Path = DEFAULT_DATA_PATH) -> pd.DataFrame:
    """The curated literature table as stored (text cells; validate before use)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run from a cpe-ml checkout or pass the path of cpe_literature.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False)
