"""Public dataset loaders: counts against the raw files, hand-checked rows, checksum/missing/download paths,
duplicates across tables. Reads the read-only mirror in ../shared/datasets; never uses the network."""

from __future__ import annotations

import io
import math
import shutil
import urllib.error
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpe_ml.catalog import load_catalog
from cpe_ml.datasets import _fetch
from cpe_ml.datasets.public import (
    BRADFORD2023,
    DATASETS,
    HATAKEYAMA2022,
    ChecksumMismatchError,
    DataFileNotFoundError,
    DownloadError,
    LoadReport,
    PublicDataError,
    find_duplicates,
    load_bradford2023,
    load_hatakeyama2022,
    load_public,
)
from cpe_ml.datasets.public_harmonize import (
    R_COMPONENTS_MISSING,
    R_GRAFT,
    R_NO_LITHIUM,
    R_NO_POLYMER,
    SINGLE_ION_NOTE,
    harmonize_hatakeyama2022,
    normalize_reference,
)

DATA_DIR = Path(__file__).parents[1].parent / "shared" / "datasets"
pytestmark = pytest.mark.skipif(
    not (DATA_DIR / "bradford2023").is_dir(),
    reason=f"public dataset mirror not found at {DATA_DIR} (expected ../shared/datasets beside the repository)",
)

BRADFORD_FILE = DATA_DIR / "bradford2023" / "clean_train_data.csv"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    # A developer's environment must not redirect the tests.
    monkeypatch.delenv(_fetch.ENV_PUBLIC_DATA_DIR, raising=False)
    monkeypatch.delenv(_fetch.ENV_DATA_HOME, raising=False)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tests must not open network connections")

    monkeypatch.setattr(_fetch, "urlopen", refuse)


@pytest.fixture(scope="module")
def bradford():
    return load_bradford2023(DATA_DIR, return_report=True)


@pytest.fixture(scope="module")
def hatakeyama():
    return load_hatakeyama2022(DATA_DIR, return_report=True)


def _check_report(frame: pd.DataFrame, report: LoadReport, n_raw: int) -> None:
    assert report.n_raw == n_raw
    assert report.n_loaded + report.n_failed == report.n_raw
    assert len(frame) == report.n_loaded
    assert {r: len(ids) for r, ids in report.failed_ids.items()} == report.failures
    failed = [i for ids in report.failed_ids.values() for i in ids]
    assert len(failed) == len(set(failed))  # one reason per row
    assert frame["record_id"].is_unique
    loaded_ids = set(frame["record_id"].str.split("-", n=1).str[1])
    assert not loaded_ids & set(failed)
    for column in ("record_id", "dataset", "source", "polymer_smiles", "temperature_c", "conductivity_s_cm"):
        assert frame[column].notna().all(), column
    assert frame["conductivity_s_cm"].between(0, 1, inclusive="right").all()
    assert frame["temperature_c"].between(-50, 250).all()
    assert frame["polymer_smiles"].str.count(r"\[\*\]").eq(2).all()  # canonical [*]...[*] units


# ------------------------------------------------------------------------------------------ bradford
def test_bradford_counts_match_raw_file(bradford):
    frame, report = bradford
    raw = pd.read_csv(BRADFORD_FILE)
    _check_report(frame, report, len(raw))
    assert report.n_raw == 10_114
    assert set(frame["dataset"]) == {"bradford2023"}
    assert frame["record_id"].str.fullmatch(r"bradford2023-\d+").all()
    assert (frame["electrolyte_type"] == "spe").all()


def test_bradford_failure_report(bradford):
    _, report = bradford
    # Two rows state a molality above the schema's 100 mol/kg (204 mol/kg): left out, counted, listed.
    assert report.failures == {"salt_molality_mol_kg outside schema range [0, 100]": 2}
    raw = pd.read_csv(BRADFORD_FILE)
    bad = sorted(report.failed_ids["salt_molality_mol_kg outside schema range [0, 100]"], key=int)
    assert (raw.loc[[int(i) for i in bad], "molality"] > 100).all()
    assert "10112 loaded" in report.summary()
    assert list(report.to_frame().columns) == ["reason", "count"]


