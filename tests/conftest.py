"""Shared fixtures: models trained once per test session on the real curated data."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from cpe_ml.models.bundle import ModelBundle, load_bundles
from cpe_ml.training import TrainConfig, TrainingSummary, train

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


@dataclass
class TrainedModels:
    """Where the session's models live: bundle directory, MLflow store and the loaded bundles."""

    models_dir: Path
    tracking_uri: str
    summary: TrainingSummary
    bundles: dict[str, ModelBundle]


@pytest.fixture(scope="session", autouse=True)
def isolated_data_home(tmp_path_factory):
    """Caches the package writes (fitted Tg estimator, downloads) go to a session tmp dir, not ~/.cache."""
    previous = os.environ.get("CPE_ML_DATA_HOME")
    os.environ["CPE_ML_DATA_HOME"] = str(tmp_path_factory.mktemp("data_home"))
    yield
    if previous is None:
        os.environ.pop("CPE_ML_DATA_HOME", None)
    else:
        os.environ["CPE_ML_DATA_HOME"] = previous


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory) -> TrainedModels:
    """The three target models trained on data/cpe_literature.csv (3-fold CV) into a session tmp dir."""
    tmp = tmp_path_factory.mktemp("trained")
    tracking_uri = f"sqlite:///{tmp}/mlflow.db"
    with contextlib.chdir(tmp):  # MLflow puts run artifacts under ./mlruns of the working directory
        summary = train(TrainConfig(tracking_uri=tracking_uri, models_dir=tmp / "models", folds=3))
    return TrainedModels(tmp / "models", tracking_uri, summary, load_bundles(tmp / "models"))
