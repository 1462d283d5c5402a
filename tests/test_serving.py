"""Serving: the registered pyfunc answers raw formulation JSON under ``mlflow models serve``."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from cpe_ml.prediction import predict_formulations

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
STARTUP_LIMIT_S = 180


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, payload: dict | None = None, timeout: float = 60) -> bytes:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def _wait_until_up(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mlflow models serve exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            _request(url + "/ping", timeout=5)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    pytest.fail(f"mlflow models serve did not answer /ping within {STARTUP_LIMIT_S} s:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_served_champion_answers_raw_formulation_json(trained_models, tmp_path):
    uri = "models:/cpe-conductivity@champion"
    mlflow.set_tracking_uri(trained_models.tracking_uri)
    (row,) = mlflow.models.get_model_info(uri).signature.inputs.inputs  # one object per request row
    assert not any(column.required for column in row.type.properties)  # raw rows may omit any column
    records = json.loads((EXAMPLES / "candidates.json").read_text())[:4]
    payload = {"inputs": records}  # a model typed by its predict's row type takes "inputs", not "dataframe_records"

    port = _free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": trained_models.tracking_uri,
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}  # uvicorn lives in the venv
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "models", "serve", "-m", uri, "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
            stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(server, url, log)
        answer = json.loads(_request(url + "/invocations", payload))["predictions"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the uvicorn worker it started, nothing else
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)

    served = pd.DataFrame(answer)
    expected = predict_formulations(pd.DataFrame(records), {"conductivity": trained_models.bundles["conductivity"]}, explain=False).predictions
    assert len(served) == len(records)
    for column in ("pred_conductivity", "pred_conductivity_lo", "pred_conductivity_hi", "pred_conductivity_s_cm"):
        np.testing.assert_allclose(served[column].to_numpy(dtype=float), expected[column].to_numpy(dtype=float), rtol=1e-6)
    assert list(served["confidence"]) == list(expected["confidence"])
