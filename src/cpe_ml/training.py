"""Train, evaluate and record the three target models.

Flow: read tables -> validate (stop on any invalid row, before anything is written) -> per target:
grouped CV of the model and the baselines on identical folds -> final fit on all rows -> bundle in
``models/`` (atomic) -> MLflow child run with metrics, plots, dataset and registered pyfunc model.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from cpe_ml import tracking
from cpe_ml.catalog import load_catalog
from cpe_ml.chemistry.effective_medium import filler_absent
from cpe_ml.consistency import is_liquid
from cpe_ml.datasets import DEFAULT_DATA_PATH, DEFAULT_PUBLIC_PATH
from cpe_ml.evaluation import plots
from cpe_ml.evaluation.cv import CVResult, confidence_metrics, cross_validate, cv_groups, host_keys
from cpe_ml.featurizers.formulation import FormulationFeaturizer
from cpe_ml.models.bundle import ModelBundle, commit_generation, new_generation, save_bundle
from cpe_ml.models.domain import ApplicabilityDomain, bin_names
from cpe_ml.models.interval import IntervalRegressor
from cpe_ml.models.targets import TARGETS, Target
from cpe_ml.schema import ROOM_TEMPERATURE_C
from cpe_ml.tables import as_float
from cpe_ml.validation import ValidationReport, read_formulations, validate_formulations

Progress = Callable[[str, int, int], None]

#: What ``python train.py`` learns from: the curated composite rows (every target) and the shipped
#: harmonized public conductivity tables (Bradford 2023, Hatakeyama 2022), which carry the host physics.
DEFAULT_TRAINING_DATA: tuple[Path, ...] = (DEFAULT_DATA_PATH, DEFAULT_PUBLIC_PATH)

#: Why ``python train.py`` leaves the polymer-free liquid electrolytes out unless ``--with-liquid``. Measured with
#: ``benchmarks/liquid_electrolytes.py`` (the same paper-grouped folds of the 14,966 polymer rows with and without
#: the 3,412 Hatakeyama liquids in training, 5 seeds; benchmarks/RESULTS.md): no change beyond seed noise.
LIQUID_LEFT_OUT_REASON = ("they do not measurably help the polymer electrolytes: on the same paper-grouped folds (5 seeds) "
                          "curated composites 0.644 vs 0.646 log10 S/cm without/with them, with a filler 0.577 vs 0.570, "
                          "all polymer rows 0.806 vs 0.801, seed-to-seed SD of the difference ~0.01; benchmarks/RESULTS.md")

#: The MLflow experiment's description: how to read its runs.
EXPERIMENT_DESCRIPTION = (
    "Trainings of cpe-ml (`python train.py`): one parent run per training, named by its data and CV "
    f"protocol, with a child run per target ({', '.join(n.replace('_', ' ') for n in TARGETS)}) whose description is the model card. "
    "Metrics are out-of-fold, on groups the model never saw, and each name ends in its unit (`log10_s_cm`, `v`, `pct`): "
    "`cv_*` the model, `baseline_*` the baselines on the same folds, `ad_<bin>_*` per error bin (easy/typical/hard), "
    f"`fold_*` per fold (step = fold). Registered models: {', '.join(f'`{t.registered_name}`' for t in TARGETS.values())}; "
    "`@champion` is the version `predict.py` uses.")

@dataclass
class TrainConfig:
    """Everything a training run depends on (logged as MLflow params)."""

    data: list[Path] = field(default_factory=lambda: list(DEFAULT_TRAINING_DATA))
    with_public: list[str] = field(default_factory=list)
    public_data_dir: Path | None = None
    targets: list[str] = field(default_factory=lambda: list(TARGETS))
    cv: str = "paper"
    folds: int = 5
    experiment: str = tracking.DEFAULT_EXPERIMENT
    tracking_uri: str = tracking.DEFAULT_TRACKING_URI
    tune: int = 0
    seed: int = 0
    models_dir: Path = Path("models")
    fingerprint_bits: int = 64
    min_rows: int = 20
    #: Train on polymer-free liquid electrolytes (electrolyte_type 'liquid') too; see LIQUID_LEFT_OUT_REASON.
    with_liquid: bool = False
    xgb_params: dict | None = None  # overrides of cpe_ml.models.interval.DEFAULT_PARAMS


@dataclass
class TargetResult:
    target: str
    n_rows: int
    n_groups: int
    n_assumed_temperature: int
    cv: CVResult
    bundle_path: Path
    run_id: str
    model_version: str | None
    champion_moved: bool
    champion_reason: str
    bundle: ModelBundle | None = None
    n_liquid_left_out: int = 0

    @property
    def beats_polymer_mean(self) -> bool:
        return self.cv.beats_polymer_mean

    @property
    def beats_best_baseline(self) -> bool:
        return self.cv.beats_best_baseline


@dataclass
class TrainingSummary:
    parent_run_id: str
    experiment_id: str
    tracking_uri: str
    data_digest: str
    n_rows: int
    report: ValidationReport
    results: list[TargetResult]
    skipped_targets: dict[str, str]


def data_digest(frame: pd.DataFrame) -> str:
    """Content digest of the validated table (row order and column order independent)."""
    canonical = frame.reindex(sorted(frame.columns), axis=1)
    canonical = canonical.sort_values(list(canonical.columns), kind="mergesort").astype(str)
    return hashlib.sha256(canonical.to_csv(index=False).encode()).hexdigest()[:16]


def load_training_frame(config: TrainConfig) -> tuple[pd.DataFrame, ValidationReport]:
    """Read every table, validate them together; raises FormulationValidationError on any bad row."""
    frames = []
    for path in config.data:
        frame = read_formulations(path)
        frame["dataset"] = frame["dataset"] if "dataset" in frame else Path(path).stem
        frames.append(frame)
    if config.with_public:
        from cpe_ml.datasets.public import load_public

        # A table loaded from upstream replaces its shipped copy (never the same rows twice).
        frames = [f.loc[~f["dataset"].isin(config.with_public)] for f in frames]
        public = load_public(config.with_public, data_dir=config.public_data_dir)
        frames.append(public.astype(object).where(public.notna(), ""))
    return validate_training_table(pd.concat(frames, ignore_index=True))


def validate_training_table(raw: pd.DataFrame) -> tuple[pd.DataFrame, ValidationReport]:
    """A table as read (any dtypes, NaN for blanks) -> validated rows; FormulationValidationError on any bad row."""
    raw = raw.astype(object)
    return validate_formulations(raw.where(raw.notna(), ""))


def fit_targets(frame: pd.DataFrame, config: TrainConfig, progress: Progress | None = None) -> tuple[list[TargetResult], dict[str, str]]:
    """Validated rows -> each trainable target's CV and fitted bundle, in memory: no file, no MLflow
    (the Python API, :class:`cpe_ml.api.CPEModel`); the targets it could not train, with the reason."""
    trainable, skipped = plan_targets(frame, config)
    digest = data_digest(frame)
    return [train_target(target, frame, config, digest, progress) for target in trainable], skipped


def known_limits(target: Target, rows: pd.DataFrame, frame: pd.DataFrame, n_liquid_left_out: int = 0) -> tuple[str, ...]:
    """The model card's known limits: the target's own (:attr:`Target.limits`) and what its rows leave out."""
    limits = list(target.limits)
    # the source block tells best-of-paper curated rows from ordinary ones; predictions are made as ordinary
    if "source" in target.blocks and "dataset" in rows and rows["dataset"].eq(DEFAULT_DATA_PATH.stem).any():
        limits.append("Curated rows are mostly each paper's best electrolyte (abstracts); predictions are made as "
                      "ordinary measurements.")
    bounds = int(target.bound_rows(frame).sum())
    if bounds:
        limits.append(f"{bounds:,} values stated only as lower or upper bounds are neither fitted nor scored.")
    for column, words in target.stated_conditions.items():
        if column in rows:
            stated = int(np.isfinite(as_float(rows[column])).sum())
            limits.append(f"{stated:,} of {len(rows):,} rows state {words}.")
    if n_liquid_left_out:
        limits.append(f"{n_liquid_left_out:,} polymer-free liquid electrolytes were left out of training ({LIQUID_LEFT_OUT_REASON}); "
                      "a liquid candidate is labelled low confidence.")
    if target.temperature_law and "assumed_temperature" in rows and rows["assumed_temperature"].sum():
        limits.append(f"{int(rows['assumed_temperature'].sum()):,} rows gave the temperature only in words "
                      f"('room temperature') and are used at {ROOM_TEMPERATURE_C:g} C.")
    return tuple(limits)


def _rows_label(n: int) -> str:
    return f"{n:,}" if n < 10_000 else f"{n / 1000:.1f}k"


def run_name(config: TrainConfig, frame: pd.DataFrame) -> str:
    """The parent run's name says what ran: ``train · default data (curated 439 + public 14.7k rows) · paper-grouped 5-fold``."""
    from cpe_ml.datasets.registry import PUBLIC_NAMES

    datasets = frame["dataset"] if "dataset" in frame else pd.Series("table", index=frame.index)
    counts = datasets.value_counts()
    public = int(counts[counts.index.isin(PUBLIC_NAMES)].sum())
    parts = [f"{'curated' if name == DEFAULT_DATA_PATH.stem else name} {_rows_label(int(counts[name]))}"
             for name in datasets.drop_duplicates() if name not in PUBLIC_NAMES]
    parts += [f"public {_rows_label(public)}"] if public else []
    default = [Path(p).resolve() for p in config.data] == [p.resolve() for p in DEFAULT_TRAINING_DATA] and not config.with_public
    data = f"default data ({' + '.join(parts)} rows)" if default else f"{' + '.join(parts)} rows"
    protocol = f"{config.folds}-fold random CV (leaky)" if config.cv == "random" else f"{config.cv}-grouped {config.folds}-fold CV"
    return " · ".join(["train", data, protocol, *([f"tuned {config.tune} trials"] if config.tune else [])])


