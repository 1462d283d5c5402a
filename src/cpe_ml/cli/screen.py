"""``cpe-ml screen``: enumerate a design space, predict it, keep what meets the constraints, rank the rest."""

from __future__ import annotations

import time
from pathlib import Path

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from cpe_ml.cli.common import MODEL_STORE_OPTION, MODEL_URI_OPTION, MODELS_DIR_OPTION, console, errors, fail, guarded
from cpe_ml.cli.predict import load_models


@guarded
def screen_command(
    spec: Path = typer.Argument(..., help="Screen spec (YAML): space, temperature_c, fixed, constraints, maximize/minimize, top. See data/examples/screen.yaml."),
    output: Path = typer.Option(None, "-o", "--output", help="Ranked CSV (default: <spec>_ranked.csv); the Pareto-front PNG is written beside it (<output>_front.png)."),
    models_dir: Path = MODELS_DIR_OPTION,
    model: list[str] = MODEL_URI_OPTION,
    tracking_uri: str = MODEL_STORE_OPTION,
    dask: str = typer.Option("", "--dask", help="Screen partition by partition on a Dask cluster: 'local' or tcp://HOST:PORT. Same result as without."),
    partition_rows: int = typer.Option(50_000, "--partition-rows", min=1, help="Formulations per partition (memory holds one partition plus the feasible rows)."),
    show: int = typer.Option(10, "--show", min=0, help="Rows of the ranking printed."),
) -> None:
    """Screen every combination of the spec's polymers, salts, salt amounts, fillers, loadings, plasticizers,
    processes and temperatures: predict all targets, keep the candidates meeting every constraint and rank
    them by Pareto front over the objectives (ties: better pessimistic interval end, then narrower interval).

    Examples:
      cpe-ml screen data/examples/screen.yaml
      cpe-ml screen my_space.yaml -o ranked.csv --dask local
    """
    import mlflow

    from cpe_ml.prediction import write_predictions
    from cpe_ml.screen import ScreenSpec, plot_front, screen, space_size

    mlflow.set_tracking_uri(tracking_uri)
    from cpe_ml.io import check_output_path

    if not spec.is_file():
        fail(f"{spec}: no such file")
    output = check_output_path(output or spec.with_name(spec.stem + "_ranked.csv"), [spec])
    try:
        screen_spec = ScreenSpec.from_yaml(spec)
    except yaml.YAMLError as err:
        fail(f"{spec}: not valid YAML ({' '.join(str(err).split())[:300]})")
    except (AttributeError, TypeError) as err:  # e.g. a list where a mapping belongs
        fail(f"{spec}: not a screen spec ({err}); see data/examples/screen.yaml")
    bundles = load_models(models_dir, model)
    console.print(f"screening {space_size(screen_spec) * len(screen_spec.temperatures):,} candidates "
                  f"({space_size(screen_spec):,} formulations x {len(screen_spec.temperatures)} temperature(s))")
    start = time.perf_counter()
    try:
        if dask:
            from cpe_ml.distributed import dask_client, screen_on_cluster

            with dask_client(dask) as client:
                result = screen_on_cluster(screen_spec, bundles, client, partition_rows)
        else:
            result = screen(screen_spec, bundles, partition_rows)
    except ValueError as err:  # spec values the catalog or the models do not know
        if hasattr(err, "report"):
            raise
        fail(str(err))
    elapsed = time.perf_counter() - start
    write_predictions(result.ranked, output)
    figure = plot_front(result, output.with_name(output.stem + "_front.png"))
    console.print(f"{len(result.feasible):,} of {result.n_candidates:,} candidates meet the constraints; "
                  f"{len(result.front)} on the Pareto front ({elapsed:.1f} s)")
    console.print(f"ranked top {len(result.ranked)} -> {output}\nPareto front plot -> {figure}")
    if not len(result.feasible):
        errors.print("[yellow]no candidate meets every constraint: relax a constraint or widen the space[/]")
        return
    _print_ranking(result, show)


def _print_ranking(result, show: int) -> None:
    ranked = result.ranked.head(show)
    table = Table(title="Best candidates (value [80 % interval])")
    for column in ("#", "front", "record_id", "formulation", "T (C)", *result.spec.objectives, "confidence"):
        table.add_column(column, overflow="fold")
    parts = [c for c in result.spec.space if c in ranked]
    for _, row in ranked.iterrows():
        formulation = escape(" | ".join(str(row[c]) for c in parts if str(row[c]) not in ("", "nan", "none")))
        cells = [str(row["screen_rank"]), str(row["pareto_rank"]), escape(str(row["record_id"])), formulation, f"{row['temperature_c']:g}"]
        cells += [f"{row[c]:.3g} [{row.get(c + '_lo', float('nan')):.3g}, {row.get(c + '_hi', float('nan')):.3g}]" for c in result.spec.objectives]
        table.add_row(*cells, str(row.get("confidence", "")))
    console.print(table)
