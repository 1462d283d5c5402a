"""The ``cpe-ml`` command line: thin typer commands over the library (the library never prints)."""

from __future__ import annotations

import typer

from cpe_ml.cli import data as data_cli

app = typer.Typer(
    name="cpe-ml",
    help=(
        "Predict ionic conductivity, oxidation voltage window and capacity retention of composite "
        "polymer electrolytes (polymer + Li salt + filler + plasticizer + process) from their formulation.\n\n"
        "Typical session:  cpe-ml data validate my_data.csv  ->  cpe-ml train --data my_data.csv  ->  "
        "cpe-ml predict candidates.csv -o predictions.csv"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(data_cli.app, name="data")

from cpe_ml.cli import models as models_cli  # noqa: E402

app.add_typer(models_cli.app, name="models")

from cpe_ml.cli.benchmark import benchmark_command  # noqa: E402
from cpe_ml.cli.predict import predict_command  # noqa: E402
from cpe_ml.cli.screen import screen_command  # noqa: E402
from cpe_ml.cli.train import train_command  # noqa: E402

app.command("train")(train_command)
app.command("predict")(predict_command)
app.command("screen")(screen_command)
app.command("benchmark")(benchmark_command)