def training_card(config: TrainConfig, frame: pd.DataFrame, digest: str, results: list[TargetResult],
                  skipped: dict[str, str]) -> str:
    """The parent run's description: what was trained on what, and each target's CV figures against the best baseline."""
    how, _ = tracking.PROTOCOLS[config.cv]
    lines = [f"**{len(frame):,} rows**, data digest `{digest}`: " + ", ".join(f"`{Path(p).name}`" for p in config.data)
             + (f" + public {', '.join(config.with_public)}" if config.with_public else "") + ".", "",
             f"**Evaluation**: {config.folds}-fold CV, {how}; seed {config.seed}"
             + (f", {config.tune} Optuna trials per fit" if config.tune else "") + ". Each child run's description is its model card.", ""]
    for r in results:
        unit, model = TARGETS[r.target].unit, r.cv.metrics["model"]
        registered = f"{TARGETS[r.target].registered_name} v{r.model_version}" if r.model_version else "not registered"
        lines.append(f"- **{r.target}**: {r.n_rows:,} rows, CV MAE {model['mae']:.3g} {unit} against "
                     f"{r.cv.metrics[r.cv.best_baseline]['mae']:.3g} ({r.cv.best_baseline}), skill {100 * r.cv.skill:+.0f} %"
                     f"{'' if r.beats_best_baseline else ' (**no skill**)'}, 80 % interval coverage "
                     f"{100 * model['interval_coverage']:.0f} %; {registered} ({r.champion_reason})")
    lines += ["", *(f"Skipped **{name}**: {reason}." for name, reason in skipped.items())]
    return "\n".join(lines).strip()


