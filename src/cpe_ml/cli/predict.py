"""``cpe-ml predict`` (also ``python predict.py``): predict candidate formulations and rank them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cpe_ml.cli.common import MODEL_STORE_OPTION, MODEL_URI_OPTION, MODELS_DIR_OPTION, console, errors, quiet_mlflow, stop_on_invalid_data


def load_models(models_dir: Path, model_uri: list[str] | None):
    """Bundles from ``models_dir`` or from MLflow registry URIs (models:/cpe-conductivity@champion)."""
    from cpe_ml.models.bundle import load_bundle, load_bundles

    if not model_uri:
        return load_bundles(models_dir)
    import mlflow

    bundles = {}
    for uri in model_uri:
        local = mlflow.artifacts.download_artifacts(uri)
        path = next(Path(local).rglob("*.joblib"))
        bundle = load_bundle(path)
        bundles[bundle.target_name] = bundle
    return bundles


def predict_command(
    candidates: Path = typer.Argument(..., help="Candidate formulations: CSV or JSON (list of records) in the cpe-ml schema; targets may be absent."),
    output: Path = typer.Option(None, "-o", "--output", help="Output CSV (default: <candidates>_predictions.csv)."),
    models_dir: Path = MODELS_DIR_OPTION,
    model: list[str] = MODEL_URI_OPTION,
    tracking_uri: str = MODEL_STORE_OPTION,
    temperatures: str = typer.Option("", "--temperatures", help="Predict every candidate at these temperatures in C, e.g. 25,60 (one output row per candidate and temperature)."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Leave invalid rows out (listed with reasons in <output>_skipped.csv) instead of stopping."),
    explain: str = typer.Option("", "--explain", help="Write a PNG waterfall of the feature contributions for this record_id (or 1-based row number)."),
    rank_by: str = typer.Option("pred_conductivity", "--rank-by", help="Column to rank the printed table by."),
    top: int = typer.Option(10, "--top", help="Rows in the printed ranking."),
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

    from cpe_ml.prediction import predict_formulations, rank_predictions, write_predictions
    from cpe_ml.validation import read_formulations

    mlflow.set_tracking_uri(tracking_uri)
    if not candidates.is_file():
        errors.print(f"[red]{candidates}: no such file[/]")
        raise typer.Exit(2)
    try:
        bundles = load_models(models_dir, model)
    except FileNotFoundError as err:
        errors.print(f"[red]{err}[/]")
        raise typer.Exit(2) from None
    frame = read_formulations(candidates)
    temps = [float(t) for t in temperatures.split(",") if t.strip()]
    output = output or candidates.with_name(candidates.stem + "_predictions.csv")
    try:
        with stop_on_invalid_data():
            if dask:
                from cpe_ml.distributed import dask_client, predict_on_cluster

                with dask_client(dask) as client:
                    result = predict_on_cluster(frame, bundles, client, temperatures=temps or None, skip_invalid=skip_invalid)
            else:
                result = predict_formulations(frame, bundles, temperatures=temps or None, skip_invalid=skip_invalid)
    except ValueError as err:  # e.g. --temperatures outside the schema range
        errors.print(f"[red]{err}[/]")
        raise typer.Exit(2) from None
    write_predictions(result, output)
    if len(result.skipped):
        side = output.with_name(output.stem + "_skipped.csv")
        result.skipped.to_csv(side, index=False)
        errors.print(f"[yellow]{len(result.report.skipped_rows)} invalid row(s) left out; reasons in {side}[/]")
    console.print(f"{len(result.predictions)} predictions -> {output}")
    if rank_by in result.predictions:
        _print_ranking(rank_predictions(result.predictions, rank_by).head(top), bundles)
    if explain:
        from cpe_ml.explain import waterfall_plot

        path = output.with_name(output.stem + f"_explain_{explain}.png")
        try:
            waterfall_plot(frame, bundles, explain, path)
        except LookupError as err:
            errors.print(f"[red]--explain: {err}[/]")
            raise typer.Exit(2) from None
        console.print(f"explanation waterfall: {path}")


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
        cells = [str(row.get("record_id", position)), _formulation(row), f"{row.get('temperature_c', '')}"]
        for name, _ in shown:
            cells.append(f"{row['pred_conductivity_s_cm']:.1e}" if name == "conductivity" else f"{row[f'pred_{name}']:.3g}")
        table.add_row(*cells, str(row["confidence"]))
    console.print(table)
