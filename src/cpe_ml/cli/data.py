"""``cpe-ml data ...``: validate, describe and merge formulation tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from cpe_ml.cli.common import console, errors, guarded, warn
from cpe_ml.datasets.registry import PUBLIC_NAMES

app = typer.Typer(help="Validate, describe and merge formulation datasets.", no_args_is_help=True)


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
@guarded
def validate(
    path: Path = typer.Argument(..., help="Formulation table (CSV, Parquet or JSON records)."),
    provenance: bool = typer.Option(False, "--provenance", help="Also apply the curated-data provenance rules (source, locator, excerpt containing each value, no measurement twice, no bound or approximation marked exact)."),
    report: Path | None = typer.Option(None, "--report", help="Write every problem to this CSV (row, file_line, column, value, message)."),
) -> None:
    """Check a table against the formulation schema and report every problem with row and column.

    Example: cpe-ml data validate my_measurements.csv --report problems.csv
    """
    from rich.markup import escape

    from cpe_ml.curation import curated_issues
    from cpe_ml.io import write_table
    from cpe_ml.validation import ValidationReport, read_formulations, validate_formulations

    frame = read_formulations(path)
    if provenance:
        from cpe_ml.provenance import count_provenance_issues

        result = ValidationReport(len(frame), curated_issues(frame))
        for kind, count in count_provenance_issues(result.issues).items():
            console.print(f"{kind}: {count}")
    else:
        _, result = validate_formulations(frame, skip_invalid=True)
    if report:
        write_table(result.to_frame(), report)
    if result.ok:
        console.print(f"[green]{escape(str(path))}: {len(frame)} rows, all valid[/]" + (" (schema + provenance)" if provenance else ""))
        for warning in result.warnings:
            warn(warning)
        return
    errors.print(result.format(), highlight=False, markup=False)
    raise typer.Exit(2)


@app.command()
@guarded
def describe(
    name: str = typer.Argument("cpe_literature", help=f"A file path, 'cpe_literature' (the embedded data) or a public dataset: {', '.join(PUBLIC_NAMES)}."),
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
@guarded
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
@guarded
def features(
    fingerprint_bits: int = typer.Option(64, help="Morgan count-fingerprint size of the polymer block."),
    block: str | None = typer.Option(None, "--block", help="List the features of this block only (e.g. filler)."),
    all_features: bool = typer.Option(False, "--all", help="List every feature, one per line, instead of one line per block."),
) -> None:
    """The features the models can use, one line per concept block (featurizer, count, examples); --all or --block lists them."""
    from cpe_ml.featurizers import feature_documentation

    documented = feature_documentation(fingerprint_bits)
    if block is not None:
        if block not in set(documented["block"]):
            raise ValueError(f"--block: no block {block!r}; blocks are {', '.join(documented['block'].unique())}")
        documented = documented[documented["block"] == block]
    if all_features or block is not None:
        table = Table("feature", "featurizer", "concept")
        for row in documented.itertuples():
            table.add_row(row.feature, row.featurizer, row.concept)
        console.print(table)
        return
    table = Table("block", "featurizer", "features", "concept", "first features", title=f"{len(documented)} features in {documented['block'].nunique()} blocks")
    for name, rows in documented.groupby("block", sort=False):
        examples = ", ".join(f.removeprefix(f"{name}__") for f in rows["feature"].head(3)) + (", ..." if len(rows) > 3 else "")
        table.add_row(name, rows["featurizer"].iloc[0], str(len(rows)), rows["concept"].iloc[0], examples)
    console.print(table)
    console.print("every feature: cpe-ml data features --all; one block: --block NAME; component names: cpe-ml data names")


@app.command()
@guarded
def names(kind: str | None = typer.Argument(None, help="polymer, salt, filler or plasticizer (default: all four).")) -> None:
    """The component names a table may use (catalog name, aliases, full name), with $CPE_ML_CATALOG_DIR's additions."""
    from cpe_ml.catalog import CATALOG_KINDS, load_catalog

    if kind is not None and kind not in CATALOG_KINDS:
        raise ValueError(f"{kind!r} is not a component kind; use one of {', '.join(CATALOG_KINDS)}")
    catalog = load_catalog()
    for name in [kind] if kind else CATALOG_KINDS:
        rows = catalog.tables[name]
        table = Table("name", "aliases (case, space and hyphen do not matter)", "full name", title=f"{name} ({len(rows)})")
        for row in rows.itertuples():
            table.add_row(str(row.name), str(row.aliases or "").replace("|", ", "), str(row.full_name or ""))
        console.print(table)


def _smiles_only_hosts(paths: list[Path]) -> list[str]:
    """Canonical repeat units of the hosts (and second polymers) that the tables give by SMILES only."""
    from cpe_ml.validation import read_formulations, validate_formulations

    units: list[str] = []
    for path in paths:
        raw = read_formulations(path)
        clean, _ = validate_formulations(raw.astype(object).where(raw.notna(), ""), skip_invalid=True)
        units += [u for c in ("polymer_canonical_smiles", "polymer2_canonical_smiles") for u in clean[c].astype(str) if u not in ("", "nan")]
    return sorted(set(units))


@app.command("compute-oxidation")
def compute_oxidation(
    output: Path = typer.Option(Path("src/cpe_ml/chemistry/data/xtb_oxidation.csv"), "-o", "--output", help="Table to write (the shipped one by default)."),
    data: list[Path] = typer.Option([Path("data/cpe_literature.csv")], "--data", help="Tables whose hosts given only as SMILES are added (repeatable)."),
    niceness: int = typer.Option(10, "--nice", help="Lower this process's CPU priority by this much (0 = unchanged)."),
) -> None:
    """Recompute the GFN2-xTB ionization potentials of every catalog polymer, salt and plasticizer
    and of the hosts that ``--data`` tables give only as SMILES."""
    import os

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cpe_ml.catalog import load_catalog
    from cpe_ml.chemistry.oxidation import compute_oxidation_table

    if niceness:
        os.nice(niceness)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("GFN2-xTB IPs", total=None)
        table = compute_oxidation_table(load_catalog(), _smiles_only_hosts(data),
                                        on_row=lambda done, total: bar.update(task, completed=done, total=total))
    table.to_csv(output, index=False)
    failed = table["ip_ev"].isna().sum()
    console.print(f"{len(table)} components, {failed} failed, {table['seconds'].sum():.0f} s of xTB -> {output}")


@app.command("build-public")
def build_public(
    data_dir: Path | None = typer.Option(None, "--data-dir", envvar="CPE_ML_PUBLIC_DATA_DIR", help="Local copy of the pinned upstream files (default: download once into the cache)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Parquet file to write (default: the shipped data/public/public_conductivity.parquet)."),
) -> None:
    """Regenerate the shipped harmonized public tables from the pinned upstream files (SHA-256 checked).

    Deterministic: the same upstream files give the same rows, columns and values.
    Example: cpe-ml data build-public (downloads the pinned files once; --data-dir DIR reads a local copy)
    """
    from cpe_ml.datasets import DEFAULT_PUBLIC_PATH
    from cpe_ml.datasets.public import build_public_table, write_public_table

    frame, report = build_public_table(data_dir)
    path = write_public_table(frame, output or DEFAULT_PUBLIC_PATH)
    console.print(report.summary(), highlight=False)
    console.print(f"{len(frame)} rows -> {path} ({path.stat().st_size / 1e6:.2f} MB)")

