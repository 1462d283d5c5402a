"""Where cpe-ml keeps files, and writing pickled artifacts safely: model bundles and cached fitted helpers."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import joblib

ENV_DATA_HOME = "CPE_ML_DATA_HOME"
DEFAULT_DATA_HOME = Path("~") / ".cache" / "cpe-ml"
#: MLflow store used when none is given: a SQLite file in the working directory (no server needed).
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Cache directory for downloaded datasets and fitted helpers: ``data_home``, else ``$CPE_ML_DATA_HOME``,
    else ``~/.cache/cpe-ml`` (created on demand by whoever writes there)."""
    home = data_home or os.environ.get(ENV_DATA_HOME) or DEFAULT_DATA_HOME
    return Path(home).expanduser()


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
