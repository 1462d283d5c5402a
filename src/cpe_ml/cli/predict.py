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
    errors,
    fail,
    guarded,
    load_models,
    parse_temperatures,
    quiet_mlflow,
    stop_on_invalid_data,
    warn,
)

RANK_BY_DEFAULT = "pred_conductivity"
#: Suffixes read as table files: such an argument is a file even when it does not exist ("no such file").
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".parquet", ".xlsx", ".xls", ".ods")
#: Temperatures of a single formulation's Arrhenius plot, C.
ARRHENIUS_GRID_C = tuple(range(0, 101, 2))


@guarded
def predict_command(
    candidates: str = typer.Argument(..., help="Candidate formulations: CSV or JSON (list of records) in the cpe-ml schema; targets may be absent. Or one formulation in quotes, e.g. \"PEO/LiTFSI 16:1 + 10 wt% LLZTO @ 60 C\" (grammar: docs/notation.md)."),
    output: Path = typer.Option(None, "-o", "--output", help="Output CSV (default: <candidates>_predictions.csv; for one formulation: none)."),
    plot: Path = typer.Option(None, "--plot", help="One formulation: where to write its Arrhenius plot (default: <formulation>_arrhenius.png in the current folder)."),
    models_dir: Path = MODELS_DIR_OPTION,
    model: list[str] = MODEL_URI_OPTION,
    tracking_uri: str = MODEL_STORE_OPTION,
    temperatures: str = typer.Option("", "--temperatures", help="Predict every candidate at these temperatures in C, e.g. 25,60 (one output row per candidate and temperature)."),
    temperature: float | None = typer.Option(None, "--temperature", help="Temperature in C for rows that give none (e.g. --temperature 25); without it such rows are invalid for the conductivity model (one formulation without '@ T': 25 C, flagged)."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Leave invalid rows out (listed with reasons in <output>_skipped.csv) instead of stopping."),
    explain: str = typer.Option("", "--explain", help="Write a PNG waterfall of the feature contributions for this record_id (or 1-based row number; any value for one formulation)."),
    rank_by: str = typer.Option(RANK_BY_DEFAULT, "--rank-by", help="Column to rank the printed table by."),
    top: int = typer.Option(10, "--top", min=0, help="Rows in the printed ranking."),
    dask: str = typer.Option("", "--dask", help="Predict partition by partition on a Dask cluster: 'local' (a LocalCluster on this machine) or a scheduler address tcp://HOST:PORT. Same result as without."),
) -> None:
    """Predict conductivity (log10 S/cm and S/cm), voltage window and capacity retention with 80 % intervals.

    Each output row keeps every input column unchanged and in input order, and adds per target
    pred_<target>, pred_<target>_lo, pred_<target>_hi, the applicability-domain flags (ad_flags, confidence)
    and the contributions summed by concept (explain_<target>: temperature, filler, salt ...) with the
    three largest single features (explain_<target>_features).

    Examples:
      python predict.py data/examples/candidates.csv -o predictions.csv
      cpe-ml predict "PEO/LiTFSI 16:1 + 10 wt% LLZTO @ 60 C"       (one formulation: table + Arrhenius plot)
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
    if not Path(candidates).exists() and Path(candidates).suffix.lower() not in TABLE_SUFFIXES:
        record = _parse_or_exit(candidates)  # before the models load: a typo is reported at once
        if dask:
            fail("--dask is for candidate files; one formulation is predicted in this process")
        _predict_one(record, load_models(models_dir, model, tracking_uri), temperature, temps, output, plot, bool(explain))
        return
    candidates = Path(candidates)
    if plot:
        warn("--plot draws the Arrhenius plot of one formulation given as text; it is not used for a file")
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
    from cpe_ml.models.targets import TARGETS
    from cpe_ml.models.domain import skill_shown

    shown = [(name, bundles[name].target.title) for name in TARGETS if name in bundles]
    unskilled = [title for name, title in shown if not skill_shown(bundles[name].cv_metrics)]
    for _, title in shown:
        table.add_column(title + (" *" if title in unskilled else ""), justify="right")
    table.add_column("confidence")
    if unskilled:
        table.caption = (f"* {', '.join(unskilled)}: no skill shown over the best baseline in grouped CV; always 'low' "
                         "confidence, left out of the confidence column")
    for position, (_, row) in enumerate(ranked.iterrows(), start=1):
        cells = [escape(str(row.get("record_id", position))), escape(_formulation(row)), escape(f"{row.get('temperature_c', '')}")]
        for name, _ in shown:
            target = bundles[name].target
            cells.append(f"{row[target.display_column]:{'.1e' if target.log_scale else '.3g'}}")
        table.add_row(*cells, str(row["confidence"]))
    console.print(table)


def _parse_or_exit(text: str) -> dict:
    """The record of a formulation string, or its error with a caret under the problem and exit 2."""
    from cpe_ml.notation import FormulationSyntaxError, parse_formulation

    try:
        return parse_formulation(text)
    except FormulationSyntaxError as err:
        errors.print(f"[red]error:[/] {escape(repr(text))} is not a file; read as a formulation: {escape(str(err))}\n"
                     "grammar and examples: docs/notation.md", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _predict_one(record: dict, bundles: dict, temperature: float | None, temperatures: list[float], output: Path | None,
                 plot: Path | None, explain: bool) -> None:
    """One formulation (a record of :func:`cpe_ml.notation.parse_formulation`): a table per target and its Arrhenius plot."""
    import pandas as pd

    from cpe_ml.evaluation.plots import arrhenius_plot
    from cpe_ml.io import check_output_path, write_table
    from cpe_ml.notation import format_formulation
    from cpe_ml.prediction import predict_formulations
    from cpe_ml.schema import ROOM_TEMPERATURE_C

    name = format_formulation(record)
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:80]
    conductivity = {n: b for n, b in bundles.items() if b.target.temperature_law}
    plot = check_output_path(plot or Path(f"{slug}_arrhenius.png"), []) if conductivity else None
    output = check_output_path(output, []) if output else None
    frame = pd.DataFrame([record])
    default_c = ROOM_TEMPERATURE_C if temperature is None else temperature
    with stop_on_invalid_data():
        result = predict_formulations(frame, bundles, temperatures=temperatures or None, default_temperature_c=default_c)
    for warning in result.report.warnings:
        warn(warning)
    used = _temperatures_used(result.predictions, default_c)
    console.print(f"formulation: {escape(name)}", highlight=False)
    _print_single(result.predictions, bundles, used)
    if output:
        write_table(result.predictions, output)
        console.print(f"predictions -> {output}")
    if explain:
        from cpe_ml.explain import waterfall_plot

        waterfall_plot(frame.assign(temperature_c=used[0]), bundles, 1, Path(f"{slug}_explain.png"))
        console.print(f"explanation waterfall: {slug}_explain.png")
    if not conductivity:
        warn("no conductivity model loaded: no Arrhenius plot")
        return
    grid = sorted({*map(float, ARRHENIUS_GRID_C), *used})  # the requested temperatures are points of the curve
    curve = predict_formulations(frame, conductivity, temperatures=grid, explain=False, assess=False).predictions
    confidence = result.predictions.get("confidence_conductivity", pd.Series([""])).iloc[0]
    defaulted = "" if temperatures or {"temperature_c", "temperature_text"} & set(record) else f"\nno temperature given: the point is at {default_c:g} C"
    arrhenius_plot(curve, plot, f"{name}\npredicted conductivity with its 80 % interval (confidence: {confidence}){defaulted}", used)
    console.print(f"Arrhenius plot (sigma vs 1000/T, 0-100 C, 80 % band): {plot}")


def _temperatures_used(predictions, default_c: float) -> list[float]:
    """The temperature each row was predicted at: its own, 25 C for words ('@ RT'), else the stated default."""
    from cpe_ml.schema import ROOM_TEMPERATURE_C

    stated = predictions.get("temperature_c")
    words = predictions.get("temperature_text")
    return [float(stated.iloc[i]) if stated is not None and stated.iloc[i] == stated.iloc[i]
            else ROOM_TEMPERATURE_C if words is not None and str(words.iloc[i]).strip() else default_c
            for i in range(len(predictions))]


def _print_single(predictions, bundles, temperatures_c: list[float]) -> None:
    """Per target and temperature: value, 80 % interval, unit, confidence; then the largest contributions."""
    table = Table(title="Predictions (80 % intervals from held-out groups)")
    for column, justify in (("target", "left"), ("T C", "right"), ("value", "right"), ("80 % interval", "right"),
                            ("unit", "left"), ("confidence", "left")):
        table.add_column(column, justify=justify)
    reasons = []
    for (_, row), temperature_c in zip(predictions.iterrows(), temperatures_c):
        for name, bundle in bundles.items():
            column, (value, band) = bundle.target.display_column, (".2e", ".1e") if bundle.target.log_scale else (".3g", ".3g")
            cells = [f"{row[column]:{value}}", f"{row[f'{column}_lo']:{band}} to {row[f'{column}_hi']:{band}}", bundle.target.unit_for(row)]
            table.add_row(name.replace("_", " "), f"{temperature_c:g}", *cells, str(row.get(f"confidence_{name}", "")))
            if row.get(f"explain_{name}") and len(reasons) < len(bundles):
                reasons.append(f"  {name.replace('_', ' ')}: {row[f'explain_{name}']}")
    console.print(table)
    if reasons:
        console.print("what moves each prediction (model scale: log10 S/cm for conductivity):\n" + escape("\n".join(reasons)), highlight=False)
    for flag in str(predictions["ad_flags"].iloc[0] or "").split("; ") if "ad_flags" in predictions else []:
        if flag:
            console.print(f"  note: {escape(flag)}", highlight=False)
