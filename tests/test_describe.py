"""Data cards and overview plots of formulation frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpe_ml.datasets.describe import DataCard, describe, plot_overview

DATA_DIR = Path(__file__).parents[1].parent / "shared" / "datasets"


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(6)],
            "source": ["10.1/a", "10.1/a", "10.1/b", "10.1/c", "10.1/c", None],
            "polymer": ["PEO", "poly(ethylene oxide)", None, "PVDF-HFP", "PAN", "PEO"],
            "polymer_smiles": [None, None, "[Cu]OCC[Au]", None, None, None],
            "salt": ["LiTFSI", "LiTFSI", None, "LiFSI", "LiClO4", "LiTFSI"],
            "salt_smiles": [None, None, "[Li+].[O-]Cl(=O)(=O)=O", None, None, None],
            "filler": ["none", "LLZTO", "SiO2", "LLZTO", None, "none"],
            "process": ["solution_casting", "solution_casting+hot_pressing", None, "electrospinning", None, None],
            "electrolyte_type": ["spe", "cpe", "cpe", "cpe", "gpe", "spe"],
            "temperature_c": [25.0, 60.0, 80.0, np.nan, 30.0, -10.0],
            "conductivity_s_cm": [1e-5, 3e-4, 1e-4, np.nan, 2e-3, 1e-7],
            "voltage_window_v": [np.nan, 4.8, np.nan, 4.5, np.nan, np.nan],
            "retention_pct": [np.nan, 90.0, np.nan, np.nan, np.nan, np.nan],
        }
    )


def test_describe_counts(frame):
    card = describe(frame)
    assert isinstance(card, DataCard)
    assert card.n_rows == 6
    assert card.n_polymers == 3  # PEO (three spellings), PVDF-HFP, PAN
    assert card.polymer_strings == 5
    peo = card.collapsed_polymers["PEO"]
    assert sorted(peo) == ["PEO", "[Cu]OCC[Au]", "poly(ethylene oxide)"]
    assert card.n_collapsed_strings == 2
    assert card.n_salts == 4
    assert card.n_fillers == 2  # 'none' is not a filler
    assert card.n_sources == 3
    assert card.target_coverage == {"conductivity_s_cm": 5, "voltage_window_v": 2, "retention_pct": 1}
    assert card.temperature_range_c == (-10.0, 80.0)
    assert card.counts["electrolyte_type"] == {"cpe": 3, "spe": 2, "gpe": 1}
    assert card.counts["process"] == {"solution_casting": 2, "hot_pressing": 1, "electrospinning": 1}
    assert card.counts["filler"]["LLZTO"] == 2


def test_describe_renderings(frame):
    card = describe(frame)
    text = card.to_text()
    assert "rows" in text and "conductivity_s_cm" in text and "5 -> 3" in text
    table = card.to_rich_table()
    assert table.row_count == len(card._rows())
    assert card.to_dict()["n_rows"] == 6


def test_describe_minimal_frame():
    card = describe(pd.DataFrame({"conductivity_s_cm": [1e-4]}))
    assert card.n_rows == 1 and card.n_polymers == 0 and card.temperature_range_c is None
    assert card.counts == {} and "rows" in card.to_text()


def test_plot_overview_writes_png(frame, tmp_path):
    path = plot_overview(frame, tmp_path / "sub" / "overview.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not (DATA_DIR / "bradford2023").is_dir(), reason=f"public dataset mirror not at {DATA_DIR}")
def test_describe_public_table(tmp_path):
    from cpe_ml.datasets.public import load_hatakeyama2022

    public = load_hatakeyama2022(DATA_DIR)
    card = describe(public)
    assert card.n_rows == len(public) and card.counts["dataset"] == {"hatakeyama2022": len(public)}
    assert card.target_coverage["conductivity_s_cm"] == len(public)
    assert plot_overview(public, tmp_path / "h.png").stat().st_size > 10_000
