"""Writing pickled artifacts safely: model bundles and cached fitted helpers."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import joblib


def atomic_dump(obj, path: str | os.PathLike, compress: int = 3) -> Path:
    """joblib-dump to a temporary file in the same directory, then rename: a reader (another process, a
    Dask worker) never sees a half-written file, and an interrupted run leaves the old file intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        joblib.dump(obj, temporary, compress=compress)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path