def _data_source(config: TrainConfig) -> str:
    """Where the training rows came from: absolute file paths plus public dataset names."""
    return ",".join([*(str(Path(p).resolve()) for p in config.data), *config.with_public])


def _make_model(target: Target, names: list[str], config: TrainConfig) -> Callable[..., IntervalRegressor]:
    def make(X: np.ndarray, y: np.ndarray, groups: np.ndarray | None) -> IntervalRegressor:
        params = dict(config.xgb_params or {})
        if config.tune:
            from cpe_ml.models.tuning import tune_params

            def candidate(trial_params: dict) -> IntervalRegressor:
                return target.estimator(names, {**params, **trial_params}, config.seed, calibration_folds=0)

            params = {**params, **tune_params(X, y, groups, candidate, config.tune, config.seed)}
        return target.estimator(names, params, random_state=config.seed, calibration_folds=0)

    return make


def _log_plots(target: Target, cv: CVResult, model: IntervalRegressor, featurizer: FormulationFeaturizer,
               rows: pd.DataFrame, directory: Path) -> None:
    label = target.unit
    plots.parity_plot(cv.predictions, label, directory / "parity.png", target.label)
    plots.residuals_by_group(cv.predictions, label, directory / "residuals_by_group.png")
    names = list(featurizer.get_feature_names_out())
    plots.feature_importance_plot(names, model.feature_importances(), directory / "feature_importance.png")
    plots.reliability_plot(cv.reliability, directory / "reliability_by_domain_bin.png")
    plots.interval_width_histogram(cv.predictions, label, directory / "interval_width.png")

    def predict(frame: pd.DataFrame) -> np.ndarray:
        return model.predict(featurizer.transform(frame))

    if target.temperature_law:
        plots.dependence_plot(rows, "temperature_c", np.linspace(0, 100, 21), predict, "temperature (C)",
                              target.label, directory / "dependence_temperature.png")
    filled = rows.loc[~filler_absent(rows["filler"], as_float(rows["filler_loading_wt_pct"]), as_float(rows["filler_loading_vol_pct"]))]
    if len(filled) >= 5:
        plots.dependence_plot(filled, "filler_loading_wt_pct", np.linspace(0, 60, 13), predict,
                              "filler loading (wt%)", target.label, directory / "dependence_filler_loading.png")