def test_bradford_peo_litfsi_row(bradford):
    frame, _ = bradford
    raw = pd.read_csv(BRADFORD_FILE)
    # Row 1202: [Cu]OCC[Au] + LiTFSI, 1.135786 mol/kg, 25 C, log10(sigma) = -6.103960.
    assert raw.loc[1202, "smiles"] == "[Cu]OCC[Au]"
    row = frame.set_index("record_id").loc["bradford2023-1202"]
    assert row["polymer"] == "PEO"
    assert row["polymer_smiles"] == "[*]CCO[*]"
    assert row["polymer_smiles_source"] == "[Cu]OCC[Au]"
    assert row["salt"] == "LiTFSI"
    assert row["salt_molality_mol_kg"] == pytest.approx(1.135786)
    assert row["salt_amount_given"] == "molality"
    assert row["temperature_c"] == 25.0
    assert row["conductivity_s_cm"] == pytest.approx(10**-6.103960, rel=1e-12)
    # 1.1358 mol LiTFSI per kg PEO is EO:Li = 20 (44.05 g/mol per EO) and 24.6 wt% salt.
    assert row["salt_eo_li_ratio"] == pytest.approx(20.0, abs=0.05)
    assert row["salt_wt_pct"] == pytest.approx(24.6, abs=0.1)
    assert row["source"] == "bradford2023:1202"
    assert row["source_url"] == BRADFORD2023.files[0].url


def test_bradford_single_ion_rows_keep_salt_empty(bradford):
    frame, _ = bradford
    row = frame.set_index("record_id").loc["bradford2023-0"]
    assert pd.isna(row["salt"]) and pd.isna(row["salt_smiles"]) and pd.isna(row["salt_molality_mol_kg"])
    assert row["notes"] == SINGLE_ION_NOTE
    assert row["conductivity_s_cm"] == pytest.approx(10**-10.357013)


# ---------------------------------------------------------------------------------------- hatakeyama
def test_hatakeyama_counts_match_raw_file(hatakeyama):
    frame, report = hatakeyama
    raw = pd.read_csv(DATA_DIR / "hatakeyama2022" / "composite_all.csv")
    _check_report(frame, report, len(raw))
    assert report.n_raw == 9_185
    assert frame["record_id"].str.startswith("hatakeyama2022-lit_tr").sum() >= 1


def test_hatakeyama_failure_report(hatakeyama):
    frame, report = hatakeyama
    raw = pd.read_csv(DATA_DIR / "hatakeyama2022" / "composite_all.csv")
    # The published table keeps component1 only: every row with more ratio entries than ids is reported.
    n_ratio = raw["mol_ratio"].fillna(raw["wt_ratio"]).fillna("").map(lambda s: len(s.split("/")) if s else 0)
    assert report.failures[R_COMPONENTS_MISSING] == int((n_ratio > 1).sum())
    assert any("component2..6 are empty" in note for note in report.notes)
    assert report.failures[R_NO_POLYMER] == 46  # LiOTf alone (s3-5) and LiBIB alone (1208_3_bib)
    assert report.failures[R_NO_LITHIUM] == 9  # neat PEO, neat PVP, polycation PDADMA-FSI
    assert report.failures[R_GRAFT] > 0
    assert "lit_tr2410" in report.failed_ids[R_NO_POLYMER]


def test_hatakeyama_block_copolymer_row(hatakeyama):
    frame, _ = hatakeyama
    # lit_tr1255: skn20 = poly(TFSI-Li methacrylate)-b-PEO-b-poly(TFSI-Li methacrylate), blocks 6/35 kg/mol.
    row = frame.set_index("record_id").loc["hatakeyama2022-lit_tr1255"]
    assert row["polymer"] == "PEO"
    assert row["polymer_smiles"] == "[*]CCO[*]"
    assert "[N-]S(=O)(=O)C(F)(F)F" in row["polymer2"]
    assert row["polymer2_wt_pct"] == pytest.approx(100 * 6 / 41)
    assert row["temperature_c"] == pytest.approx(80.13848)
    assert row["conductivity_s_cm"] == pytest.approx(6.7e-05, rel=0.01)
    assert row["source"] == "10.1016/j.jpowsour.2017.08.023"
    assert pd.isna(row["salt"]) and row["notes"] == SINGLE_ION_NOTE
    assert row["polymer_mw_g_mol"] == 65934.0


