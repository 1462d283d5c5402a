"""Optional hyperparameter search (Optuna) on the training part of a fold only, so CV stays honest."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.model_selection import GroupKFold, KFold

from cpe_ml.models.interval import IntervalRegressor


def tune_params(X: np.ndarray, y: np.ndarray, groups: np.ndarray | None,
                make_estimator: Callable[[dict], IntervalRegressor], n_trials: int, seed: int = 0,
                folds: int = 3) -> dict:
    """Best XGBoost settings by grouped inner-CV MAE of the median over ``n_trials`` Optuna trials.

    ``make_estimator(params)`` builds the target's model (uncalibrated) with those settings.
    Called inside each outer training fold by the training code (nested CV); the search space stays
    within what suits 50-5,000 rows (shallow trees, strong regularization).
    """
    try:
        import optuna
    except ImportError as err:  # optuna is an optional extra
        raise ImportError("--tune needs Optuna: pip install 'cpe-ml[tune]'") from err
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    n_groups = len(np.unique(groups)) if groups is not None else len(y)
    splitter = GroupKFold(min(folds, n_groups)) if groups is not None else KFold(min(folds, len(y)), shuffle=True, random_state=seed)
    splits = list(splitter.split(X, y, groups))

    def objective(trial: optuna.Trial) -> float:
        params = {
            "n_estimators": trial.suggest_int("n_estimators", 100, 600, step=50),
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.2, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 6),
            "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 10.0, log=True),
            "subsample": trial.suggest_float("subsample", 0.6, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 0.1, 20.0, log=True),
        }
        errors = []
        for train, test in splits:
            model = make_estimator(params).fit(X[train], y[train])
            errors.append(np.mean(np.abs(model.predict(X[test]) - y[test])))
        return float(np.mean(errors))

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return dict(study.best_params)