def _subset_metrics(rows: pd.DataFrame, cv: CVResult) -> dict[str, dict[str, float]]:
    """CV metrics on the curated rows (not from a public table) and on those with a filler: the composite
    electrolytes a user asks about, scored apart from thousands of public filler-free rows."""
    from cpe_ml.datasets.registry import PUBLIC_NAMES
    from cpe_ml.evaluation.metrics import regression_metrics

    if "dataset" not in rows or not rows["dataset"].isin(PUBLIC_NAMES).any():
        return {}
    by_id = rows.set_index("record_id")
    part = cv.predictions.join(by_id[["dataset", "filler", "filler_loading_wt_pct", "filler_loading_vol_pct"]], on="record_id")
    curated = ~part["dataset"].isin(PUBLIC_NAMES)
    filled = curated & ~filler_absent(part["filler"], as_float(part["filler_loading_wt_pct"]), as_float(part["filler_loading_vol_pct"]))
    return {name: {**regression_metrics(part.loc[mask, "y"], part.loc[mask, "pred"]), "n": float(mask.sum())}
            for name, mask in (("curated", curated), ("curated_filler", filled)) if mask.sum() > 2}


def training_rows(target: Target, frame: pd.DataFrame, config: TrainConfig) -> tuple[pd.Series, pd.Series]:
    """(rows that train ``target``, liquid-electrolyte rows left out of them): without ``config.with_liquid``
    the polymer-free liquids are left out (:data:`LIQUID_LEFT_OUT_REASON`)."""
    usable = target.rows(frame)
    liquid = usable & is_liquid(frame) & (not config.with_liquid)
    return usable & ~liquid, liquid


