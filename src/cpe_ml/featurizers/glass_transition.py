"""Glass transition of the host polymer: stated where a source gives it, estimated from structure otherwise.

Why: Li+ moves with the polymer's segmental motion, so the distance above the glass transition, T - Tg,
is the temperature scale that carries over from one polymer to another (Vogel-Tammann-Fulcher). The
catalog states Tg for a few dozen electrolyte hosts; a screening candidate or a public-table polymer
usually has none, which left T - Tg empty for 215 of the 223 polymers of Bradford et al.'s table (62 % of
its rows). Here every host gets a Tg, in this order (the reference table adds 10 of those 223 polymers):

1. the catalog's sourced value (curated for electrolyte hosts; looked up by name);
2. the experimental Tg of the same canonical repeat unit in the reference table
   (``catalog/data/polymer_tg_reference.csv``: 315 polymers of Bicerano's handbook set as published in the
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

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.chemistry.repeat_unit import RepeatUnitError, canonical_repeat_unit
from cpe_ml.featurizers.base import Featurizer, per_distinct
from cpe_ml.featurizers.polymer import repeat_unit_descriptors
from cpe_ml.featurizers.polymer_physics import transport_descriptors

REFERENCE_FILE = "polymer_tg_reference.csv"
KELVIN = 273.15


@lru_cache(maxsize=1)
def tg_reference() -> pd.DataFrame:
    """The reference table with a ``canonical`` repeat unit per row; ``canonical`` is empty where the
    published SMILES is not a two-ended repeat unit (two polysilanes with both ends on one Si, and one
    malformed SMILES), and ``problem`` says why."""
    with (resources.files("cpe_ml.catalog") / "data" / REFERENCE_FILE).open(encoding="utf-8") as handle:
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
    """Descriptors of one canonical repeat unit: the polymer block's (64-bit Morgan counts included) and the
    polymer-physics block's backbone flexibility, side-chain and polarity descriptors."""
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

    from cpe_ml.chemistry import repeat_unit
    from cpe_ml.featurizers import polymer, polymer_physics

    digest = hashlib.sha256(f"{rdkit_version}|{xgb.__version__}".encode())
    digest.update((resources.files("cpe_ml.catalog") / "data" / REFERENCE_FILE).read_bytes())
    for module in (repeat_unit, polymer, polymer_physics, sys.modules[__name__]):
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
    from cpe_ml.datasets._fetch import get_data_home
    from cpe_ml.storage import atomic_dump

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
def _structure_tg_k(canonical: str) -> tuple[float, bool]:
    """(Tg in K, measured) from the reference table, or the estimator's value."""
    measured = _measured_tg_k()
    if canonical in measured:
        return measured[canonical], True
    return float(reference_estimator().predict([canonical])[0]), False


def host_glass_transition_c(name: str, canonical: str, catalog: Catalog) -> tuple[float, float]:
    """(Tg in C, 1.0 if a source states it else 0.0) of a host polymer; (NaN, 0.0) without a polymer."""
    stated = catalog.property("polymer", name, "tg_c") if name else None
    if stated is not None:
        return float(stated), 1.0
    if not canonical:
        return float("nan"), 0.0
    tg_k, measured = _structure_tg_k(canonical)
    return tg_k - KELVIN, float(measured)


class GlassTransitionFeaturizer(Featurizer):
    """Glass transition of the host polymer for every polymer: stated (catalog, reference table) or estimated.

    Features:
        tg_c: Tg in C (catalog value, else the reference table's experimental value for the same repeat
            unit, else :class:`GlassTransitionEstimator`'s estimate);
        tg_measured: 1 when a source states that Tg, 0 when it is an estimate.
    The main polymer's Tg is used for blends (a blend's Tg is not a weighted mean of its parts).

    References:
        Afzal et al., ACS Appl. Polym. Mater. 2021, 3, 620 (the experimental Tg table, Bicerano's set).
        Ratner, Shriver, Chem. Rev. 1988, 88, 109 (conduction coupled to segmental motion above Tg).
    """

    input_columns = ("polymer", "polymer_canonical_smiles")

    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog

    def feature_labels(self) -> list[str]:
        return ["tg_c", "tg_measured"]

    def citations(self) -> list[str]:
        return ["10.1021/acsapm.0c00524", "10.1021/cr00083a006"]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        catalog = self.catalog or load_catalog()
        return per_distinct(frame, self.input_columns, lambda key: host_glass_transition_c(*key, catalog), 2)
