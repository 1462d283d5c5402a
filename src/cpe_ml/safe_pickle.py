"""Load model bundles without letting the file run code.

A pickle names the Python callables that rebuild it, and plain ``joblib.load`` imports and calls
whatever it names (``os.system`` included) before any type check can look at the result. This loader
resolves only what a cpe-ml bundle holds: cpe-ml's own classes, the scikit-learn and XGBoost model
classes, and the few numpy/joblib functions that rebuild arrays. Anything else is refused before it is
imported, and a damaged file (truncated, random bytes) becomes one message instead of ``KeyError: 245``.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import joblib.numpy_pickle as joblib_pickle

#: Exact (module, name) pairs a bundle may name besides cpe-ml classes (recorded from real bundles).
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset({
    ("builtins", name) for name in ("bytearray", "bytes", "complex", "dict", "frozenset", "list", "range", "set", "slice", "tuple", "object")
} | {
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.random._pickle", "__randomstate_ctor"),
    ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random._pickle", "__generator_ctor"),
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("copyreg", "_reconstructor"),
    ("xgboost.core", "Booster"),
    ("xgboost.sklearn", "XGBRegressor"),
})
#: Packages whose *classes* (not functions) a bundle may name: the fitted estimators themselves.
ALLOWED_CLASS_PACKAGES = ("cpe_ml.", "sklearn.")
#: Sub-packages excluded even for classes (test helpers that touch files).
REFUSED_PACKAGES = ("sklearn.utils._testing", "sklearn.datasets", "cpe_ml.cli")


class BundleLoadError(ValueError):
    """A model file that is damaged, or names something a cpe-ml bundle never holds."""


class _RestrictedUnpickler(joblib_pickle.NumpyUnpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if module.startswith(ALLOWED_CLASS_PACKAGES) and not module.startswith(REFUSED_PACKAGES) and "." not in name:
            found = super().find_class(module, name)  # imports only a cpe-ml or scikit-learn module
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"refers to {module}.{name}, which a cpe-ml bundle never holds")


def safe_load(path: str | os.PathLike):
    """The object in a joblib file written by cpe-ml, or :class:`BundleLoadError` (one line, no code run)."""
    path = Path(path)
    hint = "retrain with `python train.py`"
    try:
        with open(path, "rb") as handle:
            with joblib_pickle._validate_fileobject_and_memmap(handle, str(path), None) as (fobj, _):
                try:
                    unpickler = _RestrictedUnpickler(str(path), fobj, True, mmap_mode=None)
                except TypeError:  # joblib < 1.4 has no ensure_native_byte_order argument
                    unpickler = _RestrictedUnpickler(str(path), fobj, mmap_mode=None)
                return unpickler.load()
    except pickle.UnpicklingError as err:
        if "never holds" in str(err):
            raise BundleLoadError(f"model file {path} {err}: refusing to load it (it could run code); {hint}") from None
        raise BundleLoadError(f"model file {path} is damaged or not a cpe-ml bundle: {hint}") from None
    except OSError:
        raise
    except Exception:  # truncated or random bytes raise EOFError, KeyError, ValueError, zlib.error ...
        raise BundleLoadError(f"model file {path} is damaged or not a cpe-ml bundle: {hint}") from None
