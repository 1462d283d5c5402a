"""MLflow: one parent run per training, a child run per target, datasets, plots, registered pyfunc models.

Works with the embedded default store (``sqlite:///mlflow.db``, no server needed) and with any tracking
URI, including a remote ``mlflow server``.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.data.sources import LocalArtifactDatasetSource
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature, infer_signature
from mlflow.types import ColSpec, Schema
from mlflow.tracking import MlflowClient

from cpe_ml import __version__
from cpe_ml.schema import SCHEMA_VERSION

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_EXPERIMENT = "cpe-ml"
CHAMPION = "champion"


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def configure(tracking_uri: str, experiment: str) -> str:
    """Point MLflow at the store and experiment; returns the experiment id.

    A new SQLite store is created under a file lock (two first trainings in one folder otherwise race on
    creating its tables: ``duplicate column name: step``), and runs left RUNNING by a killed training of
    this machine are closed as KILLED (:func:`close_abandoned_runs`).
    """
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    with _store_lock(tracking_uri):
        experiment_id = mlflow.set_experiment(experiment).experiment_id
        MlflowClient().search_registered_models(max_results=1)  # creates the registry tables too, under the lock
    close_abandoned_runs(experiment_id)
    return experiment_id


@contextmanager
def _store_lock(tracking_uri: str) -> Iterator[None]:
    """An exclusive lock beside a local SQLite store (``<db>.lock``); other stores need none."""
    if not tracking_uri.startswith("sqlite:///"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    database = Path(tracking_uri.removeprefix("sqlite:///"))
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{database}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def close_abandoned_runs(experiment_id: str) -> list[str]:
    """Mark KILLED the RUNNING runs whose training process (tagged by :func:`run_tags`) is gone, with their children.

    Only runs started on this host are judged (a process id means nothing elsewhere); returns their ids.
    """
    client = MlflowClient()
    running = client.search_runs([experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=1000)
    host = socket.gethostname()
    dead = {r.info.run_id for r in running
            if r.data.tags.get("cpe_ml_host") == host and r.data.tags.get("cpe_ml_pid", "").isdigit()
            and not _process_alive(int(r.data.tags["cpe_ml_pid"]))}
    closed = sorted(dead | {r.info.run_id for r in running if r.data.tags.get("mlflow.parentRunId") in dead})
    for run_id in closed:
        client.set_terminated(run_id, status="KILLED")
    return closed


def run_tags(catalog_version: str, data_digest: str, protocol: str) -> dict[str, str]:
    return {
        "git_commit": git_commit(),
        "cpe_ml_version": __version__,
        "catalog_version": catalog_version,
        "schema_version": SCHEMA_VERSION,
        "data_digest": data_digest,
        "cv_protocol": protocol,
        "cpe_ml_host": socket.gethostname(),  # with the pid: a later start can tell this run was killed
        "cpe_ml_pid": str(os.getpid()),
    }


def log_dataset(frame: pd.DataFrame, name: str, source: str, target_column: str | None = None, context: str = "training") -> None:
    """Record the exact training table (digest, schema, source) as an MLflow dataset input."""
    dataset = mlflow.data.from_pandas(frame, source=LocalArtifactDatasetSource(source), name=name, targets=target_column)
    mlflow.log_input(dataset, context=context)


class FormulationModel(mlflow.pyfunc.PythonModel):
    """MLflow pyfunc over a cpe-ml bundle: raw formulation rows in, predictions out (featurization inside)."""

    def load_context(self, context) -> None:
        from cpe_ml.models.bundle import load_bundle

        self.bundle = load_bundle(context.artifacts["bundle"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        """Predictions for valid rows; any invalid row refuses the request with every problem named
        (HTTP 400 from ``mlflow models serve``, message without a stack trace)."""
        from cpe_ml.prediction import predict_formulations

        frame = serving_frame(model_input)
        try:
            result = predict_formulations(frame, {self.bundle.target_name: self.bundle}, explain=False)
        except ValueError as err:  # invalid rows, column errors: the client's to fix
            raise MlflowException.invalid_parameter_value(str(err)) from None
        added = [c for c in result.predictions.columns if c not in frame.columns]
        return result.predictions[added].reset_index(drop=True)


#: Rows per request the served model accepts (env ``CPE_ML_SERVING_MAX_ROWS``); larger batches: ``cpe-ml predict``.
SERVING_MAX_ROWS = 10_000


def serving_frame(model_input) -> pd.DataFrame:
    """The request rows as a frame, or MlflowException (HTTP 400): no rows, too many, empty rows, unknown keys."""
    import difflib
    import os

    from cpe_ml.io import TableReadError, records_frame
    from cpe_ml.schema import COLUMN_BY_NAME

    try:
        frame = records_frame(model_input, "request") if isinstance(model_input, list | dict) else pd.DataFrame(model_input)
    except TableReadError as err:
        raise MlflowException.invalid_parameter_value(str(err)) from None
    limit = int(os.environ.get("CPE_ML_SERVING_MAX_ROWS", SERVING_MAX_ROWS))
    example = '[{"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": 16, "temperature_c": 60}]'
    if not len(frame):
        raise MlflowException.invalid_parameter_value(f"request: no rows; send dataframe_records like {example}")
    if not len(frame.columns):  # the scoring server drops keys outside the signature before the model sees them
        raise MlflowException.invalid_parameter_value(f"request: no known key in any row (unknown keys are dropped); send schema columns like {example}")
    for column in frame.columns:  # JSON true/false: pandas would read true as the number 1
        flags = frame[column].map(lambda v: isinstance(v, bool)).to_numpy(dtype=bool)
        if flags.any():
            row = int(flags.nonzero()[0][0])
            raise MlflowException.invalid_parameter_value(
                f"request: row {row + 1}, key {column!r}: {str(frame[column].iloc[row]).lower()} is not a value; write a number or text")
    if len(frame) > limit:
        raise MlflowException.invalid_parameter_value(f"request: {len(frame):,} rows, above the limit of {limit:,} per request "
                                                      "(CPE_ML_SERVING_MAX_ROWS); split it or use cpe-ml predict")
    unknown = [str(c) for c in frame.columns if c not in COLUMN_BY_NAME]
    if unknown:
        hints = [f"{c!r}" + "".join(f" (did you mean {m!r}?)" for m in difflib.get_close_matches(c.lower(), list(COLUMN_BY_NAME), n=1, cutoff=0.75))
                 for c in unknown]
        raise MlflowException.invalid_parameter_value(f"request: unknown key(s) {', '.join(hints)}; keys are schema columns (README)")
    blank = frame.astype(object).where(frame.notna(), "").astype(str).apply(lambda c: c.str.strip().eq("")).all(axis=1)
    if blank.any():
        rows = ", ".join(str(i + 1) for i in blank.to_numpy().nonzero()[0][:10])
        raise MlflowException.invalid_parameter_value(f"request: row(s) {rows} are empty; every row needs a polymer, a salt and a temperature")
    return frame


def log_pyfunc_model(bundle_file: Path, input_example: pd.DataFrame, registered_name: str | None) -> str | None:
    """Log the bundle as a pyfunc model (signature from a real example); returns the registered version."""
    from cpe_ml.prediction import needs_temperature, validate_candidates

    model = FormulationModel()
    context = type("Context", (), {"artifacts": {"bundle": str(bundle_file)}})()
    model.load_context(context)
    # training rows may omit what a prediction request must state (salt, temperature): show servable rows only
    servable = validate_candidates(input_example, skip_invalid=True,
                                   require_temperature=needs_temperature({model.bundle.target_name: model.bundle})).kept
    if not len(servable):
        raise ValueError("no training row of this target is a complete prediction request (polymer, salt, temperature) "
                         "to serve as the model's input example")
    input_example = input_example.iloc[servable[:3]].reset_index(drop=True)
    output = model.predict(context, input_example)
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=model,
        artifacts={"bundle": str(bundle_file)},
        signature=ModelSignature(
            inputs=Schema([ColSpec("string", name, required=False) for name in input_example.columns]),
            outputs=infer_signature(input_example.astype(str), output).outputs,
        ),
        input_example=input_example.astype(str),
        registered_model_name=registered_name,
        pip_requirements=["cpe-ml", "xgboost", "scikit-learn", "pandas", "rdkit", "mlflow", "joblib"],
    )
    return None if info.registered_model_version is None else str(info.registered_model_version)


def promote_champion(registered_name: str, version: str, cv_mae: float, data_digest: str, protocol: str) -> tuple[bool, str]:
    """Move the ``champion`` alias to ``version`` only if it beats the champion on the same data and protocol.

    Returns (moved, reason). A champion trained on other data or another CV protocol is not comparable:
    it stays, and the reason says so.
    """
    client = MlflowClient()
    # full precision: a rounded tag made a re-run with identical metrics "beat" its own champion
    for key, value in (("cv_mae", repr(float(cv_mae))), ("data_digest", data_digest), ("cv_protocol", protocol)):
        client.set_model_version_tag(registered_name, version, key, value)
    try:
        current = client.get_model_version_by_alias(registered_name, CHAMPION)
    except MlflowException:
        client.set_registered_model_alias(registered_name, CHAMPION, version)
        return True, "first champion"
    tags = current.tags
    if tags.get("data_digest") != data_digest or tags.get("cv_protocol") != protocol:
        return False, f"champion v{current.version} was evaluated on other data or protocol; not comparable"
    if cv_mae < float(tags.get("cv_mae", "inf")):
        client.set_registered_model_alias(registered_name, CHAMPION, version)
        return True, f"CV MAE {cv_mae:.4g} < champion v{current.version} {float(tags['cv_mae']):.4g}"
    return False, f"CV MAE {cv_mae:.4g} does not beat champion v{current.version} {float(tags['cv_mae']):.4g}"
