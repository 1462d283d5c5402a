"""``cpe-ml benchmark NAME``: reproduce a published evaluation protocol and log it to MLflow."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cpe_ml.cli.common import console, errors
from cpe_ml.storage import DEFAULT_TRACKING_URI


def benchmark_command(
    name: str = typer.Argument(..., help="Benchmark to run: bradford2023 (Bradford et al., ACS Cent. Sci. 2023, 9, 206: 10 polymer-held-out folds) or bradford2023-fewshot (the same folds with k = 0, 5, 20 rows of each held-out polymer added, as a lab's own data)."),
    public_dir: Path | None = typer.Option(None, "--public-dir", envvar="CPE_ML_PUBLIC_DATA_DIR", help="Local directory holding the public tables (no download)."),
    tracking_uri: str = typer.Option(DEFAULT_TRACKING_URI, "--tracking-uri", envvar="MLFLOW_TRACKING_URI", help=f"MLflow store: {DEFAULT_TRACKING_URI} (default, no server) or http://host:5000."),
    seed: int = typer.Option(0, "--seed", help="First random seed; the models of seeds N, N+1, N+2 are averaged per fold (the folds are fixed by the protocol)."),
    polymer_key: str = typer.Option("canonical", "--polymer-key", help="What counts as one polymer for ranking and holding out: canonical (the project's canonical repeat unit; default) or raw (Bradford's SMILES string, as in the paper)."),
    polymer_weighting: str = typer.Option("sqrt", "--polymer-weighting", help="Row weights in training: sqrt (1/sqrt(rows of the row's polymer), so PEO's 3,438 rows do not drown the other polymers; default) or none (every row weighs the same)."),
    experiment: str = typer.Option("cpe-ml-benchmarks", "--experiment", help="MLflow experiment name."),
    validation: bool = typer.Option(False, "--validation", help="bradford2023: score the paper's validation split (fold t trains without rank classes t and t+1 and scores class t+1) instead of the test folds; compare settings here, then run the test folds once."),
) -> None:
    """Reproduce a published benchmark with the product's conductivity model; print per-fold and mean MAE.

    bradford2023: polymers ranked by row count; fold t = 2..11 tests the polymers of rank r with r % 10 == t % 10 (never ranks 0 and 1, PEO and PTMC; never polyanions). MAE in log10 S/cm.

    bradford2023-fewshot: the same folds; each held-out polymer with more than 20 rows lends k = 0, 5, 20 of them to training (weighted like your own rows with `train.py --data ... --with-default`) and the rest are scored, the same rows for every k.

    Examples:
      cpe-ml benchmark bradford2023                        (downloads the pinned table once, then reads the cache)
      cpe-ml benchmark bradford2023-fewshot --public-dir DIR   (a local copy: DIR/bradford2023/clean_train_data.csv)
    """
    from cpe_ml.datasets.public import PublicDataError
    from cpe_ml.evaluation.benchmark import (
        BENCHMARKS,
        POLYMER_KEYS,
        POLYMER_WEIGHTINGS,
        log_benchmark,
        run_bradford_benchmark,
    )

    if name == "bradford2023-fewshot":
        _fewshot(public_dir, seed, polymer_key)
        return
    if name not in BENCHMARKS:
        errors.print(f"[red]unknown benchmark {name!r}[/]: choose from {', '.join(BENCHMARKS)}")
        raise typer.Exit(2)
    if polymer_key not in POLYMER_KEYS:
        errors.print(f"[red]--polymer-key {polymer_key}[/]: choose from {', '.join(POLYMER_KEYS)}")
        raise typer.Exit(2)
    if polymer_weighting not in POLYMER_WEIGHTINGS:
        errors.print(f"[red]--polymer-weighting {polymer_weighting}[/]: choose from {', '.join(POLYMER_WEIGHTINGS)}")
        raise typer.Exit(2)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(f"{name}: fold", total=10)
        try:
            result = run_bradford_benchmark(data_dir=public_dir, seed=seed, polymer_key=polymer_key,
                                            polymer_weighting=polymer_weighting, validation=validation,
                                            on_fold=lambda done, total: bar.update(task, completed=done, total=total))
        except PublicDataError as err:
            errors.print(f"[red]{err}[/]")
            raise typer.Exit(1) from None
    scored = "validation split" if validation else "polymer-held-out folds"
    table = Table(title=f"{name}: {scored} ({result.params['n_rows']} rows, {result.params['n_polymers']} polymers, key {polymer_key})")
    for column in ("fold t", "tested ranks", "test rows", "test polymers", "MAE (log10 S/cm)", "train-mean MAE"):
        table.add_column(column, justify="right")
    for r in result.folds.to_dict("records"):
        ranks = f"r % 10 = {(r['fold'] + 1) % 10}" if validation else f"{r['fold']}, {r['fold'] + 10}, ..."
        table.add_row(str(r["fold"]), ranks, str(r["n_test"]), str(r["n_test_polymers"]),
                      f"{r['mae']:.3f}", f"{r['train_mean_mae']:.3f}")
    table.add_row("mean", "", str(int(result.folds["n_test"].sum())), str(int(result.folds["n_test_polymers"].sum())),
                  f"[bold]{result.mean_mae:.3f}[/]", f"{result.folds['train_mean_mae'].mean():.3f}")
    console.print(table)
    run_id = log_benchmark(result, tracking_uri, experiment)
    console.print(f"pooled MAE over all tested rows {result.pooled_mae:.3f}; {result.seconds:.0f} s. "
                  f"MLflow: run {run_id} in experiment {experiment!r} at {tracking_uri}")


def _fewshot(public_dir: Path | None, seed: int, polymer_key: str) -> None:
    from cpe_ml.evaluation.benchmark import run_fewshot_benchmark

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("bradford2023-fewshot: fold", total=10)
        result = run_fewshot_benchmark(data_dir=public_dir, seed=seed, polymer_key=polymer_key,
                                       on_fold=lambda done, total: bar.update(task, completed=done, total=total))
    table = Table(title="bradford2023-fewshot: k rows of each held-out polymer added to training")
    for column in ("k", "mean fold MAE (log10 S/cm)", "scored rows", "scored polymers"):
        table.add_column(column, justify="right")
    for k, part in result.per_fold.groupby("k"):
        table.add_row(str(k), f"{part['mae'].mean():.3f}", str(int(part["n_scored"].sum())), str(int(part["n_polymers"].sum())))
    console.print(table)
    listed = ", ".join(f"{r.polymer} ({r.rows})" for r in result.too_few.itertuples())
    console.print(f"held-out polymers with too few rows to draw 20 and score the rest ({len(result.too_few)}): {listed}")
    console.print(f"{result.seconds:.0f} s")
