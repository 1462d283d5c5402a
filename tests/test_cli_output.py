"""Terminal output: tables whole when piped, flags shown as flags in --help, README without development paths."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer
from rich.table import Table
from typer.testing import CliRunner

from cpe_ml.cli import app
from cpe_ml.cli.common import _Console
from cpe_ml.featurizers import feature_documentation

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group of the app, as the words that reach it (``("data", "validate")``)."""
    paths = [path]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, (*path, name))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


def test_a_wide_table_is_not_cut_when_output_is_not_a_terminal():
    sink = io.StringIO()
    table = Table("feature", "featurizer", "concept")
    table.add_row("polymer__polymer_ru_molar_mass_g_mol", "PolymerFeaturizer", "Repeat-unit chemistry of the host polymer " * 4)
    _Console(file=sink, width=None).print(table)
    text = sink.getvalue()
    assert "…" not in text and "polymer__polymer_ru_molar_mass_g_mol" in text
    assert ("Repeat-unit chemistry of the host polymer " * 4).strip() in text  # one line, not wrapped at 80


def test_piped_command_prints_every_column_name_in_full():
    env = {**{k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}, "TERM": "xterm-256color"}
    done = subprocess.run([sys.executable, "-c", "from cpe_ml.cli import app; app()", "data", "features"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    header = next(line for line in done.stdout.splitlines() if "block" in line and "featurizer" in line)
    assert re.findall(r"[a-z][a-z ]+[a-z]", header) == ["block", "featurizer", "features", "concept", "first features"]
    assert "…" not in done.stdout
    for concept in feature_documentation()["concept"].unique():
        assert concept in done.stdout  # the longest cell, whole, on one line


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "cpe-ml" for p in COMMANDS])
def test_help_shows_flags_without_a_value_type(path):
    done = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "<bool>" not in done.output
    assert re.search(r"--help\s+Show this message", done.output)  # a flag: no type between name and help


def test_help_of_predict_and_train_lists_their_flags_bare():
    predict = runner.invoke(app, ["predict", "--help"], env={"COLUMNS": "200"}).output
    train = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--skip-invalid\s+Leave invalid rows out", predict)
    assert re.search(r"--with-default\s+With --data", train)
    assert re.search(r"--debug\s+Show the Python traceback", train)
    assert re.search(r"--folds\s+<int", train)  # options that take a value keep their type


def test_data_features_summarizes_blocks_and_lists_every_feature_on_request():
    documented = feature_documentation()
    summary = runner.invoke(app, ["data", "features"]).output
    assert f"{len(documented)} features in {documented['block'].nunique()} blocks" in summary
    for block, count in documented.groupby("block").size().items():
        assert re.search(rf"│ {block}\s+│ \w+\s+│ {count}\s+│", summary), block
    every = runner.invoke(app, ["data", "features", "--all"]).output
    assert all(feature in every for feature in documented["feature"])
    filler = runner.invoke(app, ["data", "features", "--block", "filler"]).output
    assert "filler__filler_present" in filler and "polymer__" not in filler
    wrong = runner.invoke(app, ["data", "features", "--block", "fillers"])
    assert wrong.exit_code == 2 and "blocks are" in wrong.output


def test_data_names_lists_catalog_names_with_aliases():
    salts = runner.invoke(app, ["data", "names", "salt"])
    assert salts.exit_code == 0
    assert re.search(r"│ LiTFSI\s+│ LiTFSA, LiNTf2", salts.output)
    assert "PEO" not in salts.output
    wrong = runner.invoke(app, ["data", "names", "solvent"])
    assert wrong.exit_code == 2 and "polymer, salt, filler, plasticizer" in wrong.output


def test_readme_names_no_development_paths():
    readme = (ROOT / "README.md").read_text()
    assert "../shared" not in readme and "/work/" not in readme
    assert "shared/datasets" not in readme
