"""Faults around the MLflow store: killed trainings leave no RUNNING runs, first trainings do not race."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import mlflow
from mlflow.tracking import MlflowClient

from cpe_ml import tracking

KILLED_TRAINING = textwrap.dedent("""
    import os, signal, sys
    import mlflow
    from cpe_ml import tracking
    tracking.configure(sys.argv[1], "cpe-ml")
    with mlflow.start_run(run_name="train"):
        mlflow.set_tags(tracking.run_tags("catalog", "digest", "paper"))
        with mlflow.start_run(run_name="conductivity", nested=True):
            print("started", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # what `kill -9` does to a training mid-way
""")

FIRST_TRAINING = textwrap.dedent("""
    import sys
    from cpe_ml import tracking
    print(tracking.configure(sys.argv[1], "cpe-ml"))
""")


def test_runs_of_a_killed_training_are_closed_on_the_next_start(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    killed = subprocess.run([sys.executable, "-c", KILLED_TRAINING, uri], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert killed.returncode == -9 and "started" in killed.stdout, killed.stderr[-2000:]
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.get_experiment_by_name("cpe-ml").experiment_id
    before = MlflowClient().search_runs([experiment])
    assert sorted(r.info.status for r in before) == ["RUNNING", "RUNNING"]

    assert tracking.configure(uri, "cpe-ml") == experiment  # the next start
    after = MlflowClient().search_runs([experiment])
    assert sorted(r.info.status for r in after) == ["KILLED", "KILLED"]
    assert tracking.close_abandoned_runs(experiment) == []


def test_a_running_training_is_not_closed(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    experiment = tracking.configure(uri, "cpe-ml")
    with mlflow.start_run(run_name="train") as run:
        mlflow.set_tags(tracking.run_tags("catalog", "digest", "paper"))
        assert tracking.close_abandoned_runs(experiment) == []
        assert MlflowClient().get_run(run.info.run_id).info.status == "RUNNING"


def test_two_first_trainings_in_one_folder_do_not_race_on_the_store(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    starts = [subprocess.Popen([sys.executable, "-c", FIRST_TRAINING, uri], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=tmp_path) for _ in range(3)]
    results = [(p.wait(timeout=180), *p.communicate()) for p in starts]
    assert [code for code, _, _ in results] == [0, 0, 0], [err[-1500:] for _, _, err in results]
    assert len({out.strip() for _, out, _ in results}) == 1  # one experiment, created once
