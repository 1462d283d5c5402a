"""``cpe-ml data ...``: validate, describe and merge formulation tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from cpe_ml.cli.common import console, errors

app = typer.Typer(help="Validate, describe and merge formulation datasets.", no_args_is_help=True)

PUBLIC_NAMES = ("bradford2023", "hatakeyama2022")


def _load_any(name: str, public_dir: Path | None) -> pd.DataFrame:
    from cpe_ml.validation import read_formulations

    if name in PUBLIC_NAMES:
        from cpe_ml.datasets.public import load_public

        return load_public([name], data_dir=public_dir)
    if name in ("cpe_literature", "default"):
        from cpe_ml.datasets import DEFAULT_DATA_PATH

        name = str(DEFAULT_DATA_PATH)
    if not Path(name).is_file():
        errors.print(f"[red]{name}: no such file[/] (give a CSV/Parquet/JSON path, 'cpe_literature' or one of {', '.join(PUBLIC_NAMES)})")
        raise typer.Exit(2)
    return read_formulations(name)


@app.command()
def validate(
    path: Path = typer.Argument(..., help="Formulation table (CSV, Parquet or JSON records)."),
    provenance: bool = typer.Option(False, "--provenance", help="Also apply the curated-data provenance rules (source, locator, excerpt containing each value, no duplicates)."),
    report: Path | None = typer.Option(None, "--report", help="Write every problem to this CSV (row, file_line, column, value, message)."),
) -> None:
    """Check a table against the formulation schema and report every problem with row and column.

    Example: cpe-ml data validate my_measurements.csv --report problems.csv
    """
    from cpe_ml.curation import curated_issues
    from cpe_ml.validation import ValidationReport, read_formulations, validate_formulations

    frame = read_formulations(path)
    if provenance:
        result = ValidationReport(len(frame), curated_issues(frame))
    else:
        _, result = validate_formulations(frame, skip_invalid=True)
    if report:
        result.to_frame().to_csv(report, index=False)
    if result.ok:
        console.print(f"[green]{path}: {len(frame)} rows, all valid[/]" + (" (schema + provenance)" if provenance else ""))
        for warning in result.warnings:
            console.print(f"[yellow]warning:[/] {warning}")
        return
    errors.print(result.format(), highlight=False)
    raise typer.Exit(1)


@app.command()
def describe(
    name: str = typer.Argument("cpe_literature", help="A file path, 'cpe_literature' (the embedded data) or a public dataset: bradford2023, hatakeyama2022."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG overview: conductivity vs 1000/T by polymer family, rows per polymer."),
    public_dir: Path | None = typer.Option(None, "--public-dir", envvar="CPE_ML_PUBLIC_DATA_DIR", help="Local copy of the public datasets (no download)."),
) -> None:
    """Print a data card: rows, distinct chemistries and sources, target coverage, temperature range.

    Example: cpe-ml data describe data/cpe_literature.csv --plot overview.png
    """
    from cpe_ml.datasets.describe import describe as make_card
    from cpe_ml.datasets.describe import plot_overview

    frame = _load_any(name, public_dir)
    card = make_card(frame)
    console.print(card.to_rich_table() if hasattr(card, "to_rich_table") else card.to_text())
    if plot:
        plot_overview(frame, plot)
        console.print(f"overview plot: {plot}")


@app.command()
def merge(
    slices: list[Path] = typer.Argument(..., help="Curated slice CSVs (data/curation/*.csv)."),
    output: Path = typer.Option(Path("data/cpe_literature.csv"), "-o", "--output", help="Merged table."),
    rejected: Path = typer.Option(Path("data/curation/rejected.csv"), "--rejected", help="Rows that failed, with reject_reason."),
) -> None:
    """Merge curated slices through the schema validator and provenance rules.

    Rows that fail any rule (unknown names, value missing from its excerpt, duplicates ...) go to the
    rejected file with their reason; nothing is silently dropped.
    """
    from cpe_ml.curation import merge_curated

    inputs = [s for s in sorted(slices) if s.resolve() != rejected.resolve()]  # a glob may include the reject file
    accepted, failed = merge_curated([str(s) for s in inputs])
    accepted.to_csv(output, index=False)
    failed.to_csv(rejected, index=False)
    console.print(f"{len(accepted)} rows from {accepted['source'].nunique()} sources -> {output}; {len(failed)} rejected -> {rejected}")


@app.command()
def features(fingerprint_bits: int = typer.Option(64, help="Morgan count-fingerprint size of the polymer block.")) -> None:
    """List every feature the models can use, with the featurizer (concept) that makes it."""
    from cpe_ml.featurizers import feature_documentation

    table = Table("feature", "featurizer", "concept")
    for row in feature_documentation(fingerprint_bits).itertuples():
        table.add_row(row.feature, row.featurizer, row.concept)
    console.print(table)
