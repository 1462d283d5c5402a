"""Self-contained model bundle per target: everything a prediction needs, saved atomically.

A training writes its bundles as one *generation* (``models/generations/<id>/<target>.joblib``) and
then switches ``models/CURRENT.json`` (the manifest: file, SHA-256 and registered version of each
bundle) in one atomic rename, written last. A killed training thus leaves the previous generation live
and whole, never new conductivity beside old window and retention. A directory without a manifest
(cpe-ml before generations, or bundles copied by hand) is read as ``<dir>/<target>.joblib``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

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


class CatalogVersionWarning(UserWarning):
    """A bundle was trained with another catalog than the installed one (``$CPE_ML_CATALOG_DIR``, an update)."""


BUNDLE_FORMAT = 4  # 2: VTF-readout conductivity model, domain bins, generations; 3: featurizer keeps its fitted blocks and catalog; error bins (difficulty model) and nearest training rows in the domain; 4: normalized Mondrian margins (x the row's expected error)


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
    catalog_version: str = ""  # default: the version of the catalog the fitted featurizer computes with
    schema_version: str = SCHEMA_VERSION
    package_version: str = __version__
    bundle_format: int = BUNDLE_FORMAT
    # set once MLflow registered it (a bundle saved before these fields existed reads the class defaults)
    registered_name: str | None = None
    registered_version: str | None = None

    def __post_init__(self) -> None:
        self.catalog_version = self.catalog_version or self.featurizer.catalog_.version

    @property
    def target(self) -> Target:
        return TARGETS[self.target_name]

    @property
    def feature_names(self) -> list[str]:
        return list(self.featurizer.get_feature_names_out())

    def feature_ranges(self) -> pd.DataFrame:
        return pd.DataFrame({"feature": self.feature_names, "min": self.domain.low_, "max": self.domain.high_})


MANIFEST = "CURRENT.json"
GENERATIONS = "generations"


def bundle_path(directory: str | os.PathLike, target_name: str) -> Path:
    """The live bundle of ``target_name``: the manifest's file, else ``<directory>/<target>.joblib``."""
    manifest = read_manifest(directory)
    if manifest is not None and target_name in manifest["bundles"]:
        return Path(directory) / manifest["bundles"][target_name]["file"]
    return Path(directory) / f"{target_name}.joblib"


def read_manifest(directory: str | os.PathLike) -> dict | None:
    """The live generation of a models directory (``CURRENT.json``), or None for a directory without one."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
        assert isinstance(manifest.get("bundles"), dict)
    except (ValueError, AssertionError):
        raise ValueError(f"{path} is damaged or not a cpe-ml manifest: retrain with `python train.py`") from None
    return manifest


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_generation(directory: str | os.PathLike) -> Path:
    """An empty folder for a training's bundles, named by UTC time (sortable), a random token and the process id."""
    path = Path(directory) / GENERATIONS / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def commit_generation(directory: str | os.PathLike, generation: Path, registered: dict[str, tuple[str | None, str | None]]) -> dict:
    """Make ``generation`` live: write the manifest (atomic rename, the last write of a training).

    ``registered`` maps each target trained in this generation to its (registered name, version).
    Targets this training did not train keep their previous entry, which says which generation it is from.
    Generations no manifest entry names, left by earlier or killed trainings, are deleted afterwards.
    """
    directory = Path(directory)
    previous = read_manifest(directory) or {"bundles": {}}
    bundles = {name: entry for name, entry in previous["bundles"].items() if name not in registered}
    for name, (registered_name, version) in registered.items():
        file = generation / f"{name}.joblib"
        bundles[name] = {"file": file.relative_to(directory).as_posix(), "sha256": file_sha256(file),
                         "generation": generation.name, "registered_name": registered_name, "registered_version": version}
    manifest = {"format": 1, "generation": generation.name, "written_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "bundles": dict(sorted(bundles.items()))}
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{MANIFEST}.", suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        json.dump(manifest, out, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, directory / MANIFEST)
    _prune_generations(directory, {entry["generation"] for entry in bundles.values() if "generation" in entry})
    return manifest


def _prune_generations(directory: Path, live: set[str]) -> None:
    """Delete generation folders no manifest entry names, unless their training process still runs."""
    for folder in (directory / GENERATIONS).glob("*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if folder.name in live or (pid.isdigit() and process_alive(int(pid))):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Whether a process of this host runs under ``pid`` (judges files and runs a killed training left)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def save_bundle(bundle: ModelBundle, directory: str | os.PathLike) -> Path:
    """Write to a temporary file in the same directory, then rename: an interrupted run never leaves a broken bundle."""
    return atomic_dump(bundle, bundle_path(directory, bundle.target_name))


def load_bundle(path: str | os.PathLike, sha256: str | None = None) -> ModelBundle:
    """The bundle in ``path`` (loaded without running code from it); ``sha256``: the digest it must have."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model bundle at {path}; train first with `python train.py` (writes models/*.joblib)")
    if sha256 is not None and file_sha256(path) != sha256:
        raise ValueError(f"model file {path} does not match the digest its manifest recorded (changed or damaged): retrain with `python train.py`")
    bundle = safe_load(path)  # not joblib.load: a planted file must not run code (cpe_ml.safe_pickle)
    if not isinstance(bundle, ModelBundle) or bundle.bundle_format != BUNDLE_FORMAT:
        raise ValueError(f"{path} is not a cpe-ml model bundle of format {BUNDLE_FORMAT}; retrain with this version")
    if bundle.schema_version != SCHEMA_VERSION:
        raise ValueError(f"{path} was trained on schema {bundle.schema_version}, this cpe-ml reads {SCHEMA_VERSION}; retrain")
    installed = load_catalog().version
    if bundle.catalog_version != installed:
        warnings.warn(CatalogVersionWarning(
            f"{path} was trained with catalog {bundle.catalog_version}, the installed catalog is {installed}: the model "
            "computes features with the catalog it was trained with (names are still resolved with the installed one), "
            "so entries added or changed since are not used as the installed catalog describes them; retrain with "
            "`python train.py` to use them"), stacklevel=2)
    return bundle


def load_bundles(directory: str | os.PathLike, targets: list[str] | None = None) -> dict[str, ModelBundle]:
    """The live bundles of ``directory`` (its manifest's generation), or the named ones, which must exist."""
    manifest = read_manifest(directory)
    entries = manifest["bundles"] if manifest is not None else {}
    names = targets or [t for t in TARGETS if t in entries or bundle_path(directory, t).is_file()]
    if not names:
        raise FileNotFoundError(f"no model bundles in {directory}; train first with `python train.py`")
    return {name: load_bundle(bundle_path(directory, name), entries.get(name, {}).get("sha256")) for name in names}
