"""Train cpe-ml models: ``python train.py --help`` (same as ``cpe-ml train``)."""

import typer

from cpe_ml.cli.train import train_command

if __name__ == "__main__":
    typer.run(train_command)
