"""Predict candidate formulations: ``python predict.py --help`` (same as ``cpe-ml predict``)."""

import typer

from cpe_ml.cli.predict import predict_command

if __name__ == "__main__":
    typer.run(predict_command)