def train_target(target: Target, frame: pd.DataFrame, config: TrainConfig, digest: str, progress: Progress | None,
                 bundle_dir: Path | None = None) -> TargetResult:
    """CV, final fit, bundle in ``bundle_dir``, MLflow child run for one target (caller holds the parent run).

    Without ``bundle_dir`` (the Python API, :class:`cpe_ml.api.CPEModel`) only the fitted bundle is returned:
    no file, no MLflow.
    """
    usable, liquid = training_rows(target, frame, config)
    rows = frame.loc[usable].reset_index(drop=True)
    y = target.to_model_scale(rows[target.column])
    effect = None
    if "filler_effect" in target.blocks:
        from cpe_ml.models.filler_effect import FillerEffectModel

        # Learned on within-paper contrasts only, so source offsets cancel; applied to every filler class.
        effect = FillerEffectModel(all_classes=True).fit(rows, y)
    featurizer = FormulationFeaturizer(target.blocks, config.fingerprint_bits, filler_effect=effect).fit(rows)
    names = list(featurizer.get_feature_names_out())
    X = featurizer.transform(rows).astype(np.float32)
    groups = cv_groups(rows, config.cv)
    polymers = host_keys(rows).to_numpy()
    weights = target.row_weights(rows, polymers)
    make = _make_model(target, names, config)
    cv = cross_validate(X, y, groups, polymers, rows["record_id"].to_numpy(), make, config.folds, config.seed,
                        on_fold=(lambda i, n: progress(f"{target.name}: CV fold", i, n)) if progress else None,
                        sample_weight=weights,
                        # retention: scored in % (the model fits log cumulative fade), beside %-scale baselines
                        to_target=(lambda values, _rows: target.from_model_scale(values)) if target.fade_scale else None,
                        y_target=rows[target.column].to_numpy(dtype=float) if target.fade_scale else None)
    if progress:
        progress(f"{target.name}: final fit", 0, 1)
    model = make(X, y, groups).fit(X, y, groups, sample_weight=weights)
    model.margin_, model.margins_ = cv.margin, cv.margins
    cv.extra.update(_subset_metrics(rows, cv))
    if target.temperature_law and rows["dataset"].eq("bradford2023").any():
        from cpe_ml.datasets.bradford2023 import source_noise_floor

        # The same formulation reported by different sources (Mw as the stand-in) scatters this much.
        spread, n_groups = source_noise_floor(rows.loc[rows["dataset"].eq("bradford2023")])
        cv.extra["noise_floor"] = {"sd": spread, "n_groups": float(n_groups)}
    domain = ApplicabilityDomain(random_state=config.seed).fit(X, rows, names, measured=rows[target.column])
    bin_mae = [cv.extra.get(f"ad_bin_{b}", {}).get("mae", np.nan) for b in bin_names(len(cv.bin_edges) + 1)]
    domain.calibrate(cv.bin_edges, np.asarray(bin_mae), cv.metrics[cv.best_baseline]["mae"], cv.metrics["model"]["skill_lower_90"],
                     cv.difficulty, cv.far_distance)
    cv.extra.update(confidence_metrics(cv.predictions, rows, dict(zip(domain.bin_names_, domain.bin_confidence_)), cv.far_distance))
    bundle = ModelBundle(target.name, model, featurizer, domain, digest, config.cv, cv.metrics["model"], len(rows))
    n_groups = len(np.unique(groups)) if groups is not None else len(rows)
    if bundle_dir is None:
        return TargetResult(target.name, len(rows), n_groups, 0, cv, None, "", None, False, "not registered", bundle,
                            int(liquid.sum()))
    bundle_file = save_bundle(bundle, bundle_dir)
    card = tracking.model_card(target, rows, cv, config.cv, n_groups, digest, known_limits(target, rows, frame, int(liquid.sum())))
    with mlflow.start_run(run_name=f"{target.name} · {len(rows):,} rows · MAE {cv.metrics['model']['mae']:.3g} {target.unit}"
                          f" · skill {100 * cv.skill:+.0f} %", nested=True) as run:
        mlflow.set_tags({"target": target.name, "data_digest": digest, "cv_protocol": config.cv, tracking.NOTE_TAG: card})
        mlflow.log_params({"n_rows": len(rows), "n_features": len(names), "n_groups": n_groups,
                           "temperature_model": "VTF readout" if target.temperature_law else
                           (",".join(f"monotone {k}:{v}" for k, v in target.monotone.items()) or "trees"),
                           "calibration_margin": round(model.margin_, 4),
                           "ad_bins": ",".join(domain.bin_names_), "ad_bin_edges": ",".join(f"{e:.4g}" for e in domain.bin_edges_),
                           "calibration_margins_per_expected_error": ",".join(f"{m:.4g}" for m in model.margins_),
                           "ad_bin_confidence": ",".join(domain.bin_confidence_), **{f"xgb_{k}": v for k, v in model.settings().items()
                                                                           if k in ("n_estimators", "learning_rate", "max_depth", "min_child_weight", "subsample", "colsample_bytree", "reg_lambda")}})
        mlflow.log_metrics(tracking.cv_metrics(cv, target.unit))
        for step, values in tracking.fold_metrics(cv, target.unit):
            mlflow.log_metrics(values, step=step)
        mlflow.set_tag("beats_polymer_mean", str(cv.beats_polymer_mean))
        tracking.log_dataset(rows, f"{target.name}-training", _data_source(config), target.column)
        with tempfile.TemporaryDirectory() as tmp:
            _log_plots(target, cv, model, featurizer, rows, Path(tmp))
            cv.predictions.to_csv(Path(tmp) / "cv_predictions.csv", index=False)
            cv.fold_metrics.to_csv(Path(tmp) / "cv_fold_metrics.csv", index=False)
            bundle.feature_ranges().to_csv(Path(tmp) / "feature_ranges.csv", index=False)
            mlflow.log_artifacts(tmp)
        example = rows[[c for c in rows.columns if c in frame.columns and not c.endswith("canonical_smiles")]].head(3)
        version = tracking.log_pyfunc_model(bundle_file, tracking.typed_request(example), target.registered_name)
        moved, reason = (False, "not registered")
        if version is not None:
            moved, reason = tracking.promote_champion(target.registered_name, version, cv.metrics["model"]["mae"], digest, config.cv)
            bundle.registered_name, bundle.registered_version = target.registered_name, version
            save_bundle(bundle, bundle_dir)  # the live file names its registry version (predict reports it)
            tracking.describe_model(target, version, card, reason)
        mlflow.set_tag("champion", reason)
    return TargetResult(target.name, len(rows), n_groups,
                        int(rows["assumed_temperature"].sum()) if target.temperature_law else 0,
                        cv, bundle_file, run.info.run_id, version, moved, reason, bundle, int(liquid.sum()))


