"""Find, download and verify the files of public datasets (scikit-learn ``fetch_*`` style).

A file is read from, in this order:

1. ``data_dir`` (argument) or ``$CPE_ML_PUBLIC_DATA_DIR``: a local copy, never downloaded into;
2. the cache ``data_home`` (argument) or ``$CPE_ML_DATA_HOME`` (default ``~/.cache/cpe-ml``), downloaded
   there from the authors' repository on first use.

Every file is checked against a hard-coded SHA-256 before it is parsed: a changed upstream file or a
corrupted copy is an error, never a silently different dataset.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen  # module attribute so tests can monkeypatch the opener

from cpe_ml.storage import ENV_DATA_HOME, get_data_home  # noqa: F401  (the cache location lives in storage)

ENV_PUBLIC_DATA_DIR = "CPE_ML_PUBLIC_DATA_DIR"
DOWNLOAD_TIMEOUT_S = 60.0
_CHUNK = 1 << 16


class PublicDataError(RuntimeError):
    """Base class of every error raised while locating, downloading or reading a public dataset."""


class DataFileNotFoundError(PublicDataError, FileNotFoundError):
    """A dataset file is absent from the local directory or the cache (and was not downloaded)."""


class ChecksumMismatchError(PublicDataError):
    """A file's SHA-256 differs from the expected one: upstream changed it or the copy is corrupted."""


class DownloadError(PublicDataError):
    """The file could not be downloaded (no network, HTTP error, ...)."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a public dataset: where it lives upstream and what its bytes must hash to.

    ``subdir``: folder of the file below ``<data_dir>/<dataset>/`` in a local mirror (e.g. a dated dump).
    """

    dataset: str
    filename: str
    url: str
    sha256: str
    subdir: str = ""


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, remote: RemoteFile) -> Path:
    """Return ``path`` when its SHA-256 is the expected one, else raise ``ChecksumMismatchError``."""
    actual = sha256_of(path)
    if actual != remote.sha256:
        raise ChecksumMismatchError(
            f"{path}: SHA-256 {actual} differs from the expected {remote.sha256} for {remote.dataset}/"
            f"{remote.filename} ({remote.url}). The file is corrupted or upstream changed it; "
            "replace it with the original or delete it so it is downloaded again."
        )
    return path


def _local_candidates(directory: Path, remote: RemoteFile) -> list[Path]:
    # Accept the mirror layout (<dir>/<dataset>/[<subdir>/]<file>) and a flat directory (<dir>/<file>).
    mirror = directory / remote.dataset / remote.subdir / remote.filename
    return list(dict.fromkeys([mirror, directory / remote.dataset / remote.filename, directory / remote.filename]))


def fetch_file(
    remote: RemoteFile,
    *,
    data_dir: str | os.PathLike | None = None,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> Path:
    """Path of a verified local copy of ``remote``, downloading it into the cache when needed."""
    data_dir = data_dir if data_dir is not None else os.environ.get(ENV_PUBLIC_DATA_DIR)
    if data_dir:
        candidates = _local_candidates(Path(data_dir).expanduser(), remote)
        for path in candidates:
            if path.is_file():
                return verify(path, remote)
        raise DataFileNotFoundError(
            f"{remote.dataset}: {remote.filename} not found in data_dir {data_dir} (looked for "
            f"{', '.join(str(p) for p in candidates)}). Put the file there, or omit data_dir (and unset "
            f"${ENV_PUBLIC_DATA_DIR}) to download it from {remote.url}."
        )

    cached = get_data_home(data_home) / remote.dataset / remote.filename
    if cached.is_file():
        try:
            return verify(cached, remote)
        except ChecksumMismatchError:
            if not download_if_missing:
                raise
            # A bad file in our own cache is garbage (e.g. an edited copy): replace it.
    elif not download_if_missing:
        raise DataFileNotFoundError(
            f"{remote.dataset}: {cached} is not in the cache and download_if_missing=False; "
            f"download {remote.url} there or pass data_dir."
        )
    return download(remote, cached)


def download(remote: RemoteFile, target: Path) -> Path:
    """Stream ``remote.url`` to ``target``; the file appears only once its checksum is verified."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{remote.filename}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urlopen(remote.url, timeout=DOWNLOAD_TIMEOUT_S) as response:
                    for chunk in iter(lambda: response.read(_CHUNK), b""):
                        digest.update(chunk)
                        out.write(chunk)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                raise DownloadError(
                    f"{remote.dataset}: could not download {remote.url} ({exc}). Without network access, "
                    f"pass data_dir= (or set ${ENV_PUBLIC_DATA_DIR}) to a directory holding {remote.filename}."
                ) from exc
        if digest.hexdigest() != remote.sha256:
            raise ChecksumMismatchError(
                f"{remote.dataset}: downloaded {remote.url} has SHA-256 {digest.hexdigest()}, expected "
                f"{remote.sha256}; upstream changed the file or the download was altered. Nothing was cached."
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
