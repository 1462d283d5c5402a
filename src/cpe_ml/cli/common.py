"""Helpers shared by the CLI commands: consoles, validation-error display, exit codes."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from cpe_ml.validation import FormulationValidationError

console = Console()

#: Options shared by the commands that load trained models (predict, screen).
MODELS_DIR_OPTION = typer.Option(Path("models"), "--models-dir", help="Directory of trained bundles (python train.py writes them).")
MODEL_URI_OPTION = typer.Option(None, "--model", help="Registered MLflow model instead of bundles, e.g. models:/cpe-conductivity@champion (repeatable).")
MODEL_STORE_OPTION = typer.Option("sqlite:///mlflow.db", "--tracking-uri", envvar="MLFLOW_TRACKING_URI", help="MLflow store for --model URIs.")


def quiet_mlflow() -> None:
    """Keep MLflow's INFO lines and download bars out of the command's own report."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="mlflow")
errors = Console(stderr=True)


@contextmanager
def stop_on_invalid_data(report_path: str | None = None) -> Iterator[None]:
    """Show the whole validation report and exit 2 instead of a traceback."""
    try:
        yield
    except FormulationValidationError as err:
        errors.print(f"[bold red]Invalid input data[/] — nothing was written.\n{err.report.format()}", markup=True, highlight=False)
        if report_path:
            err.report.to_frame().to_csv(report_path, index=False)
            errors.print(f"full report: {report_path}")
        raise typer.Exit(2) from None
