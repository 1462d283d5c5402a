"""The one list of public datasets: name -> module. Adding a table = one module + one line here.

Each module (``cpe_ml.datasets.<name>``) defines ``DATASET`` (a :class:`PublicDataset`) and
``load(data_dir=None, *, return_report=False, data_home=None, download_if_missing=True, catalog=None)``.
Modules are imported on first use, so the CLI can list names without loading RDKit.
"""

from __future__ import annotations

import importlib
from types import ModuleType

PUBLIC_DATASETS: dict[str, str] = {
    "bradford2023": "cpe_ml.datasets.bradford2023",
    "hatakeyama2022": "cpe_ml.datasets.hatakeyama2022",
}
PUBLIC_NAMES: tuple[str, ...] = tuple(PUBLIC_DATASETS)


def dataset_module(name: str) -> ModuleType:
    """The module of public dataset ``name`` (ValueError naming the choices when unknown)."""
    if name not in PUBLIC_DATASETS:
        raise ValueError(f"unknown public dataset {name!r}; choose from {', '.join(PUBLIC_NAMES)}")
    return importlib.import_module(PUBLIC_DATASETS[name])
