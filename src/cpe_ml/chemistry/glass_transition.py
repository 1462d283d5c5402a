"""Glass transition of a polymer from its repeat unit: measured where a reference gives it, estimated otherwise.

Why: Li+ moves with the polymer's segmental motion, so the distance above the glass transition, T - Tg,
is the temperature scale that carries over from one polymer to another (Vogel-Tammann-Fulcher). The
catalog states Tg for a few dozen electrolyte hosts; a screening candidate or a public-table polymer
usually has none, which left T - Tg empty for 215 of the 223 polymers of Bradford et al.'s table (62 % of
its rows). :mod:`cpe_ml.featurizers.glass_transition` gives every host a Tg, in this order (the reference
table adds 10 of those 223 polymers):

1. the catalog's sourced value (curated for electrolyte hosts; looked up by name);
2. the experimental Tg of the same canonical repeat unit in the reference table
   (``cpe_ml/catalog/data/polymer_tg_reference.csv``: 315 polymers of Bicerano's handbook set as published in the
   Supporting Information of Afzal et al., ACS Appl. Polym. Mater. 2021, doi:10.1021/acsapm.0c00524);
3. an estimate by :class:`GlassTransitionEstimator`, a gradient-boosted regressor trained on that table
   with the same repeat-unit descriptors the conductivity model uses (5- and 10-fold CV MAE 23 K on the 311
   distinct repeat units, 20 K below 300 K, against 93 K for guessing the mean;
   ``tests/test_glass_transition.py`` keeps it under 30 K).

The table is reference knowledge, not training data of the conductivity model: it holds no conductivity
and no electrolyte, so it cannot leak a held-out polymer's conductivity into a benchmark.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.base import BaseEstimator, RegressorMixin

from cpe_ml.chemistry.polymer_descriptors import repeat_unit_descriptors
from cpe_ml.chemistry.polymer_transport import transport_descriptors
from cpe_ml.chemistry.repeat_unit import RepeatUnitError, canonical_repeat_unit
from cpe_ml.storage import atomic_dump, get_data_home

#: The reference table ships with the catalog data (documented in its SOURCES.md); read as a file, so
#: chemistry does not import the catalog package above it.
REFERENCE_FILE = resources.files("cpe_ml") / "catalog" / "data" / "polymer_tg_reference.csv"
KELVIN = 273.15


@lru_cache(maxsize=1)
def tg_reference() -> pd.DataFrame:
    """The reference table with a ``canonical`` repeat unit per row; ``canonical`` is empty where the
    published SMILES is not a two-ended repeat unit (two polysilanes with both ends on one Si, and one
    malformed SMILES), and ``problem`` says why."""
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle)
    canonical, problems = [], []
    for smiles in table["smiles_source"]:
        try:
            canonical.append(canonical_repeat_unit(smiles))
            problems.append("")
        except (RepeatUnitError, ValueError) as error:
            canonical.append("")
            problems.append(str(error).splitlines()[0])
    return table.assign(canonical=canonical, problem=problems)


def tg_descriptors(canonical: str) -> np.ndarray:
    """Descriptors of one canonical repeat unit: its repeat-unit descriptors (64-bit Morgan counts included)
    and its backbone flexibility, side-chain and polarity (transport) descriptors."""
    return np.array([*repeat_unit_descriptors(canonical, 64), *transport_descriptors(canonical)], dtype=float)


class GlassTransitionEstimator(RegressorMixin, BaseEstimator):
    """Tg (K) of a polymer from its canonical repeat unit: XGBoost on :func:`tg_descriptors`.

    Small-data settings for ~300 polymers (depth-4 trees, row and column subsampling); one thread and a
    fixed seed, so the estimate of a polymer never changes between runs.
    """

    def __init__(self, n_estimators: int = 400, learning_rate: float = 0.03, max_depth: int = 4, random_state: int = 0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, units: Sequence[str], tg_k: Sequence[float]) -> GlassTransitionEstimator:
        self.model_ = xgb.XGBRegressor(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate, max_depth=self.max_depth,
            subsample=0.8, colsample_bytree=0.5, min_child_weight=2, n_jobs=1, random_state=self.random_state,
        ).fit(np.vstack([tg_descriptors(u) for u in units]), np.asarray(tg_k, dtype=float))
        return self

    def predict(self, units: Sequence[str]) -> np.ndarray:
        return self.model_.predict(np.vstack([tg_descriptors(u) for u in units])).astype(float)


@lru_cache(maxsize=1)
def _measured_tg_k() -> dict[str, float]:
    """Reference Tg (K) per canonical repeat unit (the mean where the table lists a unit twice)."""
    table = tg_reference()
    return table[table["canonical"] != ""].groupby("canonical")["tg_k"].mean().to_dict()


def estimator_cache_key() -> str:
    """Digest of everything the fitted reference estimator depends on: the table, the code that turns a
    repeat unit into descriptors and fits, and the RDKit / XGBoost versions."""
    from rdkit import __version__ as rdkit_version

    from cpe_ml.chemistry import polymer_descriptors, polymer_transport, repeat_unit

    digest = hashlib.sha256(f"{rdkit_version}|{xgb.__version__}".encode())
    digest.update(REFERENCE_FILE.read_bytes())
    for module in (repeat_unit, polymer_descriptors, polymer_transport, sys.modules[__name__]):
        digest.update(Path(inspect.getsourcefile(module)).read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def reference_estimator() -> GlassTransitionEstimator:
    """The estimator fitted on the whole reference table.

    Fitting needs RDKit descriptors of ~310 polymers (~3 s), so the fitted estimator is cached in
    ``$CPE_ML_DATA_HOME`` (default ``~/.cache/cpe-ml``) under :func:`estimator_cache_key`: any change to the
    table, the descriptor code or the library versions makes a new key, so a stale fit is never read. An
    unreadable or unwritable cache only costs the refit.
    """
    path = get_data_home() / f"tg_estimator-{estimator_cache_key()}.joblib"
    try:
        cached = joblib.load(path)
        if isinstance(cached, GlassTransitionEstimator):
            return cached
    except Exception:  # missing, truncated or written by an incompatible library: refit below
        pass
    measured = _measured_tg_k()
    estimator = GlassTransitionEstimator().fit(list(measured), list(measured.values()))
    try:
        atomic_dump(estimator, path)
    except OSError:  # read-only home: keep the in-memory fit
        pass
    return estimator


@lru_cache(maxsize=65536)
def structure_tg_k(canonical: str) -> tuple[float, bool]:
    """(Tg in K, measured) from the reference table, or the estimator's value."""
    measured = _measured_tg_k()
    if canonical in measured:
        return measured[canonical], True
    return float(reference_estimator().predict([canonical])[0]), False
