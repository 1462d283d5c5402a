"""Voltage window and capacity retention: candidate models vs the baselines on identical paper-grouped folds.

Run: ``.venv/bin/python benchmarks/window_retention.py [--data data/cpe_literature.csv] [--seed 0]``

Every candidate is a fixed choice (no hyper-parameter is tuned on the test folds); the line "selected by
inner CV" picks one candidate per outer fold by a paper-grouped CV inside that fold's training papers, so
its figure is what choosing among the candidates would honestly give. Metrics are in target units (V, %);
skill = 1 - MAE / MAE(best baseline on the same folds). Rows stated as bounds are not fitted; the bound
check predicts them with models that never saw their paper. The paper-scatter check asks how well the
median of *other papers* reporting the same nominal system predicts a row: the floor set by the sources.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.stats import spearmanr
from sklearn.impute import SimpleImputer
from sklearn.linear_model import BayesianRidge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from cpe_ml.chemistry.cathode import cathode_class
from cpe_ml.evaluation.baselines import BASELINES, baseline_predictions
from cpe_ml.evaluation.bounds import bound_satisfaction
from cpe_ml.evaluation.cv import cv_groups, host_keys, make_splits, skill_score
from cpe_ml.evaluation.metrics import regression_metrics
from cpe_ml.featurizers.formulation import FormulationFeaturizer
from cpe_ml.models.interval import DEFAULT_PARAMS, IntervalRegressor
from cpe_ml.models.targets import SMALL_DATA_PARAMS, STUMP_PARAMS, TARGETS, Target
from cpe_ml.validation import read_formulations, validate_formulations

#: Physics descriptors only (no fingerprints, no names): the linear models' inputs.
PHYSICS = {"voltage_window": ("oxidation", "lsv", "filler", "plasticizer"), "retention": ("oxidation", "cycling", "filler", "plasticizer")}
#: Pseudo-count of the hierarchical per-polymer prior: a polymer's mean counts fully after ~3 rows (fixed).
PRIOR_ROWS = 3.0
#: Folds of the inner paper-grouped CV that picks a candidate inside each outer training set.
INNER_FOLDS = 4
#: Pseudo-Huber slope on the model scale (V; log10 fade): residuals beyond it count linearly, like the MAE.
HUBER_SLOPE = 0.3


class BayesRidge:
    """Bayesian ridge (evidence-maximized shrinkage, no CV tuning)."""

    def __init__(self, names=None):
        self.names = names

    def fit(self, X, y, polymers=None):
        usable = ~np.all(np.isnan(X), axis=0)
        self.usable_ = usable
        self.model_ = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), BayesianRidge()).fit(X[:, usable], y)
        return self

    def predict(self, X, polymers=None):
        return self.model_.predict(X[:, self.usable_])


class PolymerPrior:
    """Hierarchical per-polymer prior: global mean + the polymer's offset shrunk by n / (n + PRIOR_ROWS),
    with a Bayesian ridge on the physics descriptors fitted to what the prior leaves."""

    def __init__(self, names=None):
        self.names = names

    def fit(self, X, y, polymers):
        self.mean_ = float(np.mean(y))
        frame = pd.DataFrame({"p": polymers, "y": y - self.mean_})
        stats = frame.groupby("p")["y"].agg(["sum", "count"])
        self.offset_ = (stats["sum"] / (stats["count"] + PRIOR_ROWS)).to_dict()
        self.ridge_ = BayesRidge().fit(X, y - self._prior(polymers))
        return self

    def _prior(self, polymers):
        return self.mean_ + np.array([self.offset_.get(p, 0.0) for p in polymers])

    def predict(self, X, polymers):
        return self._prior(polymers) + self.ridge_.predict(X)


def load(path: str) -> pd.DataFrame:
    raw = read_formulations(path)
    frame, _ = validate_formulations(raw.astype(object).where(raw.notna(), ""))
    return frame


def features(rows: pd.DataFrame, blocks) -> tuple[np.ndarray, list[str]]:
    featurizer = FormulationFeaturizer(tuple(blocks)).fit(rows)
    return featurizer.transform(rows).astype(np.float32), list(featurizer.get_feature_names_out())


def monotone(target: Target, names: list[str]) -> dict[int, int]:
    return {names.index(f): sign for f, sign in target.monotone.items() if f in names}


def candidates(target: Target) -> dict:
    """name -> (blocks, factory); factory() returns an object with fit(X, y, polymers) / predict(X, polymers)."""
    def boosted(params, objective="reg:squarederror"):
        class Boosted:
            def __init__(self, names):
                self.names = names

            def fit(self, X, y, polymers):
                if objective == "reg:squarederror":  # the product's estimator
                    self.model_ = IntervalRegressor(monotone=monotone(target, self.names), params=params, calibration_folds=0).fit(X, y)
                    return self
                constraints = [0] * X.shape[1]
                for index, sign in monotone(target, self.names).items():
                    constraints[index] = sign
                extra = {"huber_slope": HUBER_SLOPE} if objective == "reg:pseudohubererror" else {}
                self.model_ = xgb.XGBRegressor(objective=objective, monotone_constraints=tuple(constraints), base_score=float(np.median(y)),
                                               random_state=0, n_jobs=2, **{**DEFAULT_PARAMS, **params}, **extra).fit(X, y)
                return self

            def predict(self, X, polymers):
                return self.model_.predict(X)
        return Boosted

    models = {
        "xgb_small_data (previous)": (target.blocks, boosted(SMALL_DATA_PARAMS)),
        "xgb_stumps (chosen)": (target.blocks, boosted(STUMP_PARAMS)),
        "xgb_stumps_without_oxidation_lsv": (tuple(b for b in target.blocks if b not in ("oxidation", "lsv")), boosted(STUMP_PARAMS)),
        # gradient-fitted leaves: keeps the monotone constraint in N (absolute error refits leaves and would not)
        "xgb_stumps_pseudo_huber": (target.blocks, boosted(STUMP_PARAMS, "reg:pseudohubererror")),
        "bayes_ridge_physics": (PHYSICS[target.name], BayesRidge),
        "polymer_prior+physics": (PHYSICS[target.name], PolymerPrior),
    }
    if not target.monotone:
        models["xgb_stumps_absolute_error"] = (target.blocks, boosted(STUMP_PARAMS, "reg:absoluteerror"))
    return models


def select_by_inner_cv(factories: dict, matrices: dict, y: np.ndarray, y_target: np.ndarray, groups: np.ndarray,
                       polymers: np.ndarray, train: np.ndarray, test: np.ndarray, to_target, seed: int) -> tuple[str, np.ndarray]:
    """The candidate with the lowest inner paper-grouped CV MAE (target units) on ``train``, refitted on ``train``."""
    inner = make_splits(len(train), groups[train], INNER_FOLDS, seed)
    scores = {}
    for name, factory in factories.items():
        X, names = matrices[name]
        error = np.empty(len(train))
        for fit_at, score_at in inner:
            model = factory(names).fit(X[train][fit_at], y[train][fit_at], polymers[train][fit_at])
            error[score_at] = np.abs(to_target(model.predict(X[train][score_at], polymers[train][score_at]), None) - y_target[train][score_at])
        scores[name] = float(np.mean(error))
    best = min(scores, key=scores.get)
    X, names = matrices[best]
    model = factories[best](names).fit(X[train], y[train], polymers[train])
    return best, to_target(model.predict(X[test], polymers[test]), None)


def evaluate(target: Target, frame: pd.DataFrame, seed: int, folds: int = 5) -> tuple[pd.DataFrame, dict]:
    rows = frame.loc[target.rows(frame)].reset_index(drop=True)
    y_target = rows[target.column].to_numpy(dtype=float)
    y = target.to_model_scale(y_target)
    groups, polymers = cv_groups(rows, "paper"), host_keys(rows).to_numpy()
    splits = make_splits(len(rows), groups, folds, seed)
    to_target = lambda values, index: target.from_model_scale(values)  # noqa: E731
    preds: dict[str, np.ndarray] = {}
    timings = {}
    matrices, factories = {}, {}
    for name, (blocks, factory) in candidates(target).items():
        start = time.perf_counter()
        X, names = features(rows, blocks)
        matrices[name], factories[name] = (X, names), factory
        out = np.empty(len(rows))
        for train, test in splits:
            model = factory(names).fit(X[train], y[train], polymers[train])
            out[test] = to_target(model.predict(X[test], polymers[test]), test)
        preds[name] = out
        timings[name] = time.perf_counter() - start
    start, picked, out = time.perf_counter(), [], np.empty(len(rows))
    for train, test in splits:
        best, out[test] = select_by_inner_cv(factories, matrices, y, y_target, groups, polymers, train, test, to_target, seed)
        picked.append(best)
    preds["selected by inner CV"], timings["selected by inner CV"] = out, time.perf_counter() - start
    X, _ = features(rows, target.blocks)
    base = {b: np.empty(len(rows)) for b in BASELINES}
    if target.fade_scale:
        base |= {f"{b}_model_scale": np.empty(len(rows)) for b in BASELINES}
    for train, test in splits:
        for b, values in baseline_predictions(X[train], y_target[train], polymers[train], X[test], polymers[test]).items():
            base[b][test] = values
        if target.fade_scale:
            for b, values in baseline_predictions(X[train], y[train], polymers[train], X[test], polymers[test]).items():
                base[f"{b}_model_scale"][test] = to_target(values, test)
    best = min(base, key=lambda b: np.mean(np.abs(base[b] - y_target)))
    best_mae = float(np.mean(np.abs(base[best] - y_target)))
    table = []
    for name, values in {**preds, **{f"baseline: {b}": v for b, v in base.items()}}.items():
        m = regression_metrics(y_target, values)
        table.append({"model": name, "mae": m["mae"], "r2": m["r2"], "skill": skill_score(m["mae"], best_mae),
                      "min_pred": float(np.min(values)), "max_pred": float(np.max(values)), "seconds": timings.get(name, 0.0)})
    info = {"rows": len(rows), "papers": len(np.unique(groups)), "best_baseline": best, "bound_rows": int(target.bound_rows(frame).sum()),
            "picked": picked}
    return pd.DataFrame(table), info


def bound_check(target: Target, frame: pd.DataFrame) -> str:
    """Predict each bound row with the current model trained on the exact rows of the other papers."""
    bounds = frame.loc[target.bound_rows(frame)]
    if bounds.empty:
        return "no rows stated as bounds in this table"
    rows = frame.loc[target.rows(frame)].reset_index(drop=True)
    featurizer = FormulationFeaturizer(target.blocks).fit(rows)
    names = list(featurizer.get_feature_names_out())
    X, y = featurizer.transform(rows).astype(np.float32), target.to_model_scale(rows[target.column])
    papers = rows["source"].to_numpy()
    predicted = np.empty(len(bounds))
    for source in bounds["source"].unique():
        keep = papers != source
        model = IntervalRegressor(monotone=monotone(target, names), params=target.params, calibration_folds=0).fit(X[keep], y[keep])
        at = np.flatnonzero(bounds["source"].to_numpy() == source)
        part = bounds.iloc[at]
        predicted[at] = target.from_model_scale(model.predict(featurizer.transform(part).astype(np.float32)))
    qualifier = bounds[f"{target.column}_qualifier"].to_numpy()
    share = bound_satisfaction(predicted, bounds[target.column].to_numpy(dtype=float), qualifier)
    return f"{len(bounds)} bound rows: {share:.0%} of predictions respect the stated bound"


def paper_scatter(target: Target, frame: pd.DataFrame) -> pd.DataFrame:
    """For rows whose nominal system (a key) is also reported by another paper: MAE of predicting the row by the
    median of those other papers, against the median of all other papers. A key whose other-paper median does
    not beat the global one carries no transferable information, whatever the model."""
    rows = frame.loc[target.rows(frame)].reset_index(drop=True)
    y, papers = rows[target.column].to_numpy(dtype=float), cv_groups(rows, "paper")
    blocks = features(rows, ("filler", "plasticizer"))
    table = pd.DataFrame(blocks[0], columns=blocks[1])
    filler = table.filter(like="filler_class_").fillna(0).idxmax(axis=1).where(table["filler__filler_present"].fillna(0) > 0, "none")
    plasticizer = table.filter(like="plasticizer_kind_").fillna(0).idxmax(axis=1).where(table["plasticizer__plasticizer_present"].fillna(0) > 0, "none")
    polymer = host_keys(rows)
    keys = {"host polymer": polymer, "host + filler class + plasticizer kind": polymer + "|" + filler + "|" + plasticizer}
    if "cycling" in target.blocks:
        keys["host + cathode class"] = polymer + "|" + rows["cathode"].map(cathode_class)
    out = []
    for name, key in keys.items():
        key = key.to_numpy()
        same, overall = [], []
        for i in range(len(rows)):
            others = (key == key[i]) & (papers != papers[i])
            if others.any():
                same.append(abs(y[i] - np.median(y[others])))
                overall.append(abs(y[i] - np.median(y[papers != papers[i]])))
        out.append({"key": name, "rows": len(same), "mae_same_key_other_papers": float(np.mean(same)) if same else np.nan,
                    "mae_all_other_papers": float(np.mean(overall)) if overall else np.nan})
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/cpe_literature.csv")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frame = load(args.data)
    pd.set_option("display.width", 200)
    for name in ("voltage_window", "retention"):
        target = TARGETS[name]
        table, info = evaluate(target, frame, args.seed)
        print(f"\n== {name} ({target.unit}): {info['rows']} exact rows from {info['papers']} papers, paper-grouped 5-fold CV, "
              f"seed {args.seed}; best baseline: {info['best_baseline']}")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"selected by inner CV per outer fold: {', '.join(info['picked'])}")
        print(bound_check(target, frame))
        print("paper scatter (median of other papers reporting the same system vs of all other papers):")
        print(paper_scatter(target, frame).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if "retention_cycles" in target.required_columns:  # how much the stated cycle count explains (papers stop while retention is high)
            rows = frame.loc[target.rows(frame)]
            rho = spearmanr(rows[target.column].astype(float), rows["retention_cycles"].astype(float)).statistic
            print(f"Spearman rank correlation of {target.column} with retention_cycles: {rho:.2f} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
