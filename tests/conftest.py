"""Shared fixtures: models trained once per test session on the real curated data."""

from __future__ import annotations

import contextlib
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


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory) -> TrainedModels:
    """The three target models trained on data/cpe_literature.csv (3-fold CV) into a session tmp dir."""
    tmp = tmp_path_factory.mktemp("trained")
    tracking_uri = f"sqlite:///{tmp}/mlflow.db"
    with contextlib.chdir(tmp):  # MLflow puts run artifacts under ./mlruns of the working directory
        summary = train(TrainConfig(tracking_uri=tracking_uri, models_dir=tmp / "models", folds=3))
    return TrainedModels(tmp / "models", tracking_uri, summary, load_bundles(tmp / "models"))
