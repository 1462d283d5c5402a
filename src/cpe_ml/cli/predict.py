"""``cpe-ml predict`` (also ``python predict.py``): predict candidate formulations and rank them."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from cpe_ml.cli.common import (
    MODEL_STORE_OPTION,
    MODEL_URI_OPTION,
    MODELS_DIR_OPTION,
    console,
    fail,
    guarded,
    load_models,
    parse_temperatures,
    quiet_mlflow,
    stop_on_invalid_data,
    warn,
)

RANK_BY_DEFAULT = "pred_conductivity"


@guarded
def predict_command(
    candidates: Path = typer.Argument(..., help="Candidate formulations: CSV or JSON (list of records) in the cpe-ml schema; targets may be absent."),
    output: Path = typer.Option(None, "-o", "--output", help="Output CSV (default: <candidates>_predictions.csv)."),
    models_dir: Path = MODELS_DIR_OPTION,
    model: list[str] = MODEL_URI_OPTION,
    tracking_uri: str = MODEL_STORE_OPTION,
    temperatures: str = typer.Option("", "--temperatures", help="Predict every candidate at these temperatures in C, e.g. 25,60 (one output row per candidate and temperature)."),
    temperature: float | None = typer.Option(None, "--temperature", help="Temperature in C for rows that give none (e.g. --temperature 25); without it such rows are invalid for the conductivity model."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Leave invalid rows out (listed with reasons in <output>_skipped.csv) instead of stopping."),
    explain: str = typer.Option("", "--explain", help="Write a PNG waterfall of the feature contributions for this record_id (or 1-based row number)."),
    rank_by: str = typer.Option(RANK_BY_DEFAULT, "--rank-by", help="Column to rank the printed table by."),
    top: int = typer.Option(10, "--top", min=0, help="Rows in the printed ranking."),
    dask: str = typer.Option("", "--dask", help="Predict partition by partition on a Dask cluster: 'local' (a LocalCluster on this machine) or a scheduler address tcp://HOST:PORT. Same result as without."),
) -> None:
    """Predict conductivity (log10 S/cm and S/cm), voltage window and capacity retention with 80 % intervals.

    Each output row keeps every input column unchanged and in input order, and adds per target
    pred_<target>, pred_<target>_lo, pred_<target>_hi, the applicability-domain flags (ad_flags, confidence)
    and the top-3 feature contributions (explain_<target>).

    Examples:
      python predict.py data/examples/candidates.csv -o predictions.csv
      python predict.py candidates.json --temperatures 25,60 --skip-invalid
      python predict.py candidates.csv --model models:/cpe-conductivity@champion
      cpe-ml predict big_candidates.csv --dask tcp://scheduler-host:8786
    """
    quiet_mlflow()
    import mlflow

    from cpe_ml.io import check_output_path, read_formulations, write_table
    from cpe_ml.prediction import predict_formulations, rank_predictions, write_predictions

    mlflow.set_tracking_uri(tracking_uri)
    temps = parse_temperatures(temperatures)
    if dask and temperature is not None:
        fail("--temperature is not supported with --dask yet: fill temperature_c in the file, or use --temperatures")
    output = check_output_path(output or candidates.with_name(candidates.stem + "_predictions.csv"), [candidates])
    frame = read_formulations(candidates)
    bundles = load_models(models_dir, model, tracking_uri)
    try:
        with stop_on_invalid_data():
            if dask:
                from cpe_ml.distributed import dask_client, predict_on_cluster

                with dask_client(dask) as client:
                    result = predict_on_cluster(frame, bundles, client, temperatures=temps or None, skip_invalid=skip_invalid)
            else:
                result = predict_formulations(frame, bundles, temperatures=temps or None, skip_invalid=skip_invalid,
                                              default_temperature_c=temperature)
    except ValueError as err:  # e.g. --temperatures outside the schema range
        fail(str(err))
    if rank_by not in result.predictions and rank_by == RANK_BY_DEFAULT:  # no conductivity model: rank by the first target
        rank_by = next(c for c in result.predictions.columns if c.startswith("pred_"))
    if rank_by not in result.predictions:
        fail(f"--rank-by {rank_by}: not a column of the predictions; choose one of "
             + ", ".join(c for c in result.predictions.columns if c.startswith("pred_")))
    for warning in result.report.warnings:
        warn(warning)
    write_predictions(result, output)
    if len(result.skipped):
        side = output.with_name(output.stem + "_skipped.csv")
        write_table(result.skipped, side)
        warn(f"{len(result.report.skipped_rows)} invalid row(s) left out; reasons in {side}")
    console.print(f"{len(result.predictions)} predictions -> {output}")
    if top:
        _print_ranking(rank_predictions(result.predictions, rank_by).head(top), bundles)
    if explain:
        from cpe_ml.explain import waterfall_plot

        # the id is user text: only safe characters reach the file name (no '/', no '..')
        path = output.with_name(output.stem + f"_explain_{re.sub(r'[^A-Za-z0-9_-]+', '_', explain).strip('_')}.png")
        try:
            waterfall_plot(frame, bundles, explain, path)
        except LookupError as err:
            fail(f"--explain: {err}")
        console.print(f"explanation waterfall: {path}")
        from cpe_ml.explain import nearest_training_rows

        neighbours = nearest_training_rows(frame, bundles, explain)
        side = path.with_name(path.stem + "_nearest_training_rows.csv")
        write_table(neighbours, side)
        console.print(f"nearest training rows behind {explain} (per target; all columns in {side}):")
        console.print(neighbours.drop(columns=[c for c in ("record_id", "dataset") if c in neighbours]).to_string(index=False, max_colwidth=40))


def _formulation(row) -> str:
    """'PEO/LiTFSI + 10 wt% LLZTO + SN' — one readable cell instead of six narrow ones."""
    get = lambda c: str(row.get(c, "") or "").strip()  # noqa: E731
    text = "/".join(filter(None, [get("polymer") or "SMILES polymer", get("salt")]))
    if get("filler") and get("filler").lower() != "none":
        loading = get("filler_loading_wt_pct")
        text += f" + {loading + ' wt% ' if loading else ''}{get('filler')}"
    return text + (f" + {get('plasticizer')}" if get("plasticizer") else "")


def _print_ranking(ranked, bundles) -> None:
    table = Table(title="Top candidates (80 % intervals in the output CSV)")
    for column, justify in (("id", "left"), ("formulation", "left"), ("T C", "right")):
        table.add_column(column, justify=justify)
    shown = [(name, title) for name, title in (("conductivity", "S/cm"), ("voltage_window", "window V"), ("retention", "retention %")) if name in bundles]
    for _, title in shown:
        table.add_column(title, justify="right")
    table.add_column("confidence")
    for position, (_, row) in enumerate(ranked.iterrows(), start=1):
        cells = [escape(str(row.get("record_id", position))), escape(_formulation(row)), escape(f"{row.get('temperature_c', '')}")]
        for name, _ in shown:
            cells.append(f"{row['pred_conductivity_s_cm']:.1e}" if name == "conductivity" else f"{row[f'pred_{name}']:.3g}")
        table.add_row(*cells, str(row["confidence"]))
    console.print(table)
