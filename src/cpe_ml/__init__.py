"""cpe-ml: predict properties of composite polymer electrolytes from their formulation.

The package folders follow the data flow:
records (``schema``, ``datasets``) -> ``validation`` -> ``featurizers`` -> ``models`` ->
``evaluation`` / ``tracking`` -> ``prediction``; ``cli`` is a thin typer layer over them.
"""

import os
from importlib.metadata import PackageNotFoundError, version

# Many small XGBoost fits (grouped CV, conformal calibration) on 2 cores: busy-waiting OpenMP threads
# slow every fit several-fold when anything else runs. Set before xgboost loads libgomp; user's value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    __version__ = version("cpe-ml")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+src"


def __getattr__(name: str):
    """``from cpe_ml import CPEModel`` without importing the model stack on ``import cpe_ml``."""
    if name == "CPEModel":
        from cpe_ml.api import CPEModel

        return CPEModel
    raise AttributeError(f"module 'cpe_ml' has no attribute {name!r}")