def test_reference_normalization():
    assert normalize_reference("10.1021/ma021734u") == "10.1021/ma021734u"
    assert normalize_reference("org/10.1007/s10904-018-0805-z") == "10.1007/s10904-018-0805-z"
    assert normalize_reference("0.1016/j.jpowsour.2017.06.006") == "10.1016/j.jpowsour.2017.06.006"
    assert normalize_reference("j.electacta.2013.09.151") == "10.1016/j.electacta.2013.09.151"
    assert normalize_reference("https://tel.archives-ouvertes.fr/tel-01179993").startswith("https://")
    assert normalize_reference("not available") is None


def test_hatakeyama_multicomponent_composition():
    """Full compositions (what the table would hold with component2..6): salt, gel and filler rows."""
    compounds = pd.DataFrame(
        {
            "ID": ["peo", "LiTFSI", "EC", "ionomer"],
            "SMILES": [
                "[Mg]OCC[Mg]",
                "O=S(=O)([N-]S(=O)(=O)C(F)(F)F)C(F)(F)F",  # bare anion = the Li salt in this database
                "O=C1OCCO1",
                "[Mg]CC([Mg])c1ccc(S(=O)(=O)[N-]S(=O)(=O)C(F)(F)F)cc1",
            ],
            "mol_ratio": [None] * 4,
            "wt_ratio": [None] * 4,
            "Mw": [600000, None, None, None],
        }
    )
    composite = pd.DataFrame(
        {
            "ID": ["a", "b", "c", "d", "e"],
            "Temperature": [60.0, 25.0, 30.0, 40.0, 40.0],
            "Conductivity": [1e-4, 2e-3, 5e-5, 1e-5, 1e-6],
            "component1": ["peo", "peo", "peo", "peo", "peo"],
            "component2": ["LiTFSI", "LiTFSI", "LiTFSI", None, "ionomer"],
            "component3": [None, "EC", None, None, None],
            "mol_ratio": ["10/1", None, None, "1/1", None],
            "wt_ratio": [None, "50/20/30", "70/30", None, "80/20"],
            "inorg_name": [None, None, "SiO2", None, None],
            "inorg_contain_ratio(wt)": [None, None, 0.1, None, None],
            "reference": ["10.1/x", "not available", "10.1/y", "10.1/z", "10.1/w"],
        }
    )
    frame, report = harmonize_hatakeyama2022(composite, compounds, _catalog())
    assert report.failures == {R_COMPONENTS_MISSING: 1} and report.failed_ids[R_COMPONENTS_MISSING] == ["d"]
    rows = frame.set_index("record_id")
    a = rows.loc["hatakeyama2022-a"]
    assert (a["polymer"], a["salt"], a["electrolyte_type"]) == ("PEO", "LiTFSI", "spe")
    assert a["salt_amount_given"] == "eo_li" and a["salt_eo_li_ratio"] == pytest.approx(10.0)
    m_eo, m_salt = 44.053, 287.08
    assert a["salt_wt_pct"] == pytest.approx(100 * m_salt / (m_salt + 10 * m_eo), rel=1e-3)
    assert a["salt_molality_mol_kg"] == pytest.approx(1000 / (10 * m_eo), rel=1e-3)
    b = rows.loc["hatakeyama2022-b"]
    assert (b["electrolyte_type"], b["plasticizer"]) == ("gpe", "EC")
    assert b["plasticizer_wt_pct"] == pytest.approx(30.0)
    assert b["salt_wt_pct"] == pytest.approx(100 * 20 / 70) and b["salt_amount_given"] == "wt_pct"
    assert b["source"] == "hatakeyama2022:b"
    c = rows.loc["hatakeyama2022-c"]
    assert (c["electrolyte_type"], c["filler"]) == ("cpe", "SiO2")
    e = rows.loc["hatakeyama2022-e"]  # PEO blended with a Li-ionomer: single-ion, polymer2 share 20 wt%
    assert e["polymer"] == "PEO" and e["polymer2_wt_pct"] == pytest.approx(20.0) and pd.isna(e["salt"])


def _catalog():
    from cpe_ml.catalog import load_catalog

    return load_catalog()


