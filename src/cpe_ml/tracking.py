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
from mlflow.types.schema import AnyType
from mlflow.tracking import MlflowClient

from cpe_ml import __version__
from cpe_ml.models.bundle import process_alive
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


def close_abandoned_runs(experiment_id: str) -> list[str]:
    """Mark KILLED the RUNNING runs whose training process (tagged by :func:`run_tags`) is gone, with their children.

    Only runs started on this host are judged (a process id means nothing elsewhere); returns their ids.
    """
    client = MlflowClient()
    running = client.search_runs([experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=1000)
    host = socket.gethostname()
    dead = {r.info.run_id for r in running
            if r.data.tags.get("cpe_ml_host") == host and r.data.tags.get("cpe_ml_pid", "").isdigit()
            and not process_alive(int(r.data.tags["cpe_ml_pid"]))}
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


def input_schema() -> Schema:
    """Every formulation and condition column of the schema, by name, optional: a request gives what it knows.

    Declared ``Any``, not ``double``/``string``: MLflow's schema enforcement refuses an int64 column as
    double (``salt_eo_li_ratio = 16``) and an all-empty text column as string (``pd.read_csv`` reads it as
    float NaN), so a typed signature fails on ordinary DataFrames. The model validates every cell itself
    (numbers as numbers, text as text) and names the row and column of a wrong one.
    """
    from cpe_ml.schema import COLUMNS

    return Schema([ColSpec(AnyType(), c.name, required=False) for c in COLUMNS if c.kind in ("formulation", "condition")])


def typed_request(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s schema input columns as the signature types them: numbers as float, text as str or None."""
    from cpe_ml.schema import COLUMN_BY_NAME

    columns = [spec.name for spec in input_schema().inputs if spec.name in frame]
    typed = pd.DataFrame(index=frame.index)
    for name in columns:
        if COLUMN_BY_NAME[name].dtype == "float":
            typed[name] = pd.to_numeric(frame[name].replace("", None), errors="raise").astype(float)
        else:
            typed[name] = frame[name].astype(object).where(frame[name].notna() & frame[name].astype(str).ne(""), None)
    return typed.reset_index(drop=True)


#: The models-from-code file MLflow logs and runs on load (no cloudpickle of a Python object).
MODEL_CODE = Path(__file__).with_name("pyfunc_model.py")


def log_pyfunc_model(bundle_file: Path, input_example: pd.DataFrame, registered_name: str | None) -> str | None:
    """Log the bundle as a pyfunc model from code (:mod:`cpe_ml.pyfunc_model`) with the typed, all-optional
    :func:`input_schema`; the example shows real rows. Returns the registered version."""
    from cpe_ml.prediction import needs_temperature, validate_candidates

    model = FormulationModel()
    context = type("Context", (), {"artifacts": {"bundle": str(bundle_file)}})()
    model.load_context(context)
    # training rows may omit what a prediction request must state (salt, temperature): show servable rows only
    servable = validate_candidates(input_example, skip_invalid=True,
                                   require_temperature=needs_temperature({model.bundle.target_name: model.bundle})).kept
    # none servable (a lab table without salts): the model is logged without an example and output schema
    input_example = typed_request(input_example.iloc[servable[:3]]) if len(servable) else None
    outputs = None if input_example is None else infer_signature(input_example, model.predict(context, input_example)).outputs
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(MODEL_CODE),
        artifacts={"bundle": str(bundle_file)},
        signature=ModelSignature(inputs=input_schema(), outputs=outputs),
        input_example=input_example,
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


def registered_bundle(uri: str):
    """The cpe-ml bundle of a registered model URI (``models:/cpe-conductivity@champion``, ``models:/NAME/3``)."""
    from cpe_ml.models.bundle import load_bundle

    try:
        local = mlflow.artifacts.download_artifacts(uri)
    except (MlflowException, OSError) as err:
        raise LookupError(f"{uri}: not found in {mlflow.get_tracking_uri()} ({str(err).splitlines()[0][:200]}); "
                          "list registered models with `cpe-ml models list` or train first") from None
    path = next(Path(local).rglob("*.joblib"), None)
    if path is None:
        raise LookupError(f"{uri}: holds no cpe-ml bundle (*.joblib); register models with python train.py")
    bundle = load_bundle(path)  # logged before it was registered: name the version from the URI
    reference = uri.removeprefix("models:/")
    if uri.startswith("models:/") and ("@" in reference or reference.count("/") == 1):
        client = MlflowClient()
        name, alias = reference.split("@", 1) if "@" in reference else (reference, None)
        version = (client.get_model_version_by_alias(name, alias) if alias else client.get_model_version(*name.split("/"))).version
        bundle.registered_name, bundle.registered_version = name.split("/")[0], str(version)
    return bundle


def champion_bundles(models_dir: Path) -> tuple[dict, list[str]]:
    """Each target's registry champion (read from ``models_dir`` when its live bundle is that version, else
    downloaded), a target without a champion from ``models_dir``; with one line per target saying which.

    The registry decides which model is "the model": after a retrain that did not beat the champion,
    ``models_dir`` holds the newer bundle, and the line says how to promote it.
    """
    from cpe_ml.models.bundle import load_bundles, read_manifest
    from cpe_ml.models.targets import TARGETS

    client = MlflowClient()
    manifest = read_manifest(models_dir) if Path(models_dir).is_dir() else None
    entries = manifest["bundles"] if manifest else {}
    bundles, notes = {}, []
    for target in TARGETS.values():
        local = entries.get(target.name, {})
        latest = local.get("registered_version") if local.get("registered_name") == target.registered_name else None
        try:
            champion = client.get_model_version_by_alias(target.registered_name, CHAMPION).version
        except MlflowException:
            champion = None
        if champion is None:
            if target.name in entries:
                bundles.update(load_bundles(models_dir, [target.name]))
                notes.append(f"{target.name}: {models_dir} generation {local.get('generation', '?')} (no registered champion)")
            continue
        if latest == str(champion):
            bundles.update(load_bundles(models_dir, [target.name]))
        else:
            bundles[target.name] = registered_bundle(f"models:/{target.registered_name}/{champion}")
        note = f"{target.name}: {target.registered_name} v{champion} (@{CHAMPION})"
        if latest is not None and latest != str(champion):
            note += (f"; the latest training (v{latest}, in {models_dir}) did not become champion: "
                     f"`cpe-ml models promote {target.registered_name} {latest}` to use it")
        notes.append(note)
    return bundles, notes


def registered_versions() -> pd.DataFrame:
    """Every version of every cpe-ml registered model: aliases, CV MAE, data digest, protocol, run, created."""
    from cpe_ml.models.targets import TARGETS

    client = MlflowClient()
    rows = []
    for target in TARGETS.values():
        versions = client.search_model_versions(f"name = '{target.registered_name}'")
        if not versions:
            continue
        aliases = client.get_registered_model(target.registered_name).aliases  # alias -> version
        for v in sorted(versions, key=lambda v: int(v.version)):
            rows.append({"name": v.name, "version": int(v.version),
                         "aliases": ",".join(sorted(a for a, n in aliases.items() if str(n) == str(v.version))),
                         "cv_mae": float(v.tags["cv_mae"]) if "cv_mae" in v.tags else float("nan"),
                         "unit": target.unit, "cv_protocol": v.tags.get("cv_protocol", ""), "data_digest": v.tags.get("data_digest", ""),
                         "run_id": v.run_id, "created_utc": pd.Timestamp(v.creation_timestamp, unit="ms", tz="UTC").strftime("%Y-%m-%d %H:%M")})
    return pd.DataFrame(rows, columns=["name", "version", "aliases", "cv_mae", "unit", "cv_protocol", "data_digest", "run_id", "created_utc"])


def promote(registered_name: str, version: str) -> str | None:
    """Point ``@champion`` of ``registered_name`` at ``version`` by hand; returns the version it left."""
    client = MlflowClient()
    try:
        client.get_model_version(registered_name, str(version))
    except MlflowException:
        raise LookupError(f"{registered_name} v{version}: no such registered model version in {mlflow.get_tracking_uri()}; "
                          "see `cpe-ml models list`") from None
    try:
        previous = client.get_model_version_by_alias(registered_name, CHAMPION).version
    except MlflowException:
        previous = None
    client.set_registered_model_alias(registered_name, CHAMPION, str(version))
    return None if previous is None else str(previous)