def plan_targets(frame: pd.DataFrame, config: TrainConfig) -> tuple[list[Target], dict[str, str]]:
    """The targets this table can train, and why each other one cannot; ValueError when none can.

    A target needs ``config.min_rows`` rows (default 20, the project's floor: below it every CV fold
    scores a handful of rows) and, under grouped CV, rows from at least two groups to hold one out.
    """
    trainable, skipped = [], {}
    for name in config.targets:
        target = TARGETS[name]
        usable, liquid = training_rows(target, frame, config)
        rows = frame.loc[usable]
        if len(rows) < config.min_rows:
            skipped[name] = (f"only {len(rows)} row(s) with {target.column}"
                             + (f" ({int(liquid.sum())} liquid-electrolyte rows left out: --with-liquid trains on them)" if liquid.any() else "")
                             + f"; a target needs at least {config.min_rows} rows with a value to be trained and cross-validated")
            continue
        groups = cv_groups(rows, config.cv)
        if groups is not None and len(np.unique(groups)) < 2:
            unit = "source paper" if config.cv == "paper" else "host polymer"
            skipped[name] = (f"--cv {config.cv} holds out whole {unit}s, but all {len(rows)} rows with {target.column} share one "
                             f"({str(groups[0])[:60]}); use --cv random (optimistic: rows of one source sit in "
                             f"train and test folds) or add rows from at least one more {unit}")
            continue
        trainable.append(target)
    if not trainable:
        raise ValueError("nothing could be trained: " + "; ".join(f"{name}: {reason}" for name, reason in skipped.items()))
    return trainable, skipped


def train(config: TrainConfig, progress: Progress | None = None) -> TrainingSummary:
    """Run the whole training; raises FormulationValidationError (nothing written) on invalid input."""
    frame, report = load_training_frame(config)
    digest = data_digest(frame)
    trainable, skipped = plan_targets(frame, config)
    experiment_id = tracking.configure(config.tracking_uri, config.experiment, EXPERIMENT_DESCRIPTION)
    generation = new_generation(config.models_dir)  # live only once every target is in (commit_generation)
    results = []
    with mlflow.start_run(run_name=run_name(config, frame)) as parent:
        mlflow.set_tags(tracking.run_tags(load_catalog().version, digest, config.cv))
        mlflow.log_params({"data": ",".join(str(p) for p in config.data), "with_public": ",".join(config.with_public) or "none", "with_liquid": config.with_liquid,
                           "targets": ",".join(config.targets), "cv": config.cv, "folds": config.folds, "tune_trials": config.tune,
                           "seed": config.seed, "fingerprint_bits": config.fingerprint_bits, "n_rows": len(frame)})
        tracking.log_dataset(frame, "formulations", _data_source(config))
        for target in trainable:
            results.append(train_target(target, frame, config, digest, progress, generation))
        mlflow.set_tag(tracking.NOTE_TAG, training_card(config, frame, digest, results, skipped))
    commit_generation(config.models_dir, generation,
                      {r.target: (TARGETS[r.target].registered_name if r.model_version else None, r.model_version) for r in results})
    return TrainingSummary(parent.info.run_id, experiment_id, config.tracking_uri, digest, len(frame), report, results, skipped)