# ------------------------------------------------------------------------------- files and download
def test_checksums_of_the_mirror_match():
    for dataset in DATASETS.values():
        for remote in dataset.files:
            assert _fetch.sha256_of(DATA_DIR / remote.dataset / remote.filename) == remote.sha256


def test_corrupted_copy_is_a_checksum_error(tmp_path):
    target = tmp_path / "bradford2023" / "clean_train_data.csv"
    target.parent.mkdir()
    data = bytearray(BRADFORD_FILE.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")  # one changed digit in the last row
    target.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatchError, match="SHA-256"):
        load_bradford2023(tmp_path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="composite_all.csv not found") as info:
        load_hatakeyama2022(tmp_path)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, PublicDataError)
    # One file present, the other missing: still an error, never a partial load.
    (tmp_path / "hatakeyama2022").mkdir()
    shutil.copy(DATA_DIR / "hatakeyama2022" / "composite_all.csv", tmp_path / "hatakeyama2022")
    with pytest.raises(DataFileNotFoundError, match="compounds.csv"):
        load_hatakeyama2022(tmp_path)


def test_flat_directory_and_environment_variable(tmp_path, monkeypatch):
    shutil.copy(BRADFORD_FILE, tmp_path / "clean_train_data.csv")
    remote = BRADFORD2023.files[0]
    assert _fetch.fetch_file(remote, data_dir=tmp_path) == tmp_path / "clean_train_data.csv"
    monkeypatch.setenv(_fetch.ENV_PUBLIC_DATA_DIR, str(DATA_DIR))
    assert _fetch.fetch_file(remote) == DATA_DIR / "bradford2023" / "clean_train_data.csv"


class _Opener:
    """Stands in for urllib's urlopen: serves bytes and records the URLs asked for."""

    def __init__(self, payload: dict[str, bytes]):
        self.payload, self.urls = payload, []

    def __call__(self, url, timeout=None):
        self.urls.append(url)
        return io.BytesIO(self.payload[url])


def test_download_then_read_from_cache(tmp_path, monkeypatch):
    remote = BRADFORD2023.files[0]
    opener = _Opener({remote.url: BRADFORD_FILE.read_bytes()})
    monkeypatch.setattr(_fetch, "urlopen", opener)
    monkeypatch.setenv(_fetch.ENV_DATA_HOME, str(tmp_path / "home"))
    frame, report = load_bradford2023(return_report=True)
    cached = tmp_path / "home" / "bradford2023" / "clean_train_data.csv"
    assert opener.urls == [remote.url] and cached.is_file()
    assert remote.url.startswith("https://raw.githubusercontent.com/learningmatter-mit/Chem-prop-pred/")
    assert report.n_loaded == len(frame) == 10_112
    assert [p.name for p in cached.parent.iterdir()] == ["clean_train_data.csv"]  # no leftover .part
    load_bradford2023()  # second call: from the cache, no download
    assert len(opener.urls) == 1
    with pytest.raises(DataFileNotFoundError):
        _fetch.fetch_file(HATAKEYAMA2022.files[1], data_home=tmp_path / "home", download_if_missing=False)


def test_download_with_wrong_checksum_caches_nothing(tmp_path, monkeypatch):
    remote = HATAKEYAMA2022.files[1]
    monkeypatch.setattr(_fetch, "urlopen", _Opener({remote.url: b"ID,SMILES\nx,C\n"}))
    with pytest.raises(ChecksumMismatchError, match="Nothing was cached"):
        _fetch.fetch_file(remote, data_home=tmp_path)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_corrupted_cache_is_downloaded_again(tmp_path, monkeypatch):
    remote = HATAKEYAMA2022.files[1]
    original = (DATA_DIR / "hatakeyama2022" / "compounds.csv").read_bytes()
    cached = tmp_path / "hatakeyama2022" / "compounds.csv"
    cached.parent.mkdir()
    cached.write_bytes(original[:-10])  # e.g. an interrupted copy made by hand
    with pytest.raises(ChecksumMismatchError):
        _fetch.fetch_file(remote, data_home=tmp_path, download_if_missing=False)
    opener = _Opener({remote.url: original})
    monkeypatch.setattr(_fetch, "urlopen", opener)
    assert _fetch.fetch_file(remote, data_home=tmp_path) == cached
    assert cached.read_bytes() == original and len(opener.urls) == 1


