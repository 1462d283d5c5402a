"""MLflow: one parent run per training, a child run per target, datasets, plots, registered pyfunc models.

Works with the embedded default store (``sqlite:///mlflow.db``, no server needed) and with any tracking
URI, including a remote ``mlflow server``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import mlflow
import numpy as np
import pandas as pd
import pydantic
from mlflow.data.sources import LocalArtifactDatasetSource
from mlflow.exceptions import MlflowException
from mlflow.types import ColSpec, Schema
from mlflow.tracking import MlflowClient

from cpe_ml import __version__
from cpe_ml.models.bundle import process_alive
from cpe_ml.schema import SCHEMA_VERSION
from cpe_ml.storage import DEFAULT_TRACKING_URI

if TYPE_CHECKING:
    from cpe_ml.evaluation.cv import CVResult
    from cpe_ml.models.targets import Target

DEFAULT_EXPERIMENT = "cpe-ml"
CHAMPION = "champion"
#: The tag the MLflow UI shows as the description of a run or an experiment (markdown).
NOTE_TAG = "mlflow.note.content"
#: MLflow 3 experiment types (the ``mlflow.experimentKind`` experiment tag): ``custom_model_development`` is
#: "Machine learning", shown with runs first; an untyped experiment is offered as GenAI (traces) first.
EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND = "mlflow.experimentKind", "custom_model_development"
#: The UI address that opens an experiment on its runs: the MLflow 3.18 UI takes its view (GenAI or machine
#: learning) from a sidebar switch kept in the browser, GenAI by default, or from this query; not from the tag.
RUNS_PAGE = "#/experiments/{experiment_id}/runs?workflowType=machine_learning"


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def configure(tracking_uri: str, experiment: str, description: str | None = None) -> str:
    """Point MLflow at the store and experiment; returns the experiment id.

    A new SQLite store is created under a file lock (two first trainings in one folder otherwise race on
    creating its tables: ``duplicate column name: step``), and runs left RUNNING by a killed training of
    this machine are closed as KILLED (:func:`close_abandoned_runs`). The experiment is typed as model
    training and given ``description`` unless it already has a type or a description (a user's own stays).
    """
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    with _store_lock(tracking_uri):
        found = mlflow.set_experiment(experiment)
        MlflowClient().search_registered_models(max_results=1)  # creates the registry tables too, under the lock
        for key, value in ((EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND), (NOTE_TAG, description)):
            if value and not found.tags.get(key):
                MlflowClient().set_experiment_tag(found.experiment_id, key, value)
    experiment_id = found.experiment_id
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


def metric_unit(unit: str) -> str:
    """A target unit as a metric-name suffix: ``log10 S/cm`` -> ``log10_s_cm``, ``V`` -> ``v``, ``%`` -> ``pct``."""
    return re.sub(r"[^a-z0-9]+", "_", unit.replace("%", "pct").lower()).strip("_")


def cv_metrics(cv: CVResult, unit: str) -> dict[str, float]:
    """A target's CV figures as MLflow metrics, each name ending in its unit (fractions logged as ``_pct``).

    ``cv_``: the model on held-out groups; ``baseline_<name>_``: each baseline on the same folds;
    ``ad_<bin>_``: per error bin (easy/typical/hard); ``confidence_<label>_``: held-out rows per confidence
    label; ``cv_curated_`` / ``cv_curated_filler_``: the curated
    composite rows (with a filler); ``noise_floor_``: the scatter of one formulation across sources.
    """
    u = metric_unit(unit)
    model = cv.metrics["model"]
    out = {f"cv_mae_{u}": model["mae"], f"cv_rmse_{u}": model["rmse"], "cv_r2": model["r2"], "cv_spearman": model["spearman"],
           "cv_interval_coverage_pct": 100 * model["interval_coverage"], f"cv_interval_width_{u}": model["interval_width"],
           "cv_skill_pct": 100 * cv.skill, "cv_skill_lower_90_pct": 100 * model.get("skill_lower_90", np.nan)}
    out |= {f"baseline_{name}_mae_{u}": values["mae"] for name, values in cv.metrics.items() if name != "model"}
    for scope, values in cv.extra.items():
        if scope.startswith("ad_bin_"):
            name = scope.removeprefix("ad_bin_")
            out |= {f"ad_{name}_mae_{u}": values["mae"], f"ad_{name}_interval_coverage_pct": 100 * values["interval_coverage"]}
        elif scope == "noise_floor":
            out |= {f"noise_floor_sd_{u}": values["sd"], "noise_floor_groups": values["n_groups"]}
        elif scope == "confidence_ratio":
            out["confidence_high_over_low_mae"] = values["high_over_low_mae"]
        elif scope.startswith("confidence_"):  # held-out rows per confidence label
            out |= {f"{scope}_mae_{u}": values["mae"], f"{scope}_rows": values["n"]}
        else:  # row subsets (curated, curated_filler)
            out |= {f"cv_{scope}_mae_{u}": values["mae"], f"cv_{scope}_rows": values["n"]}
    return {key: _4g(value) for key, value in out.items() if np.isfinite(value)}


def _4g(value: float) -> float:
    """A logged metric: a float to 4 significant digits (more is noise in a CV figure, and unreadable in the UI);
    counts stay exact."""
    return float(value) if float(value).is_integer() else float(f"{value:.4g}")


def fold_metrics(cv: CVResult, unit: str) -> list[tuple[int, dict[str, float]]]:
    """Per CV fold (the MLflow step): rows held out, the model's MAE, R2 and coverage, the best baseline's MAE."""
    u, best = metric_unit(unit), cv.best_baseline
    steps = []
    for record in cv.fold_metrics.to_dict("records"):
        values = {"fold_test_rows": record["n_test"], f"fold_mae_{u}": record["mae"], "fold_r2": record["r2"],
                  "fold_interval_coverage_pct": 100 * record["interval_coverage"], f"fold_best_baseline_mae_{u}": record[f"{best}_mae"]}
        steps.append((int(record["fold"]), {key: _4g(value) for key, value in values.items() if np.isfinite(value)}))
    return steps


#: How each ``--cv`` protocol holds rows out, and what its groups are.
PROTOCOLS = {"paper": ("whole source papers held out (rows without a source: by dataset and polymer)", "source papers"),
             "polymer": ("whole host polymers held out", "host polymers"),
             "random": ("rows split at random: leaky (rows of one paper sit in train and test folds), for comparison only", "rows")}


def _g(value: float) -> str:
    """A figure as read in a description: three significant digits."""
    return f"{value:.3g}"


def _pct(fraction: float, sign: str = "") -> str:
    return f"{100 * fraction:{sign}.0f} %"


def _baseline_label(name: str) -> str:
    label = {"global_mean": "global mean", "polymer_mean": "per-polymer mean", "ridge": "ridge on the same features"}
    base = name.removesuffix("_model_scale")
    return label.get(base, base.replace("_", " ")) + (" (fitted on the model scale)" if name.endswith("_model_scale") else "")


def model_card(target: Target, rows: pd.DataFrame, cv: CVResult, protocol: str, n_groups: int, data_digest: str,
               limits: tuple[str, ...] = ()) -> str:
    """A target's model card in markdown (the run's and the model version's MLflow description): the data,
    the CV figures against the baselines on the same folds, the skill, interval coverage and known limits."""
    unit, model = target.unit, cv.metrics["model"]
    how, groups = PROTOCOLS[protocol]
    datasets = rows["dataset"].value_counts() if "dataset" in rows else pd.Series({"table": len(rows)})
    lines = [f"**{target.label}** of a composite polymer electrolyte from its formulation, with an 80 % interval and "
             "applicability-domain flags.", "",
             f"**Data**: {len(rows):,} rows with `{target.column}` in {n_groups:,} {groups} ("
             + ", ".join(f"{name} {count:,}" for name, count in datasets.items()) + f"); data digest `{data_digest}`.", "",
             f"**Evaluation**: {len(cv.fold_metrics)}-fold CV, {how}; model and baselines on the same folds, in {unit}:", "",
             f"- **model**: MAE **{_g(model['mae'])}**, RMSE {_g(model['rmse'])}, R² {model['r2']:.2f}"]
    lines += [f"- {_baseline_label(name)}: MAE {_g(m['mae'])}, RMSE {_g(m['rmse'])}, R² {m['r2']:.2f}"  # best first
              for name, m in sorted(cv.metrics.items(), key=lambda item: item[1]["mae"]) if name != "model"]
    best = cv.metrics[cv.best_baseline]["mae"]
    lines += ["", f"**Skill** {_pct(cv.skill, '+')} = 1 - MAE / MAE(best baseline: {_baseline_label(cv.best_baseline)}, {_g(best)} {unit})"
              + ("." if cv.beats_best_baseline else ": **no skill**, the model does not beat that baseline on held-out "
                 f"{groups}; do not use it to rank formulations.")
              + (f" 90 % lower bound {_pct(model['skill_lower_90'], '+')} (held-out groups resampled)"
                 + ("." if cv.skill_demonstrated else ": the skill could be chance, so every prediction is labelled low confidence.")
                 if "skill_lower_90" in model and cv.beats_best_baseline else ""), ""]
    bins = {k.removeprefix("ad_bin_"): v for k, v in cv.extra.items() if k.startswith("ad_bin_")}
    lines += [f"**80 % interval** covers {_pct(model['interval_coverage'])} of held-out rows (mean width "
              f"{_g(model['interval_width'])} {unit}); by error bin: " + ", ".join(
                  f"{name} {_pct(v['interval_coverage'])} (MAE {_g(v['mae'])}, {int(v['n']):,} rows)" for name, v in bins.items()) + "."]
    labels = {k.removeprefix("confidence_"): v for k, v in cv.extra.items() if k in ("confidence_high", "confidence_medium", "confidence_low")}
    if labels:
        lines += ["", "**Confidence labels on held-out rows** (the rules prediction applies): " + ", ".join(
            f"{name} MAE {_g(v['mae'])} ({int(v['n']):,} rows)" for name, v in labels.items()) + "."]
    subsets = {k: v for k, v in cv.extra.items() if k in ("curated", "curated_filler")}
    if subsets:
        lines += ["", "**Curated composite rows** (scored apart from the public filler-free rows): " + ", ".join(
            f"{'all' if k == 'curated' else 'with a filler'} MAE {_g(v['mae'])} ({int(v['n']):,} rows)" for k, v in subsets.items()) + "."]
    if "noise_floor" in cv.extra:
        floor = cv.extra["noise_floor"]
        lines += ["", f"**Noise floor** {_g(floor['sd'])} {unit}: median SD of one formulation reported by different sources "
                  f"({int(floor['n_groups']):,} groups); no model scored on unseen papers can beat it."]
    known = list(limits)
    if protocol == "random":
        known.insert(0, "Random CV: the figures above are optimistic.")
    if n_groups < 10 and protocol != "random":
        known.insert(0, f"Only {n_groups} {groups}: every CV figure above rests on few held-out groups.")
    known += [f"Intervals under-cover in the `{name}` bin: {_pct(v['interval_coverage'])} of its held-out rows inside the 80 % band."
              for name, v in bins.items() if v["interval_coverage"] < 0.7]
    if known:
        lines += ["", "**Known limits**", *(f"- {limit}" for limit in known)]
    return "\n".join(lines)


def _request_columns() -> dict[str, type]:
    """The columns a prediction request may give (every formulation and condition column) and their types."""
    from cpe_ml.schema import COLUMNS

    return {c.name: float if c.dtype == "float" else str for c in COLUMNS if c.kind in ("formulation", "condition")}


def _as_given(value, handler):
    """A request cell as the client sent it: the model's own validation checks it (see :data:`FormulationRow`)."""
    return value


#: One request row, the type of :meth:`FormulationModel.predict`'s input: MLflow logs the model's signature
#: from it (numbers ``double``, text ``string``, every column optional) and, instead of its column-type
#: enforcement (which refuses an int64 column as double and an all-empty column, float NaN, as string),
#: turns a DataFrame into these rows (NaN -> None). Cells pass through unchanged (``_as_given``):
#: :func:`serving_frame` and the formulation validation check them and name the row and column of a wrong one.
FormulationRow = pydantic.create_model(
    "FormulationRow", __config__=pydantic.ConfigDict(extra="allow"),  # unknown keys reach serving_frame's "did you mean"
    **{name: (Annotated[kind | None, pydantic.WrapValidator(_as_given)], None) for name, kind in _request_columns().items()})


class FormulationModel(mlflow.pyfunc.PythonModel):
    """MLflow pyfunc over a cpe-ml bundle: raw formulation rows in, predictions out (featurization inside)."""

    def load_context(self, context) -> None:
        from cpe_ml.models.bundle import load_bundle

        self.bundle = load_bundle(context.artifacts["bundle"])

    def predict(self, context, model_input: list[FormulationRow], params: dict | None = None) -> pd.DataFrame:
        """Predictions for valid rows; any invalid row refuses the request with every problem named
        (HTTP 400 from ``mlflow models serve``, message without a stack trace).

        ``model_input``: a DataFrame or a list of records (``{"inputs": [...]}`` when served); MLflow hands
        either over as :data:`FormulationRow` s.
        """
        from cpe_ml.prediction import predict_formulations

        frame = serving_frame([row.model_dump(exclude_unset=True) for row in model_input])
        try:
            result = predict_formulations(frame, {self.bundle.target_name: self.bundle}, explain=False)
        except ValueError as err:  # invalid rows, column errors: the client's to fix
            raise MlflowException.invalid_parameter_value(str(err)) from None
        added = [c for c in result.predictions.columns if c not in frame.columns]
        return result.predictions[added].reset_index(drop=True)


#: Rows per request the served model accepts (env ``CPE_ML_SERVING_MAX_ROWS``); larger batches: ``cpe-ml predict``.
SERVING_MAX_ROWS = 10_000


def serving_frame(records: list[dict]) -> pd.DataFrame:
    """The request's records (a DataFrame arrives as records too, NaN as None) as a frame, or MlflowException
    (HTTP 400): no rows, empty records, true/false or nested values (:func:`cpe_ml.io.records_frame`), too
    many rows, unknown keys, rows without a value."""
    import difflib
    import os

    from cpe_ml.io import TableReadError, records_frame
    from cpe_ml.schema import COLUMN_BY_NAME

    try:
        frame = records_frame(records, "request")
    except TableReadError as err:
        raise MlflowException.invalid_parameter_value(str(err)) from None
    limit = int(os.environ.get("CPE_ML_SERVING_MAX_ROWS", SERVING_MAX_ROWS))
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
    """The columns of a request, by name, typed (numbers ``double``, text ``string``), optional: a request
    gives what it knows. The logged signature holds the same columns as the properties of one
    :data:`FormulationRow` object (not as column types MLflow would enforce on a DataFrame: see there)."""
    return Schema([ColSpec("double" if kind is float else "string", name, required=False) for name, kind in _request_columns().items()])


def typed_request(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s request columns as the signature types them: numbers as float, text as str or None."""
    typed = pd.DataFrame(index=frame.index)
    for name, kind in _request_columns().items():
        if name not in frame:
            continue
        if kind is float:
            typed[name] = pd.to_numeric(frame[name].replace("", None), errors="raise").astype(float)
        else:
            typed[name] = frame[name].astype(object).where(frame[name].notna() & frame[name].astype(str).ne(""), None)
    return typed.reset_index(drop=True)


def request_records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as the served model's JSON request (``{"inputs": [...]}``): each row's given cells, typed."""
    return [{name: value for name, value in row.items() if value is not None and not pd.isna(value)}
            for row in typed_request(frame).to_dict("records")]


#: The models-from-code file MLflow logs and runs on load (no cloudpickle of a Python object).
MODEL_CODE = Path(__file__).with_name("pyfunc_model.py")


def log_pyfunc_model(bundle_file: Path, input_example: pd.DataFrame, registered_name: str | None) -> str | None:
    """Log the bundle as a pyfunc model from code (:mod:`cpe_ml.pyfunc_model`); its signature, typed and all
    optional, comes from :data:`FormulationRow`; the example shows real rows. Returns the registered version."""
    from cpe_ml.prediction import needs_temperature, validate_candidates

    model = FormulationModel()
    context = type("Context", (), {"artifacts": {"bundle": str(bundle_file)}})()
    model.load_context(context)
    # training rows may omit what a prediction request must state (salt, temperature): show servable rows only
    servable = validate_candidates(input_example, skip_invalid=True,
                                   require_temperature=needs_temperature({model.bundle.target_name: model.bundle})).kept
    # none servable (a lab table without salts): the model is logged without an example
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(MODEL_CODE),
        artifacts={"bundle": str(bundle_file)},
        input_example=request_records(input_example.iloc[servable[:3]]) if len(servable) else None,
        registered_model_name=registered_name,
        pip_requirements=["cpe-ml", "xgboost", "scikit-learn", "pandas", "rdkit", "mlflow", "joblib"],
    )
    return None if info.registered_model_version is None else str(info.registered_model_version)


def promote_champion(registered_name: str, version: str, cv_mae: float, data_digest: str, protocol: str) -> tuple[bool, str]:
    """Move the ``champion`` alias to ``version`` only if it beats the champion on the same data and protocol.

    Returns (moved, reason). A champion trained on other data or another CV protocol is not comparable:
    it stays, and the reason says so. A champion whose bundle this version of cpe-ml cannot load (an older
    bundle format) always gives way: otherwise ``predict.py`` would fail until some retrain happened to win.
    """
    from cpe_ml.models.bundle import BUNDLE_FORMAT

    client = MlflowClient()
    # full precision: a rounded tag made a re-run with identical metrics "beat" its own champion
    for key, value in (("cv_mae", repr(float(cv_mae))), ("data_digest", data_digest), ("cv_protocol", protocol),
                       ("bundle_format", str(BUNDLE_FORMAT))):
        client.set_model_version_tag(registered_name, version, key, value)
    try:
        current = client.get_model_version_by_alias(registered_name, CHAMPION)
    except MlflowException:
        client.set_registered_model_alias(registered_name, CHAMPION, version)
        return True, "first champion"
    tags = current.tags
    if tags.get("bundle_format") != str(BUNDLE_FORMAT):
        client.set_registered_model_alias(registered_name, CHAMPION, version)
        return True, (f"champion v{current.version} holds a bundle of format {tags.get('bundle_format', '2 or older')}, "
                      f"which this version of cpe-ml (format {BUNDLE_FORMAT}) cannot load")
    if tags.get("data_digest") != data_digest or tags.get("cv_protocol") != protocol:
        return False, f"champion v{current.version} was evaluated on other data or protocol; not comparable"
    if cv_mae < float(tags.get("cv_mae", "inf")):
        client.set_registered_model_alias(registered_name, CHAMPION, version)
        return True, f"CV MAE {cv_mae:.4g} < champion v{current.version} {float(tags['cv_mae']):.4g}"
    return False, f"CV MAE {cv_mae:.4g} does not beat champion v{current.version} {float(tags['cv_mae']):.4g}"


def describe_model(target: Target, version: str, card: str, champion_reason: str) -> None:
    """Model cards in the registry: the version's description is its card and the champion decision; the
    registered model's says what it predicts and how versions are chosen, then the ``@champion``'s card."""
    client = MlflowClient()
    name = target.registered_name
    client.update_model_version(name, version, description=f"{card}\n\n**Champion rule**: {champion_reason}.")
    champion = client.get_model_version_by_alias(name, CHAMPION)
    client.update_registered_model(name, description="\n".join([
        f"Predicts **{target.label}** of a composite polymer electrolyte from its formulation (any subset of the cpe-ml "
        "schema columns), with an 80 % interval, applicability-domain flags and a confidence label.", "",
        "Every `python train.py` registers a version; `@champion`, the version `predict.py` uses, moves only when a "
        "version's CV MAE beats it on the same data digest and CV protocol (`cpe-ml models list`, `cpe-ml models promote`). "
        f'Load it with `mlflow.pyfunc.load_model("models:/{name}@{CHAMPION}")`.', "",
        f"## Champion: version {champion.version} (alias `{CHAMPION}`)", "", champion.description or ""]))


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
