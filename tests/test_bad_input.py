"""Every bad input is refused clearly (issue 15): one table of cases, run through every command that reads it.

Each case is (name, file content, commands, expected message fragments). A case passes when the command
ends with exit code 2, prints every fragment (file / row / column and the problem), prints no Python
traceback and takes under 30 s. Commands: ``cpe-ml data validate``, ``cpe-ml predict``, ``cpe-ml train
--data``, ``cpe-ml screen`` and the served pyfunc model's ``predict`` (the validation a request meets
under ``mlflow models serve``).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from mlflow.exceptions import MlflowException
from typer.testing import CliRunner

from cpe_ml.cli import app
from cpe_ml.tracking import FormulationModel

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 30.0
VALIDATE, PREDICT, TRAIN = "validate", "predict", "train"
TABLE_COMMANDS = (VALIDATE, PREDICT, TRAIN)
#: A complete, valid row for every command (a training row: conductivity at a stated temperature).
BASE = {"record_id": "r1", "polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "filler": "LLZTO",
        "filler_loading_wt_pct": "10", "temperature_c": "25", "conductivity_s_cm": "1e-4"}
PVDF_SMILES = "[*]CC([*])(F)F"
LICLO4_SMILES = "[Li+].[O-]Cl(=O)(=O)=O"


def csv_bytes(*rows: dict, drop: tuple[str, ...] = ()) -> bytes:
    frame = pd.DataFrame([{**BASE, **row} for row in rows] or [BASE]).drop(columns=list(drop))
    return frame.to_csv(index=False).encode()


def row(drop: tuple[str, ...] = (), **cells) -> bytes:
    return csv_bytes(cells, drop=drop)


def json_bytes(data) -> bytes:
    return json.dumps(data).encode()


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    commands: tuple[str, ...]
    expect: tuple[str, ...]
    suffix: str = ".csv"


# ------------------------------------------------------------------------------------------------ the table
READING = [
    Case("empty file", b"", TABLE_COMMANDS, ("{file}", "the file is empty")),
    Case("blank lines only", b"\n\n  \n", TABLE_COMMANDS, ("{file}", "only blank lines")),
    Case("header only", b"polymer,salt,temperature_c\n", TABLE_COMMANDS, ("{file}", "no data rows")),
    Case("binary file", b"\x00\x01\x02\xff" * 200, TABLE_COMMANDS, ("{file}", "binary file")),
    Case("latin-1 file", "polymer,salt,temperature_c,notes\nPEO,LiTFSI,25,café\n".encode("latin-1"), TABLE_COMMANDS,
         ("{file}", "line 2", "not UTF-8", "iconv")),
    Case("windows-1252 quotes", "polymer,salt,temperature_c,notes\nPEO,LiTFSI,25,\u201cx\u201d\n".encode("cp1252"), TABLE_COMMANDS,
         ("{file}", "not UTF-8")),
    Case("ragged row", b"polymer,salt,temperature_c\nPEO,LiTFSI,25,x\n", TABLE_COMMANDS, ("{file}", "line 2", "4 fields but the header has 3")),
    Case("decimal commas unquoted", b"polymer,salt,salt_eo_li_ratio,temperature_c\nPEO,LiTFSI,16,25,5\n", TABLE_COMMANDS,
         ("{file}", "line 2", "decimal commas")),
    Case("short row", b"polymer,salt,temperature_c\nPEO,LiTFSI\n", TABLE_COMMANDS, ("{file}", "line 2", "2 fields")),
    Case("duplicate header", b"polymer,salt,temperature_c,temperature_c\nPEO,LiTFSI,25,60\n", TABLE_COMMANDS,
         ("{file}", "line 1", "'temperature_c' appears twice")),
    Case("case-variant duplicate header", b"polymer,salt,temperature_c,Temperature_C\nPEO,LiTFSI,25,60\n", TABLE_COMMANDS,
         ("{file}", "differ only in case")),
    Case("blank header", b"polymer,,temperature_c\nPEO,LiTFSI,25\n", TABLE_COMMANDS, ("{file}", "column 2 has no name")),
    Case("json holding csv", b"polymer,salt,temperature_c\nPEO,LiTFSI,25\n", TABLE_COMMANDS, ("{file}", "not valid JSON", "rename it to .csv"), ".json"),
    Case("json object", json_bytes({"polymer": "PEO"}), TABLE_COMMANDS, ("{file}", "must be a list of records")  , ".json"),
    Case("json nested object", json_bytes([{**BASE, "filler": {"name": "LLZTO"}}]), TABLE_COMMANDS, ("{file}", "record 1", "'filler'", "nested dict"), ".json"),
    Case("json list of lists", json_bytes([["PEO", "LiTFSI", 25]]), TABLE_COMMANDS, ("{file}", "record 1 is a list"), ".json"),
    Case("json syntax error", b'[{"polymer": "PEO",, }]', TABLE_COMMANDS, ("{file}", "line 1", "not valid JSON"), ".json"),
    Case("json empty list", b"[]", TABLE_COMMANDS, ("{file}", "the JSON list is empty"), ".json"),
    Case("json empty record", json_bytes([BASE, {}]), TABLE_COMMANDS, ("{file}", "record 2 is empty"), ".json"),
    Case("json true as temperature", json_bytes([{**BASE, "temperature_c": True}]), TABLE_COMMANDS,
         ("{file}", "record 1", "'temperature_c'", "true is not a value"), ".json"),
    Case("json deeply nested", b"[" * 50_000 + b"]" * 50_000, TABLE_COMMANDS, ("{file}", "JSON"), ".json"),
    Case("garbage parquet", os.urandom(2000), TABLE_COMMANDS, ("{file}", "not a Parquet file"), ".parquet"),
    Case("truncated parquet", b"PAR1" + os.urandom(500), TABLE_COMMANDS, ("{file}", "damaged Parquet file"), ".parquet"),
    Case("excel workbook", b"PK\x03\x04" + os.urandom(300), TABLE_COMMANDS, ("{file}", "save the sheet as 'CSV UTF-8"), ".xlsx"),
    Case("utf-16 without bom", "polymer,salt\nPEO,LiTFSI\n".encode("utf-16-le"), TABLE_COMMANDS, ("{file}", "UTF-16 without a byte-order mark")),
]

COLUMNS = [
    Case("misspelled column", row(drop=("temperature_c",), temprature_c="25"), TABLE_COMMANDS, ("{file}", "'temprature_c'", "did you mean 'temperature_c'")),
    Case("misspelled salt column", row(drop=("salt",), slat="LiTFSI"), TABLE_COMMANDS, ("{file}", "'slat'", "did you mean 'salt'")),
    Case("header case variant", row(drop=("temperature_c",), Temperature_C="25"), TABLE_COMMANDS, ("'Temperature_C' must be written 'temperature_c'",)),
    Case("header whitespace variant", row(drop=("polymer",), **{" polymer": "PEO"}), TABLE_COMMANDS, ("' polymer' must be written 'polymer'",)),
    Case("conductivity without unit", row(drop=("conductivity_s_cm",), conductivity="1e-4"), TABLE_COMMANDS, ("'conductivity'", "conductivity_s_cm")),
    Case("log conductivity", row(drop=("conductivity_s_cm",), log_conductivity="-4"), TABLE_COMMANDS, ("'log_conductivity'", "not log10")),
    Case("loading_vol_pct", row(loading_vol_pct="5"), TABLE_COMMANDS, ("'loading_vol_pct'", "filler_loading_vol_pct")),
    Case("temperature without unit", row(drop=("temperature_c",), temperature="25"), TABLE_COMMANDS, ("'temperature'", "temperature_c")),
    Case("two units of one column", row(conductivity_ms_cm="0.1"), TABLE_COMMANDS, ("'conductivity_ms_cm' and 'conductivity_s_cm' both given",)),
    Case("eo_li shorthand", row(drop=("salt_eo_li_ratio",), eo_li="16"), TABLE_COMMANDS, ("'eo_li'", "salt_eo_li_ratio")),
    Case("no polymer column", row(drop=("polymer",)), (PREDICT,), ("row 1", "'polymer'", "no polymer")),
    Case("no salt column", row(drop=("salt", "salt_eo_li_ratio")), (PREDICT,), ("row 1", "'salt'", "no lithium source")),
    Case("only record_id", b"record_id\nr1\n", (PREDICT,), ("row 1", "no polymer")),
    Case("no temperature", row(drop=("temperature_c", "conductivity_s_cm")), (PREDICT,), ("row 1", "'temperature_c'", "--temperature 25")),
    Case("empty row values", b"record_id,polymer,salt,temperature_c\nr1,,,\n", (PREDICT,), ("row 1", "no polymer")),
]

CONTRADICTIONS = [
    Case("polymer name vs smiles", row(polymer_smiles=PVDF_SMILES), TABLE_COMMANDS, ("row 1", "'polymer_smiles'", "does not match polymer 'PEO'", "PVDF")),
    Case("salt name vs smiles", row(salt_smiles=LICLO4_SMILES), TABLE_COMMANDS, ("row 1", "'salt_smiles'", "does not match salt 'LiTFSI'", "LiClO4")),
    Case("temperature vs kelvin text", row(temperature_text="380 K"), TABLE_COMMANDS, ("row 1", "'temperature_c'", "contradicts temperature_text '380 K'")),
    Case("temperature vs room temperature", row(temperature_c="80", temperature_text="room temperature"), TABLE_COMMANDS,
         ("row 1", "'temperature_c'", "contradicts temperature_text 'room temperature'")),
    Case("filler none with loading", row(filler="none"), TABLE_COMMANDS, ("row 1", "'filler_loading_wt_pct'", "filler is 'none'")),
    Case("loading without filler", row(filler=""), TABLE_COMMANDS, ("row 1", "'filler_loading_wt_pct'", "without a filler")),
    Case("vol loading without filler", row(filler="", filler_loading_wt_pct="", filler_loading_vol_pct="5"), TABLE_COMMANDS,
         ("row 1", "'filler_loading_vol_pct'", "without a filler")),
    Case("plasticizer pct without plasticizer", row(plasticizer_wt_pct="20"), (PREDICT,), ("row 1", "'plasticizer_wt_pct'", "'plasticizer' is empty")),
    Case("polymer2 pct without polymer2", row(polymer2_wt_pct="30"), (PREDICT,), ("row 1", "'polymer2_wt_pct'", "'polymer2' is empty")),
    Case("percentages over 100", row(filler_loading_wt_pct="60", plasticizer="SN", plasticizer_wt_pct="50"), TABLE_COMMANDS,
         ("row 1", "'plasticizer_wt_pct'", "above 100 wt%")),
    Case("eo_li zero", row(salt_eo_li_ratio="0"), TABLE_COMMANDS, ("row 1", "'salt_eo_li_ratio'", "EO:Li 0:1")),
    Case("salt wt zero", row(salt_eo_li_ratio="", salt_wt_pct="0"), TABLE_COMMANDS, ("row 1", "'salt_wt_pct'", "no lithium salt")),
    Case("molality zero", row(salt_eo_li_ratio="", salt_molality_mol_kg="0"), TABLE_COMMANDS, ("row 1", "'salt_molality_mol_kg'", "no lithium salt")),
    Case("eo_li and wt disagree", row(salt_wt_pct="40"), (PREDICT,), ("row 1", "'salt_wt_pct'", "contradicts salt_eo_li_ratio = 16")),
    Case("filler size zero", row(filler_size_nm="0"), TABLE_COMMANDS, ("row 1", "'filler_size_nm'", "above 0 nm")),
    Case("filler size negative", row(filler_size_nm="-5"), TABLE_COMMANDS, ("row 1", "'filler_size_nm'")),
    Case("conductivity in mS/cm", row(conductivity_s_cm="0.5"), TABLE_COMMANDS, ("row 1", "'conductivity_s_cm'", "mS/cm")),
    Case("column of mS/cm numbers", csv_bytes(*({"record_id": f"r{i}", "temperature_c": str(20 + 10 * i), "conductivity_s_cm": str(0.02 + 0.01 * i)} for i in range(6))),
         (VALIDATE, TRAIN), ("'conductivity_s_cm'", "looks like mS/cm")),
    Case("conductivity in log10", row(conductivity_s_cm="-4"), TABLE_COMMANDS, ("row 1", "'conductivity_s_cm'", "not log10")),
    Case("temperature as words", row(temperature_c="hot"), TABLE_COMMANDS, ("row 1", "'temperature_c'", "not a number")),
    Case("temperature out of range", row(temperature_c="5000"), TABLE_COMMANDS, ("row 1", "'temperature_c'", "outside the possible range")),
    Case("loading over 100", row(filler_loading_wt_pct="150"), TABLE_COMMANDS, ("row 1", "'filler_loading_wt_pct'", "outside the possible range")),
    Case("unknown polymer", row(polymer="unobtainium"), TABLE_COMMANDS, ("row 1", "'polymer'", "unknown polymer")),
    Case("markup in a cell", row(polymer="PEO[/i]"), TABLE_COMMANDS, ("row 1", "PEO[/i]", "unknown polymer")),
    Case("markup in a smiles", row(polymer="", polymer_smiles="C1=CC=[nH]"), TABLE_COMMANDS, ("row 1", "[nH]")),
    Case("duplicate record ids", csv_bytes({"record_id": "x"}, {"record_id": "x", "temperature_c": "60"}), TABLE_COMMANDS, ("row 2", "duplicate record_id")),
    Case("unknown process step", row(process="baking"), TABLE_COMMANDS, ("row 1", "'process'", "unknown step")),
]

LIMITS = [
    Case("1 MB smiles cell", row(polymer="", polymer_smiles="[*]" + "CCO" * 350_000 + "[*]"), TABLE_COMMANDS, ("row 1", "'polymer_smiles'", "longer than 600 characters")),
    Case("3000 repeat units", row(polymer="", polymer_smiles="[*]" + "CCO" * 3000 + "[*]"), TABLE_COMMANDS, ("row 1", "'polymer_smiles'", "longer than")),
    Case("350-atom smiles", row(polymer="", polymer_smiles="C" * 350), TABLE_COMMANDS, ("row 1", "'polymer_smiles'", "more than 300 atoms")),
    Case("1 MB name cell", row(polymer="P" * 1_000_000), TABLE_COMMANDS, ("row 1", "'polymer'", "longer than 1,000 characters")),
    Case("1 MB salt smiles", row(salt="", salt_smiles="[Li+]." + "C" * 1_000_000), TABLE_COMMANDS, ("row 1", "'salt_smiles'", "longer than")),
    Case("360-atom aromatic smiles", row(polymer="", polymer_smiles="c1ccccc1" * 60), TABLE_COMMANDS, ("row 1", "'polymer_smiles'", "more than 300 atoms")),
]

TABLE_CASES = [pytest.param(case, command, id=f"{command}-{case.name}")
               for case in READING + COLUMNS + CONTRADICTIONS + LIMITS for command in case.commands]

# Options and files around the table (predict): (name, extra arguments, expected fragments).
OPTION_CASES = [
    ("temperatures hot", ["--temperatures", "hot"], ("--temperatures", "'hot' is not a number")),
    ("temperatures out of range", ["--temperatures", "25,5000"], ("outside the possible range",)),
    ("temperature hot", ["--temperature", "hot"], ("--temperature",)),
    ("temperature out of range", ["--temperature", "900"], ("outside the possible range",)),
    ("rank-by unknown", ["--rank-by", "pred_nonsense"], ("--rank-by pred_nonsense", "pred_conductivity")),
    ("negative top", ["--top", "-1"], ("--top",)),
    ("explain unknown id", ["--explain", "../../etc/passwd"], ("--explain",)),
    ("unknown registered model", ["--model", "models:/cpe-nothing@champion"], ("--model models:/cpe-nothing@champion", "not found")),
    ("empty models dir", ["--models-dir", "{tmp}/no-models"], ("no model bundles",)),
    ("output is the input", ["-o", "{input}"], ("is the input file",)),
    ("output is a directory", ["-o", "{tmp}"], ("is a directory",)),
    ("output folder missing", ["-o", "{tmp}/missing/out.csv"], ("does not exist", "mkdir -p")),
    ("input is a directory", ["{tmp}"], ("is a directory",)),
    ("input missing", ["{tmp}/nothing.csv"], ("no such file",)),
]

SCREEN_SPEC = {"space": {"polymer": ["PEO"], "salt": ["LiTFSI"], "salt_eo_li_ratio": [16]}, "temperature_c": [25],
               "maximize": ["pred_conductivity"], "top": 5}
SCREEN_CASES = [
    ("negative top", {**SCREEN_SPEC, "top": -1}, [], ("top = -1",)),
    ("temperature hot", {**SCREEN_SPEC, "temperature_c": ["hot"]}, [], ("temperature_c 'hot' is not a number",)),
    ("temperature true", {**SCREEN_SPEC, "temperature_c": [True]}, [], ("temperature_c True is not a number",)),
    ("billion-point space", {**SCREEN_SPEC, "space": {"polymer": ["PEO"] * 1000, "salt": ["LiTFSI"] * 1000, "salt_eo_li_ratio": list(range(1, 1001))}},
     [], ("1,000,000,000 candidates", "above the limit")),
    ("unknown space column", {**SCREEN_SPEC, "space": {**SCREEN_SPEC["space"], "colour": ["red"]}}, [], ("'colour'", "not a formulation or condition column")),
    ("no objective", {k: v for k, v in SCREEN_SPEC.items() if k != "maximize"}, [], ("at least one objective",)),
    ("unknown key", {**SCREEN_SPEC, "maximise": ["pred_conductivity"]}, [], ("unknown key(s)", "maximise")),
    ("bad constraint", {**SCREEN_SPEC, "constraints": ["conductivity is high"]}, [], ("constraint 'conductivity is high'",)),
    ("unknown polymer", {**SCREEN_SPEC, "space": {**SCREEN_SPEC["space"], "polymer": ["unobtainium"]}}, [], ("unknown polymer",)),
    ("markup in a value", {**SCREEN_SPEC, "space": {**SCREEN_SPEC["space"], "polymer": ["PEO[/i]"]}}, [], ("PEO[/i]",)),
    ("not yaml", "space: [unclosed", [], ("not valid YAML",)),
    ("a list, not a spec", "- polymer\n- salt\n", [], ("must be a mapping",)),
    ("output is the spec", SCREEN_SPEC, ["-o", "{input}"], ("is the input file",)),
    ("output is a directory", SCREEN_SPEC, ["-o", "{tmp}"], ("is a directory",)),
    ("negative show", SCREEN_SPEC, ["--show", "-1"], ("--show",)),
    ("missing spec", None, [], ("no such file",)),
]

GOOD_REQUEST = {"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "temperature_c": "60"}
SERVING_CASES = [
    ("empty list", [], ("the JSON list is empty",)),
    ("empty frame", pd.DataFrame(), ("is empty",)),
    ("empty record", [GOOD_REQUEST, {}], ("record 2 is empty",)),
    ("all-null row", pd.DataFrame([GOOD_REQUEST, {k: None for k in GOOD_REQUEST}]), ("row(s) 2 are empty",)),
    ("unknown keys only", [{"colour": "red", "size": "big"}], ("unknown key(s)", "'colour'")),
    ("misspelled key", [{**GOOD_REQUEST, "temprature_c": "60"}], ("'temprature_c'", "did you mean 'temperature_c'")),
    ("temperature only", [{"temperature_c": "25"}], ("row 1", "no polymer")),
    ("no temperature", [{k: v for k, v in GOOD_REQUEST.items() if k != "temperature_c"}], ("row 1", "'temperature_c'", "no temperature")),
    ("no salt", [{"polymer": "PEO", "temperature_c": "25"}], ("row 1", "no lithium source")),
    ("unknown polymer", [{**GOOD_REQUEST, "polymer": "unobtainium"}], ("row 1", "'polymer'", "unknown polymer")),
    ("150 wt%", [{**GOOD_REQUEST, "salt_eo_li_ratio": "", "salt_wt_pct": "150"}], ("row 1", "'salt_wt_pct'", "outside the possible range")),
    ("hot", [{**GOOD_REQUEST, "temperature_c": "hot"}], ("row 1", "'temperature_c'", "not a number")),
    ("true as temperature", [{**GOOD_REQUEST, "temperature_c": True}], ("record 1", "true is not a value")),
    ("true as temperature in a DataFrame", pd.DataFrame([GOOD_REQUEST, {**GOOD_REQUEST, "temperature_c": True}]),
     ("record 2", "'temperature_c'", "true is not a value")),
    ("a DataFrame without columns", pd.DataFrame(index=[0]), ("record 1 is empty",)),
    ("nested value", [{**GOOD_REQUEST, "filler": {"name": "LLZTO"}}], ("record 1", "nested dict")),
    ("name vs smiles", [{**GOOD_REQUEST, "polymer_smiles": PVDF_SMILES}], ("row 1", "'polymer_smiles'", "does not match polymer 'PEO'")),
    ("1 MB smiles", [{**GOOD_REQUEST, "polymer": "", "polymer_smiles": "C" * 1_000_000}], ("row 1", "'polymer_smiles'", "longer than")),
    ("second row bad", [GOOD_REQUEST, {**GOOD_REQUEST, "filler": "none", "filler_loading_wt_pct": "10"}], ("row 2", "'filler_loading_wt_pct'", "filler is 'none'")),
    ("too many rows", [GOOD_REQUEST] * 12, ("12 rows, above the limit of 10",)),
]


# ------------------------------------------------------------------------------------------------ running
@pytest.fixture(scope="module")
def conductivity_model(tmp_path_factory):
    """One small conductivity model (2-fold CV) for every case: bad input never reaches it, good input must."""
    import contextlib

    from cpe_ml.models.bundle import load_bundles
    from cpe_ml.training import TrainConfig, train

    tmp = tmp_path_factory.mktemp("bad_input_model")
    curated = pd.read_csv(ROOT / "data" / "cpe_literature.csv", dtype=str, keep_default_na=False)
    curated[curated["conductivity_s_cm"] != ""].head(80).to_csv(tmp / "small.csv", index=False)  # 80 real rows: ~20 s
    with contextlib.chdir(tmp):
        train(TrainConfig(data=[tmp / "small.csv"], tracking_uri=f"sqlite:///{tmp}/mlflow.db", models_dir=tmp / "models",
                          folds=2, targets=["conductivity"]))
    return tmp / "models", load_bundles(tmp / "models")["conductivity"]


@pytest.fixture(scope="module")
def models_dir(conductivity_model) -> Path:
    return conductivity_model[0]


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _run(args: list[str], cwd: Path):
    start = time.perf_counter()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    finally:
        os.chdir(old)
    return result, time.perf_counter() - start


def _assert_refused(result, seconds: float, fragments: tuple[str, ...], **names) -> None:
    output = _normalized(result.output)
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.output[-2000:]}\n{result.exception!r}"
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in fragments:
        assert _normalized(fragment.format(**names)) in output, f"{fragment!r} not in: {output[-1500:]}"
    assert seconds < LIMIT_S


def _command_args(command: str, path: Path, tmp: Path, models: Path) -> list[str]:
    if command == VALIDATE:
        return ["data", "validate", str(path)]
    if command == PREDICT:
        return ["predict", str(path), "--models-dir", str(models), "-o", str(tmp / "out.csv")]
    return ["train", "--data", str(path), "--targets", "conductivity", "--models-dir", str(tmp / "models"),
            "--tracking-uri", f"sqlite:///{tmp}/mlflow.db", "--folds", "2"]


@pytest.mark.parametrize(("case", "command"), TABLE_CASES)
def test_bad_table_is_refused_clearly(case: Case, command: str, tmp_path, models_dir):
    path = tmp_path / f"input{case.suffix}"
    path.write_bytes(case.content)
    result, seconds = _run(_command_args(command, path, tmp_path, models_dir), tmp_path)
    _assert_refused(result, seconds, case.expect, file=path.name)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "models").exists() and not (tmp_path / "mlflow.db").exists()


@pytest.mark.parametrize(("name", "extra", "expect"), OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_bad_predict_option_is_refused_clearly(name, extra, expect, tmp_path, models_dir):
    path = tmp_path / "candidates.csv"
    path.write_bytes(row())
    before = path.read_bytes()
    extra = [a.format(tmp=tmp_path, input=path) for a in extra]
    args = ["predict", *(extra if extra[0].startswith(str(tmp_path)) else [str(path), *extra])]
    if "--models-dir" not in args:
        args += ["--models-dir", str(models_dir)]
    result, seconds = _run(args, tmp_path)
    _assert_refused(result, seconds, expect)
    assert path.read_bytes() == before


@pytest.mark.parametrize(("name", "spec", "extra", "expect"), SCREEN_CASES, ids=[c[0] for c in SCREEN_CASES])
def test_bad_screen_is_refused_clearly(name, spec, extra, expect, tmp_path, models_dir):
    import yaml

    path = tmp_path / "spec.yaml"
    if spec is not None:
        path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec))
    extra = [a.format(tmp=tmp_path, input=path) for a in extra]
    result, seconds = _run(["screen", str(path), "--models-dir", str(models_dir), *extra], tmp_path)
    _assert_refused(result, seconds, expect)


@pytest.mark.parametrize(("name", "request_rows", "expect"), SERVING_CASES, ids=[c[0] for c in SERVING_CASES])
def test_bad_request_is_refused_by_the_served_model(name, request_rows, expect, conductivity_model, monkeypatch):
    monkeypatch.setenv("CPE_ML_SERVING_MAX_ROWS", "10")
    model = FormulationModel()
    model.bundle = conductivity_model[1]
    start = time.perf_counter()
    with pytest.raises(MlflowException) as err:
        model.predict(None, request_rows)
    assert err.value.get_http_status_code() == 400
    message = _normalized(err.value.message)
    assert "Traceback" not in message
    for fragment in expect:
        assert _normalized(fragment) in message, f"{fragment!r} not in {message[:1500]}"
    assert time.perf_counter() - start < LIMIT_S


# ------------------------------------------------------------------------------------------------ read right
def test_detected_dialects_read_like_the_plain_csv(tmp_path):
    """What spreadsheets write is read, not refused: BOM + ';' + decimal commas, tabs, UTF-16, unit columns."""
    from cpe_ml.validation import read_formulations, validate_formulations

    plain = "record_id,polymer,salt,salt_eo_li_ratio,temperature_c,conductivity_s_cm\nr1,PEO,LiTFSI,16,25.5,0.0001\n"
    variants = {
        "excel.csv": ("\ufeff" + plain.replace(",", ";").replace("25.5", "25,5").replace("0.0001", "0,0001")).encode("utf-8"),
        "tabs.tsv": plain.replace(",", "\t").encode(),
        "utf16.csv": plain.encode("utf-16"),
        "units.csv": plain.replace("temperature_c", "temperature_k").replace("25.5", "298.65")
                          .replace("conductivity_s_cm", "conductivity_ms_cm").replace("0.0001", "0.1").encode(),
    }
    expected, _ = validate_formulations(pd.read_csv(io.StringIO(plain), dtype=str))
    for name, content in variants.items():
        (tmp_path / name).write_bytes(content)
        clean, report = validate_formulations(read_formulations(tmp_path / name))
        assert clean["temperature_c"].iloc[0] == pytest.approx(25.5), name
        assert clean["conductivity_s_cm"].iloc[0] == pytest.approx(1e-4), name
        assert list(clean["polymer"]) == list(expected["polymer"]), name
    assert any("converted from kelvin" in w for w in report.warnings)


def test_formulas_in_output_cells_are_neutralized(tmp_path, models_dir):
    path = tmp_path / "candidates.csv"
    path.write_bytes(csv_bytes({"record_id": "=HYPERLINK(\"http://x\")", "notes": "+cmd|' /C calc'!A0"}, {"record_id": "-2", "notes": "@SUM(A1)"}))
    result, _ = _run(["predict", str(path), "--models-dir", str(models_dir), "-o", str(tmp_path / "out.csv")], tmp_path)
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(written["record_id"]) == ["'=HYPERLINK(\"http://x\")", "-2"]  # a plain number is data, not a formula
    assert list(written["notes"]) == ["'+cmd|' /C calc'!A0", "'@SUM(A1)"]


def test_conflicting_rows_and_extra_columns_are_reported(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(csv_bytes({"record_id": "a", "batch": "7"}, {"record_id": "b", "batch": "7", "conductivity_s_cm": "1e-2"}))
    result, _ = _run(["data", "validate", str(path)], tmp_path)
    output = _normalized(result.output)
    assert result.exit_code == 0, output
    assert "rows 1, 2 are one formulation at one condition but conductivity_s_cm disagrees" in output
    assert "column 'batch' is not a schema column" in output


def test_explain_id_with_a_path_writes_beside_the_output(tmp_path, models_dir):
    path = tmp_path / "candidates.csv"
    path.write_bytes(csv_bytes({"record_id": "../../escape"}))
    (tmp_path / "out").mkdir()
    result, _ = _run(["predict", str(path), "--models-dir", str(models_dir), "-o", str(tmp_path / "out" / "p.csv"),
                      "--explain", "../../escape"], tmp_path)
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").glob("*.png")] == ["p_explain_escape.png"]
    assert not list(tmp_path.parent.glob("*.png"))


@pytest.mark.parametrize("script_args", [
    ["predict.py", "{bad}"],
    ["train.py", "--data", "{bad}", "--tracking-uri", "sqlite:///{tmp}/m.db", "--models-dir", "{tmp}/models"],
], ids=["predict.py", "train.py"])
def test_scripts_exit_2_with_one_line_and_debug_shows_the_traceback(script_args, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("polymer,salt\ncafé,LiTFSI\n".encode("latin-1"))
    args = [a.format(bad=bad, tmp=tmp_path) for a in script_args]
    done = subprocess.run([sys.executable, str(ROOT / args[0]), *args[1:]], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error")] == [
        f"error: {bad}: line 2: not UTF-8 (byte 0xe9); probably Latin-1/Windows-1252: convert it with "
        f"`iconv -f latin1 -t utf-8 '{bad}' > fixed.csv` or save it as 'CSV UTF-8'"]
    debug = subprocess.run([sys.executable, str(ROOT / args[0]), *args[1:], "--debug"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "Traceback" in debug.stderr and "TableReadError" in debug.stderr


def test_case_table_covers_every_command():
    counts = pd.Series([c.values[1] for c in TABLE_CASES]).value_counts()
    total = len(TABLE_CASES) + len(OPTION_CASES) + len(SCREEN_CASES) + len(SERVING_CASES)
    assert total >= 150 and set(counts.index) == set(TABLE_COMMANDS)


class _Payload:
    """Pickles to a call of os.system: what a planted model file would run on a plain joblib.load."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("damage", ["payload", "truncated", "random bytes", "empty", "other pickle"])
def test_damaged_or_planted_model_file_is_refused_without_running_it(damage, tmp_path, models_dir):
    import joblib

    from cpe_ml.models.bundle import bundle_path

    planted = tmp_path / "models"
    planted.mkdir()
    marker = tmp_path / "payload-ran"
    original = bundle_path(models_dir, "conductivity").read_bytes()
    target = planted / "conductivity.joblib"
    if damage == "payload":
        joblib.dump(_Payload(marker), target)
    elif damage == "truncated":
        target.write_bytes(original[: len(original) // 2])
    elif damage == "random bytes":
        target.write_bytes(os.urandom(4096))
    elif damage == "empty":
        target.write_bytes(b"")
    else:
        joblib.dump({"not": "a bundle"}, target)
    candidates = tmp_path / "candidates.csv"
    candidates.write_bytes(row())
    result, seconds = _run(["predict", str(candidates), "--models-dir", str(planted)], tmp_path)
    expected = {"payload": "refusing to load it (it could run code)", "other pickle": "is not a cpe-ml model bundle"}.get(
        damage, "is damaged or not a cpe-ml bundle: retrain with `python train.py`")
    _assert_refused(result, seconds, (str(target), expected))
    assert not marker.exists()