def test_network_failure_is_a_download_error(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(_fetch, "urlopen", offline)
    with pytest.raises(DownloadError, match="data_dir"):
        load_bradford2023(data_home=tmp_path)


# ---------------------------------------------------------------------------------------- duplicates
def test_duplicates_across_tables(bradford, hatakeyama):
    both, report = load_public(data_dir=DATA_DIR, return_report=True)
    assert len(both) == bradford[1].n_loaded + hatakeyama[1].n_loaded
    pairs = report.duplicates
    assert len(pairs) > 0
    assert (pairs["dataset_a"] == "bradford2023").all() and (pairs["dataset_b"] == "hatakeyama2022").all()
    assert (pairs["temperature_diff_c"] <= 1.0).all() and (pairs["log_conductivity_diff"] <= 0.05).all()
    rows = both.set_index("record_id")
    a, b = rows.loc[pairs["record_id_a"]], rows.loc[pairs["record_id_b"]]
    assert (a["polymer_smiles"].to_numpy() == b["polymer_smiles"].to_numpy()).all()

    deduplicated, dedup_report = load_public(data_dir=DATA_DIR, deduplicate=True, return_report=True)
    removed = set(pairs["record_id_b"])
    assert dedup_report.n_removed_duplicates == len(removed)
    assert len(deduplicated) == len(both) - len(removed)
    assert not set(deduplicated["record_id"]) & removed
    assert set(pairs["record_id_a"]) <= set(deduplicated["record_id"])


def test_find_duplicates_tolerances():
    base = dict(polymer="PEO", polymer_smiles="[*]CCO[*]", salt="LiTFSI", salt_molality_mol_kg=1.0)
    frame = pd.DataFrame(
        [
            dict(base, record_id="x-1", dataset="x", temperature_c=60.0, conductivity_s_cm=1.0e-4),
            dict(base, record_id="y-1", dataset="y", temperature_c=60.8, conductivity_s_cm=1.1e-4),  # match
            dict(base, record_id="y-2", dataset="y", temperature_c=61.5, conductivity_s_cm=1.0e-4),  # T off
            dict(base, record_id="y-3", dataset="y", temperature_c=60.0, conductivity_s_cm=1.3e-4),  # sigma off
            dict(base, record_id="y-4", dataset="y", temperature_c=60.0, conductivity_s_cm=1.0e-4,
                 salt_molality_mol_kg=1.5),  # amount off
            dict(base, record_id="x-2", dataset="x", temperature_c=60.0, conductivity_s_cm=1.0e-4),  # same table
        ]
    )
    pairs = find_duplicates(frame)
    assert sorted(zip(pairs["record_id_a"], pairs["record_id_b"])) == [("x-1", "y-1"), ("y-1", "x-2")]
    assert math.isclose(pairs["temperature_diff_c"].max(), 0.8)
    within = find_duplicates(frame, across_datasets=False)
    assert ("x-1", "x-2") in set(zip(within["record_id_a"], within["record_id_b"]))
    assert find_duplicates(frame.iloc[:0]).empty
    assert np.isfinite(pairs["log_conductivity_diff"]).all()


@pytest.mark.parametrize("name", ["PEO", "PTMC", "PEC"])
def test_public_polymers_land_on_the_catalog_identity(bradford, hatakeyama, name):
    """One polymer, one identity: Bradford's [Cu]/[Au] units and Hatakeyama's [Mg] units map to the
    catalog's canonical repeat unit (the loaded Hatakeyama rows contain PEO but no PTMC/PEC)."""
    catalog_unit = load_catalog().entry("polymer", name).canonical_smiles
    for frame, _ in (bradford, hatakeyama):
        rows = frame[frame["polymer"] == name]
        assert set(rows["polymer_smiles"]) <= {catalog_unit}
    assert (bradford[0]["polymer"] == name).sum() > 100
    assert (hatakeyama[0]["polymer"] == "PEO").sum() > 100
    raw = pd.read_csv(BRADFORD_FILE)
    rows = bradford[0]["record_id"][bradford[0]["polymer"] == name].str.removeprefix("bradford2023-").astype(int)
    written = raw.loc[rows, "smiles"].unique()
    assert all("[Cu]" in s and "[Au]" in s for s in written)
