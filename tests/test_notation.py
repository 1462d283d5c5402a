"""The one-line formulation notation: the documented examples round-trip, malformed strings are refused
with the position of the problem, and ``cpe-ml predict "<formulation>"`` predicts like the CSV path."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cpe_ml.cli import app
from cpe_ml.notation import FormulationSyntaxError, format_formulation, parse_formulation
from cpe_ml.prediction import predict_formulations

DOC = Path(__file__).resolve().parents[1] / "docs" / "notation.md"


def _documented_examples() -> list[tuple[str, str]]:
    """(as written, canonical form) for every line of the doc's ```formulations block."""
    block = re.search(r"```formulations\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, f"{DOC} has no ```formulations block"
    pairs = []
    for line in filter(str.strip, block.group(1).splitlines()):
        written, _, canonical = line.partition("=>")
        pairs.append((written.strip(), canonical.strip() or written.strip()))
    return pairs


EXAMPLES = _documented_examples()


def test_the_doc_has_examples_of_every_part_of_the_grammar():
    written = " ".join(w for w, _ in EXAMPLES)
    assert len(EXAMPLES) >= 12
    for part in (":1", " wt%", " vol%", " m ", "mol/kg", "(", " K", "@ RT", "via", ";", "{", "C/2", "EO:Li"):
        assert part in written, part


@pytest.mark.parametrize("written, canonical", EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_documented_example_round_trips(written, canonical):
    record = parse_formulation(written)
    assert format_formulation(record) == canonical
    assert parse_formulation(canonical) == record


@pytest.mark.parametrize("text, expected", [
    ("PEO/LiTFSI 16:1 + 10 wt% LLZTO @ 60 C",
     {"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": 16.0, "filler": "LLZTO", "filler_loading_wt_pct": 10.0,
      "temperature_c": 60.0}),
    ("poly(ethylene oxide) (600 kg/mol)/LiTFSI 1 m + LLZTO 5 vol% (nanowires, 0.4 µm) @ 333 K",
     {"polymer": "PEO", "polymer_mw_g_mol": 600000.0, "salt": "LiTFSI", "salt_molality_mol_kg": 1.0, "filler": "LLZTO",
      "filler_loading_vol_pct": 5.0, "filler_morphology": "nanowire", "filler_size_nm": 400.0, "temperature_c": 59.85}),
    ("PEO/30 wt% PVDF-HFP/LiFSI 20 wt% + 20 wt% EC/PC @ RT via solution casting, hot pressing",
     {"polymer": "PEO", "polymer2": "PVDF-HFP", "polymer2_wt_pct": 30.0, "salt": "LiFSI", "salt_wt_pct": 20.0,
      "plasticizer": "EC+PC", "plasticizer_wt_pct": 20.0, "temperature_text": "room temperature",
      "process": "solution_casting+hot_pressing"}),
    ("poly(1,3-dioxolane)/LiTFSI + 10 wt% POSS-PEG(13.3) (200 nm) via in-situ cationic",
     {"polymer": "PDOL", "salt": "LiTFSI", "filler": "POSS-PEG", "filler_loading_wt_pct": 10.0, "filler_size_nm": 200.0,
      "process": "in_situ_cationic"}),
    ("{[*]CCO[*]}/LiTFSI 16:1 + 10 wt% {N#CCCC#N} @ -20 C; NCM811 C/2 200 cycles 4.3 V @ 60 C",
     {"polymer_smiles": "[*]CCO[*]", "salt": "LiTFSI", "salt_eo_li_ratio": 16.0, "plasticizer_smiles": "N#CCCC#N",
      "plasticizer_wt_pct": 10.0, "temperature_c": -20.0, "cathode": "NCM811", "c_rate": 0.5, "retention_cycles": 200.0,
      "cutoff_voltage_v": 4.3, "cycling_temperature_c": 60.0}),
])
def test_parts_land_in_the_schema_columns_in_their_units(text, expected):
    assert parse_formulation(text) == expected


# (string, words the message must contain, the text the caret points at)
MALFORMED = [
    ("", "empty formulation", ""),
    ("PEO LiTFSI", "expected '/' and the lithium salt", ""),
    ("PEO/LiTFS 16:1", "unknown salt 'LiTFS' (did you mean 'LiTFSI'", "LiTFS"),
    ("PEO/LiTFSI + 10 wt% LLZT0", "unknown filler or plasticizer 'LLZT0' (did you mean 'LLZTO'", "LLZT0"),
    ("PEO/LiTFSI + 10 % LLZTO", "write wt% or vol%", "10 %"),
    ("PEO/LiTFSI + 10,5 wt% LLZTO", "decimal point", "10,5 wt%"),
    ("PEO/LiTFSI + 10 wt% LLZTO 5 wt%", "two amounts for LLZTO", "5 wt%"),
    ("PEO/LiTFSI 16:2", "EO:Li ratio as n:1", "16:2"),
    ("PEO/LiTFSI 1 M", "M is mol/L", "1 M"),
    ("PEO/LiTFSI @ 60", "give the temperature's unit", "60"),
    ("PEO/LiTFSI @ 60 C @ 25 C", "a second temperature", "25 C"),
    ("PEO/LiTFSI @ 900 C", "outside the possible range -50..250", "900 C"),
    ("PEO/LiTFSI 150 wt%", "salt_wt_pct = 150.0: outside the possible range 0..100", "150 wt%"),
    ("PEO/LiTFSI + 60 wt% LLZTO + 50 wt% SN", "above 100 wt% of the electrolyte", "50 wt%"),
    ("PEO/LiTFSI via solution castng", "unknown step 'solution_castng'. Did you mean solution_casting", "solution castng"),
    ("PEO/LiTFSI + 10 wt% LLZTO + 5 wt% SiO2", "a second filler", "SiO2"),
    ("PEO/LiTFSI + 10 wt% PVDF", "'PVDF' is a polymer: write a blend as host/partner/salt", "PVDF"),
    ("PEO/LLZTO", "'LLZTO' is a filler, not a salt", "LLZTO"),
    ("PEO/LiTFSI + (10 wt% LLZTO", "'(' is never closed", "("),
    ("PEO/LiTFSI + 10 wt% LLZTO (400 mm)", "expected a particle size with its unit", "400 mm"),
    ("PEO/LiTFSI 16:1 +", "expected a filler or plasticizer after '+'", ""),
    ("PEO/LiTFSI; LFP 3 bananas", "expected a C-rate", "3 bananas"),
    ("{C(}/LiTFSI", "cannot parse polymer SMILES", "C("),
    ("PEO (16:1)/LiTFSI", "molar mass in parentheses", "16:1"),
]


@pytest.mark.parametrize("text, words, marked", MALFORMED, ids=[m[0] or "empty" for m in MALFORMED])
def test_malformed_string_is_refused_where_the_problem_is(text, words, marked):
    with pytest.raises(FormulationSyntaxError) as caught:
        parse_formulation(text)
    err = caught.value
    assert isinstance(err, ValueError) and words in err.message
    assert text[err.position:err.position + err.length] == marked or (not marked and err.position >= len(text.rstrip()))
    caret = str(err).splitlines()[-1]
    assert caret.strip() == "^" * err.length and caret.index("^") == 2 + err.position  # under the string's "  " indent


def test_a_string_predicts_exactly_like_the_equivalent_csv_row(trained_models):
    text = "PEO/LiTFSI 16:1 + 10 wt% LLZTO @ 60 C"
    row = pd.DataFrame([{"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": "16", "filler": "LLZTO",
                         "filler_loading_wt_pct": "10", "temperature_c": "60"}])
    from_text = predict_formulations(pd.DataFrame([parse_formulation(text)]), trained_models.bundles).predictions
    from_csv = predict_formulations(row, trained_models.bundles).predictions
    for column in ("pred_conductivity", "pred_conductivity_lo", "pred_voltage_window_hi", "pred_retention", "confidence"):
        assert from_text[column].iloc[0] == from_csv[column].iloc[0], column


def _predict(args: list[str], cwd: Path):
    import contextlib

    with contextlib.chdir(cwd):
        return CliRunner().invoke(app, ["predict", *args], env={"COLUMNS": "200"})


def test_cli_prints_the_three_targets_and_writes_the_arrhenius_plot(trained_models, tmp_path):
    result = _predict(["PEO/LiTFSI 16:1 + 10 wt% LLZTO", "--models-dir", str(trained_models.models_dir)], tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    printed = {}
    for target, unit in (("conductivity", "S/cm"), ("voltage window", "V vs Li/Li+"), ("retention", "% after 100 cycles")):
        row = next(line for line in lines if line.strip("│ ").startswith(target))
        numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", row.split(unit)[0].split(target)[1])]
        temperature, value, low, high = numbers[:4]
        assert temperature == 25 and low <= value <= high and unit in row
        printed[target] = value
    library = predict_formulations(pd.DataFrame([parse_formulation("PEO/LiTFSI 16:1 + 10 wt% LLZTO @ 25 C")]),
                                   trained_models.bundles).predictions.iloc[0]
    assert printed["conductivity"] == float(f"{library['pred_conductivity_s_cm']:.2e}")
    assert printed["voltage window"] == float(f"{library['pred_voltage_window']:.3g}")
    # no '@ T': predicted at 25 C, flagged like a CSV row predicted with --temperature 25, and never 'high'
    assert "temperature not given: predicted at 25 C" in result.output
    assert not re.search(r"conductivity .* high", result.output)
    png = tmp_path / "PEO_LiTFSI_16_1_10_wt_LLZTO_arrhenius.png"
    assert f"Arrhenius plot (sigma vs 1000/T, 0-100 C, 80 % band): {png.name}" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_cli_plot_option_and_stated_temperature(trained_models, tmp_path):
    plot = tmp_path / "candidate.png"
    result = _predict(["PEO/LiTFSI 16:1 @ 333.15 K", "--models-dir", str(trained_models.models_dir), "--plot", str(plot)], tmp_path)
    assert result.exit_code == 0, result.output
    assert "formulation: PEO/LiTFSI 16:1 @ 60 C" in result.output and "temperature not given" not in result.output
    assert plot.is_file() and not list(tmp_path.glob("*_arrhenius.png"))


def test_cli_refuses_a_malformed_string_with_a_caret_and_writes_nothing(trained_models, tmp_path):
    result = _predict(["PEO/LiTFS 16:1 + 10 wt% LLZTO @ 60 C", "--models-dir", str(trained_models.models_dir)], tmp_path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "unknown salt 'LiTFS' (did you mean 'LiTFSI'" in result.output
    assert "  PEO/LiTFS 16:1 + 10 wt% LLZTO @ 60 C\n      ^^^^^" in result.output
    assert "model:" not in result.output  # refused before any model was loaded
    assert not list(tmp_path.iterdir())


def test_a_missing_table_file_is_still_a_missing_file(tmp_path):
    result = _predict([str(tmp_path / "candidates.csv")], tmp_path)
    assert result.exit_code == 2 and "no such file" in result.output


def test_format_leaves_out_what_the_notation_has_no_place_for():
    record = {"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": 16.0, "conductivity_s_cm": 1e-4,
              "source": "10.1000/x", "filler": "none", "filler_loading_wt_pct": np.nan, "plasticizer": ""}
    assert format_formulation(record) == "PEO/LiTFSI 16:1"
