"""``cpe-ml models``: the registered model versions, and which one is ``@champion`` (what predict uses)."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from cpe_ml.cli.common import MODEL_STORE_OPTION, console, guarded, quiet_mlflow, registry_exists

app = typer.Typer(help="List registered model versions and choose the champion that predict and screen use.", no_args_is_help=True)


def _connect(tracking_uri: str) -> None:
    quiet_mlflow()
    import mlflow

    if not registry_exists(tracking_uri):
        raise FileNotFoundError(f"no MLflow registry at {tracking_uri}; train first with `python train.py` (or pass --tracking-uri)")
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)


@app.command("list")
@guarded
def list_command(tracking_uri: str = MODEL_STORE_OPTION) -> None:
    """Every version of cpe-conductivity, cpe-voltage-window and cpe-retention: CV MAE, data, protocol, champion.

    Example:
      cpe-ml models list
    """
    _connect(tracking_uri)
    from cpe_ml.tracking import CHAMPION, registered_versions

    versions = registered_versions()
    if not len(versions):
        console.print(f"no registered cpe-ml models in {escape(tracking_uri)}; train with `python train.py`")
        return
    table = Table(title=f"Registered models in {escape(tracking_uri)} (@{CHAMPION}: used by predict and screen)")
    for column in ("name", "version", "aliases", "CV MAE", "CV", "data digest", "created (UTC)"):
        table.add_column(column, justify="right" if column in ("version", "CV MAE") else "left", no_wrap=True)
    for row in versions.itertuples():
        table.add_row(row.name, str(row.version), row.aliases, f"{row.cv_mae:.3f} {row.unit}", row.cv_protocol, row.data_digest, row.created_utc)
    console.print(table)


@app.command("promote")
@guarded
def promote_command(
    name: str = typer.Argument(..., help="Registered model, e.g. cpe-conductivity."),
    version: int = typer.Argument(..., min=1, help="Version to make @champion (see `cpe-ml models list`)."),
    tracking_uri: str = MODEL_STORE_OPTION,
) -> None:
    """Make VERSION the @champion of NAME by hand (training moves it only when CV MAE improves on the same data).

    Example:
      cpe-ml models promote cpe-conductivity 3
    """
    _connect(tracking_uri)
    from cpe_ml.tracking import promote

    previous = promote(name, str(version))
    console.print(f"{escape(name)}: @champion v{version}" + (f" (was v{previous})" if previous else ""))
