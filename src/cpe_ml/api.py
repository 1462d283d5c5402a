"""The Python API: a scikit-learn-style estimator over formulation DataFrames.

``CPEModel().fit(df)`` runs what ``python train.py`` runs (validation, featurization, grouped CV against
baselines, final fit with calibrated 80 % intervals, applicability domain) on a DataFrame, without files
or MLflow; ``predict(df)`` returns what ``cpe-ml predict`` writes. Bundles trained by ``train.py`` load
with :meth:`CPEModel.load`.

>>> model = CPEModel(targets=["voltage_window"], folds=3).fit(rows)      # doctest: +SKIP
>>> model.predict(candidates)[["pred_voltage_window", "pred_voltage_window_lo", "confidence"]]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from cpe_ml.models.bundle import ModelBundle, commit_generation, load_bundles, new_generation, save_bundle
from cpe_ml.models.targets import TARGETS
from cpe_ml.prediction import PredictionResult, predict_formulations


class CPEModel(BaseEstimator):
    """Conductivity, voltage-window and retention models of composite polymer electrolytes.

    Parameters are :class:`cpe_ml.training.TrainConfig`'s, with its defaults: ``targets`` (default: every
    target whose column holds values), ``cv`` (``paper``: hold out whole source papers), ``folds``,
    ``seed``, ``tune`` (Optuna trials per fit, 0 = defaults), ``fingerprint_bits``, ``min_rows`` (20: fewest
    rows a target is trained on), ``with_liquid`` (False: polymer-free liquid electrolytes are left out of
    training, :data:`cpe_ml.training.LIQUID_LEFT_OUT_REASON`). ``temperature_c`` is the temperature given to prediction rows that
    state none (None: such rows are invalid for the conductivity model, as in ``cpe-ml predict``).

    Fitted attributes: ``bundles_`` (target -> :class:`cpe_ml.models.bundle.ModelBundle`), ``cv_metrics_``
    (target -> metric -> value, on held-out folds), ``skipped_`` (target -> why it was not trained),
    ``n_liquid_left_out_`` (set by :meth:`fit`: target -> liquid-electrolyte rows left out of its training).
    """

    def __init__(self, targets: Sequence[str] | None = None, cv: str = "paper", folds: int = 5, seed: int = 0,
                 tune: int = 0, fingerprint_bits: int = 64, min_rows: int = 20, temperature_c: float | None = None,
                 with_liquid: bool = False):
        self.targets = targets
        self.cv = cv
        self.folds = folds
        self.seed = seed
        self.tune = tune
        self.fingerprint_bits = fingerprint_bits
        self.min_rows = min_rows
        self.temperature_c = temperature_c
        self.with_liquid = with_liquid

    def fit(self, X: pd.DataFrame, y: None = None) -> CPEModel:
        """Train every chosen target on the rows of ``X`` (cpe-ml schema columns; targets are its columns).

        Raises FormulationValidationError (every bad row named) on invalid rows, and ValueError when no
        target has enough rows.
        """
        from cpe_ml.training import TrainConfig, fit_targets, validate_training_table

        table = X.copy()
        if "dataset" not in table:
            table["dataset"] = "dataframe"  # CV groups rows without a source by dataset + polymer
        targets = list(self.targets) if self.targets is not None else [
            name for name, target in TARGETS.items() if target.column in X and pd.to_numeric(X[target.column], errors="coerce").notna().any()]
        if not targets:
            raise ValueError("no target column with values (" + ", ".join(t.column for t in TARGETS.values()) + ") to train on")
        frame, self.validation_report_ = validate_training_table(table)
        config = TrainConfig(data=[], targets=targets, cv=self.cv, folds=self.folds, seed=self.seed, tune=self.tune,
                             fingerprint_bits=self.fingerprint_bits, min_rows=self.min_rows, with_liquid=self.with_liquid)
        results, self.skipped_ = fit_targets(frame, config)
        self.bundles_ = {r.target: r.bundle for r in results}
        self.cv_metrics_ = {r.target: r.cv.metrics["model"] for r in results}
        self.n_liquid_left_out_ = {r.target: r.n_liquid_left_out for r in results}
        return self

    @classmethod
    def load(cls, models_dir: str | os.PathLike = "models", targets: Sequence[str] | None = None) -> CPEModel:
        """The live bundles of ``models_dir`` (what ``python train.py`` wrote), ready to predict."""
        return cls.from_bundles(load_bundles(models_dir, list(targets) if targets else None))

    @classmethod
    def from_bundles(cls, bundles: dict[str, ModelBundle]) -> CPEModel:
        model = cls(targets=list(bundles))
        model.bundles_ = dict(bundles)
        model.cv_metrics_ = {name: bundle.cv_metrics for name, bundle in bundles.items()}
        model.skipped_ = {}
        return model

    def save(self, models_dir: str | os.PathLike) -> Path:
        """Write the bundles as one generation of ``models_dir`` (manifest last), readable by ``cpe-ml predict``."""
        check_is_fitted(self, "bundles_")
        generation = new_generation(models_dir)
        for bundle in self.bundles_.values():
            save_bundle(bundle, generation)
        commit_generation(models_dir, generation, {name: (b.registered_name, b.registered_version) for name, b in self.bundles_.items()})
        return Path(models_dir)

    def predict_result(self, X: pd.DataFrame, temperatures: Sequence[float] | None = None, skip_invalid: bool = False,
                       explain: bool = False) -> PredictionResult:
        """Predictions with the validation report and the rows left out (``skip_invalid``)."""
        check_is_fitted(self, "bundles_")
        return predict_formulations(X, self.bundles_, temperatures=temperatures, skip_invalid=skip_invalid,
                                    explain=explain, default_temperature_c=self.temperature_c)

    def predict(self, X: pd.DataFrame, temperatures: Sequence[float] | None = None, skip_invalid: bool = False,
                explain: bool = False) -> pd.DataFrame:
        """Every input column, then per target ``pred_<target>`` with its 80 % interval ``_lo``/``_hi``
        (conductivity in log10 S/cm and, as ``pred_conductivity_s_cm``, in S/cm), applicability-domain
        ``ad_flags`` and ``confidence``. Invalid rows raise FormulationValidationError unless ``skip_invalid``."""
        return self.predict_result(X, temperatures, skip_invalid, explain).predictions

    def score(self, X: pd.DataFrame, y: None = None, target: str | None = None) -> float:
        """R^2 of ``target`` (default: the only fitted target, else conductivity) on the rows of ``X`` that
        measured it and are complete prediction requests, on the scale the model reports (log10 S/cm for
        conductivity, V, % retention). In-sample on the training rows: the CV figures are ``cv_metrics_``."""
        check_is_fitted(self, "bundles_")
        name = target or (next(iter(self.bundles_)) if len(self.bundles_) == 1 else "conductivity")
        if name not in self.bundles_:
            raise ValueError(f"score: no fitted {name!r} model; fitted: {', '.join(self.bundles_)}")
        spec = TARGETS[name]
        measured = pd.to_numeric(X[spec.column], errors="coerce") if spec.column in X else pd.Series(np.nan, index=X.index)
        # rows a prediction request could not be (no salt, no temperature) are left out, as in predict --skip-invalid
        result = self.predict_result(X.loc[measured.notna().to_numpy()], skip_invalid=True)
        kept = np.setdiff1d(np.arange(int(measured.notna().sum())), np.asarray(result.report.skipped_rows, dtype=int) - 1)
        if len(kept) < 2:
            raise ValueError(f"score: {len(kept)} valid row(s) with {spec.column}; R^2 needs at least 2")
        predicted = result.predictions[f"pred_{name}"].to_numpy(dtype=float)
        truth = measured.dropna().to_numpy(dtype=float)[kept]
        return float(r2_score(truth if spec.fade_scale else spec.to_model_scale(truth), predicted))
