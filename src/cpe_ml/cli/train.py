"""``cpe-ml train`` (also ``python train.py``): train, evaluate and track the three models."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cpe_ml.cli.common import console, errors, guarded, quiet_mlflow, stop_on_invalid_data
from cpe_ml.datasets.registry import PUBLIC_NAMES
from cpe_ml.storage import DEFAULT_TRACKING_URI


@guarded
def train_command(
    data: list[Path] = typer.Option(None, "--data", help="Formulation table(s) in the cpe-ml schema (CSV or Parquet); repeat for several. Default: the embedded data (data/cpe_literature.csv + the harmonized public tables data/public/public_conductivity.parquet)."),
    with_default: bool = typer.Option(False, "--with-default", help="With --data: also train on the embedded default data, so your rows refine the public prior (your lab's rows count like curated rows)."),
    with_public: str = typer.Option("", "--with-public", help=f"Add public conductivity tables: {','.join(PUBLIC_NAMES)} (downloaded once, cached; or --public-dir)."),
    public_dir: Path | None = typer.Option(None, "--public-dir", envvar="CPE_ML_PUBLIC_DATA_DIR", help="Local directory holding the public tables (no download)."),
    targets: str = typer.Option("", "--targets", help="Comma-separated targets to train, e.g. conductivity,voltage_window (default: every target)."),
    cv: str = typer.Option("paper", "--cv", help="CV grouping: paper (hold out whole source papers; honest default), polymer (hold out host polymers), random (leaky; for comparison only)."),
    folds: int = typer.Option(5, "--folds", min=2, help="Number of CV folds."),
    experiment: str = typer.Option("cpe-ml", "--experiment", help="MLflow experiment name."),
    tracking_uri: str = typer.Option(DEFAULT_TRACKING_URI, "--tracking-uri", envvar="MLFLOW_TRACKING_URI", help=f"MLflow store: {DEFAULT_TRACKING_URI} (default, no server) or http://host:5000 for an mlflow server."),
    tune: int = typer.Option(0, "--tune", min=0, help="Optuna trials per fit (nested inside the CV folds, never tuned on test folds); 0 = sensible defaults."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same data + seed = identical metrics)."),
    models_dir: Path = typer.Option(Path("models"), "--models-dir", help="Where the per-target bundles (*.joblib) are written."),
    report: Path | None = typer.Option(None, "--report", help="On invalid data, write the full validation report to this CSV."),
    with_liquid: bool = typer.Option(False, "--with-liquid", help="Also train on polymer-free liquid electrolytes (electrolyte_type 'liquid', e.g. ~3,400 Hatakeyama rows); left out by default, see the printed reason."),
) -> None:
    """Train gradient-boosted models for ionic conductivity, voltage window and capacity retention.

    Validates the data (stops on any invalid row, writing nothing), evaluates each model with grouped
    cross-validation against baselines on the same folds, writes bundles to models/ and records the
    run (params, metrics, plots, dataset, registered models) in MLflow.

    Examples:
      python train.py
      python train.py --data my_lab.csv --targets conductivity --cv polymer
      python train.py --data my_lab.csv --with-default          # your rows on top of the public prior
      python train.py --with-public bradford2023,hatakeyama2022 --targets conductivity
    """
    quiet_mlflow()
    from cpe_ml.evaluation.cv import CV_PROTOCOLS
    from cpe_ml.models.targets import TARGETS, parse_targets
    from cpe_ml.training import DEFAULT_TRAINING_DATA, TrainConfig, train

    if cv not in CV_PROTOCOLS:
        errors.print(f"[red]--cv {cv}[/]: choose from {', '.join(CV_PROTOCOLS)}")
        raise typer.Exit(2)
    try:
        chosen = [t.name for t in parse_targets(targets)] if targets.strip() else list(TARGETS)
    except ValueError as err:
        errors.print(f"[red]{err}[/]")
        raise typer.Exit(2) from None
    config = TrainConfig(data=[*(DEFAULT_TRAINING_DATA if with_default or not data else ()), *(data or ())], with_public=[n for n in with_public.split(",") if n],
                         public_data_dir=public_dir, targets=chosen, cv=cv, folds=folds, experiment=experiment,
                         tracking_uri=tracking_uri, tune=tune, seed=seed, models_dir=models_dir, with_liquid=with_liquid)
    with stop_on_invalid_data(str(report) if report else None), Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done)

        summary = train(config, progress)
    _print_summary(summary)


def _print_summary(summary) -> None:
    table = Table(title=f"cpe-ml training: {summary.n_rows} rows, data digest {summary.data_digest}")
    from cpe_ml.evaluation.baselines import BASELINES

    for column in ("target", "rows", "groups", "CV MAE", "R2", "cover80", *(b.replace("_", "-") for b in BASELINES)):
        table.add_column(column, justify="left" if column == "target" else "right")
    for r in summary.results:
        m = r.cv.metrics
        flag = "" if r.beats_best_baseline else " [bold red]![/]"
        table.add_row(r.target, str(r.n_rows), str(r.n_groups), f"{m['model']['mae']:.3f}{flag}", f"{m['model']['r2']:.2f}",
                      f"{m['model']['interval_coverage']:.0%}", *(f"{m[b]['mae']:.3f}" for b in BASELINES))
    console.print(table)
    from cpe_ml.models.targets import TARGETS
    from cpe_ml.schema import ROOM_TEMPERATURE_C

    console.print("MAE in " + ", ".join(f"{TARGETS[r.target].unit} ({r.target})" for r in summary.results)
                  + "; baselines on the same grouped folds.")
    for r in summary.results:
        subsets = {k: v for k, v in r.cv.extra.items() if k in ("curated", "curated_filler")}
        if subsets:
            console.print(f"{r.target}: CV MAE on the curated composite rows " + ", ".join(
                f"{'all curated' if k == 'curated' else 'with a filler'} {v['mae']:.3f} ({int(v['n'])} rows)" for k, v in subsets.items())
                + " (public filler-free rows make up the rest).")
        if r.n_liquid_left_out:
            from cpe_ml.training import LIQUID_LEFT_OUT_REASON

            console.print(f"{r.target}: {r.n_liquid_left_out} liquid-electrolyte rows (no polymer) left out: {LIQUID_LEFT_OUT_REASON} "
                          "(--with-liquid trains on them).")
        if "noise_floor" in r.cv.extra:
            floor = r.cv.extra["noise_floor"]
            console.print(f"{r.target}: noise floor {floor['sd']:.2f} {TARGETS[r.target].unit} (median SD of one formulation reported by different "
                          f"sources, {int(floor['n_groups'])} groups): no model scored on unseen papers can beat it.")
        console.print(f"{r.target}: registered version {r.model_version}, champion {'moved' if r.champion_moved else 'kept'} ({r.champion_reason})")
        if r.n_assumed_temperature:
            console.print(f"{r.target}: {r.n_assumed_temperature} rows gave the temperature only in words (room temperature/ambient); "
                          f"used at {ROOM_TEMPERATURE_C:g} C with the assumed_temperature flag.")
        bins = {k.removeprefix("ad_bin_"): v for k, v in r.cv.extra.items() if k.startswith("ad_bin_")}
        console.print(f"{r.target}: 80 % interval coverage per error bin on held-out groups: " + ", ".join(
            f"{name} {v['interval_coverage']:.0%} (MAE {v['mae']:.3f}, width {v['interval_width']:.2f}, {int(v['n'])} rows)"
            for name, v in bins.items()))
        labels = {k.removeprefix("confidence_"): v for k, v in r.cv.extra.items() if k in ("confidence_high", "confidence_medium", "confidence_low")}
        console.print(f"{r.target}: MAE per confidence label on held-out groups: " + ", ".join(
            f"{name} {v['mae']:.3f} ({int(v['n'])} rows)" for name, v in labels.items())
            + (f"; high/low {r.cv.extra['confidence_ratio']['high_over_low_mae']:.2f}" if "confidence_ratio" in r.cv.extra else ""))
        lower = r.cv.metrics["model"].get("skill_lower_90", float("nan"))
        console.print(f"{r.target}: skill {r.cv.skill:+.1%} = 1 - MAE / MAE(best baseline: {r.cv.best_baseline}, "
                      f"{r.cv.metrics[r.cv.best_baseline]['mae']:.3f}) on the same folds; 90 % lower bound {lower:+.1%} "
                      "(papers resampled)")
        if not r.beats_best_baseline:
            console.print(f"[bold red]WARNING: the {r.target} model does not beat the best baseline ({r.cv.best_baseline}) in grouped CV; "
                          "it has no skill: do not trust it for ranking.[/]")
        elif not r.cv.skill_demonstrated:
            console.print(f"[bold yellow]WARNING: the {r.target} model's skill over the best baseline ({r.cv.best_baseline}) could be "
                          "chance (its 90 % lower bound is not above 0): its predictions are labelled low confidence.[/]")
    for name, reason in summary.skipped_targets.items():
        console.print(f"[yellow]skipped {name}[/]: {reason}")
    from cpe_ml.tracking import RUNS_PAGE

    runs = RUNS_PAGE.format(experiment_id=summary.experiment_id)  # the UI's runs view, not its GenAI overview
    console.print(f"MLflow: parent run {summary.parent_run_id} in {summary.tracking_uri}; " + (
        f"runs: {summary.tracking_uri.rstrip('/')}/{runs}" if summary.tracking_uri.startswith(("http://", "https://")) else
        f"browse with: mlflow ui --backend-store-uri {summary.tracking_uri}, then open http://127.0.0.1:5000/{runs}"))
    console.print("bundles: " + ", ".join(str(r.bundle_path) for r in summary.results))
