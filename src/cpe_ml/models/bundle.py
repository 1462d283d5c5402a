"""Self-contained model bundle per target: everything a prediction needs, saved atomically."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpe_ml import __version__
from cpe_ml.catalog import load_catalog
from cpe_ml.featurizers.formulation import FormulationFeaturizer
from cpe_ml.models.domain import ApplicabilityDomain
from cpe_ml.models.interval import IntervalRegressor
from cpe_ml.models.targets import TARGETS, Target
from cpe_ml.safe_pickle import safe_load
from cpe_ml.schema import SCHEMA_VERSION
from cpe_ml.storage import atomic_dump

BUNDLE_FORMAT = 1


@dataclass
class ModelBundle:
    """A trained target model with its featurizer, domain and the facts needed to trust it later."""

    target_name: str
    model: IntervalRegressor
    featurizer: FormulationFeaturizer
    domain: ApplicabilityDomain
    data_digest: str
    cv_protocol: str
    cv_metrics: dict[str, float]
    n_train: int
    catalog_version: str = field(default_factory=lambda: load_catalog().version)
    schema_version: str = SCHEMA_VERSION
    package_version: str = __version__
    bundle_format: int = BUNDLE_FORMAT

    @property
    def target(self) -> Target:
        return TARGETS[self.target_name]

    @property
    def feature_names(self) -> list[str]:
        return list(self.featurizer.get_feature_names_out())

    def feature_ranges(self) -> pd.DataFrame:
        return pd.DataFrame({"feature": self.feature_names, "min": self.domain.low_, "max": self.domain.high_})


def bundle_path(directory: str | os.PathLike, target_name: str) -> Path:
    return Path(directory) / f"{target_name}.joblib"


def save_bundle(bundle: ModelBundle, directory: str | os.PathLike) -> Path:
    """Write to a temporary file in the same directory, then rename: an interrupted run never leaves a broken bundle."""
    return atomic_dump(bundle, bundle_path(directory, bundle.target_name))


def load_bundle(path: str | os.PathLike) -> ModelBundle:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model bundle at {path}; train first with `python train.py` (writes models/*.joblib)")
    bundle = safe_load(path)  # not joblib.load: a planted file must not run code (cpe_ml.safe_pickle)
    if not isinstance(bundle, ModelBundle) or bundle.bundle_format != BUNDLE_FORMAT:
        raise ValueError(f"{path} is not a cpe-ml model bundle of format {BUNDLE_FORMAT}; retrain with this version")
    if bundle.schema_version != SCHEMA_VERSION:
        raise ValueError(f"{path} was trained on schema {bundle.schema_version}, this cpe-ml reads {SCHEMA_VERSION}; retrain")
    return bundle


def load_bundles(directory: str | os.PathLike, targets: list[str] | None = None) -> dict[str, ModelBundle]:
    """All bundles present in ``directory`` (or the named ones, which must exist)."""
    names = targets or [t for t in TARGETS if bundle_path(directory, t).is_file()]
    if not names:
        raise FileNotFoundError(f"no model bundles in {directory}; train first with `python train.py`")
    return {name: load_bundle(bundle_path(directory, name)) for name in names}


def feature_matrix(bundle_or_featurizer, frame: pd.DataFrame) -> np.ndarray:
    featurizer = bundle_or_featurizer.featurizer if isinstance(bundle_or_featurizer, ModelBundle) else bundle_or_featurizer
    return featurizer.transform(frame).astype(np.float32)
