"""A real `mlflow server` works as the tracking store (slow: starts a server on 127.0.0.1)."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from cpe_ml.training import TrainConfig, train

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{tmp_path}/server.db", "--artifacts-destination", str(tmp_path / "artifacts"),
         "--workers", "1"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):  # bounded wait: at most ~60 s
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mlflow server did not start within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_training_logs_and_registers_on_a_remote_server(server, tmp_path):
    summary = train(TrainConfig(tracking_uri=server, models_dir=tmp_path / "models", folds=3,
                                targets=["voltage_window"], xgb_params={"n_estimators": 60}))
    client = MlflowClient(tracking_uri=server, registry_uri=server)
    run = client.get_run(summary.results[0].run_id)
    assert run.data.metrics["cv_mae_v"] > 0 and "Known limits" in run.data.tags["mlflow.note.content"]
    assert "parity.png" in {a.path for a in client.list_artifacts(run.info.run_id)}
    assert str(client.get_model_version_by_alias("cpe-voltage-window", "champion").version) == "1"
    assert any(Path(tmp_path / "artifacts").rglob("*.joblib"))
