"""The chemistry catalog: every entry parses, aliases resolve, numeric properties carry sources."""

import pandas as pd
import pytest
from rdkit import Chem

from cpe_ml.catalog import CATALOG_KINDS, load_catalog, normalize_name
from cpe_ml.chemistry.repeat_unit import canonical_repeat_unit

CATALOG = load_catalog()


@pytest.mark.parametrize("kind", ["polymer", "salt", "plasticizer"])
def test_every_catalog_smiles_parses_with_rdkit(kind):
    column = "repeat_unit_smiles" if kind == "polymer" else "smiles"
    for name, smiles in zip(CATALOG.tables[kind]["name"], CATALOG.tables[kind][column]):
        assert Chem.MolFromSmiles(smiles) is not None, f"{kind} {name}: {smiles}"
        if kind == "polymer":
            assert canonical_repeat_unit(smiles).count("*") == 2, name


def test_catalog_sizes_meet_the_foundation_minimums():
    sizes = {kind: len(CATALOG.tables[kind]) for kind in CATALOG_KINDS}
    assert sizes["polymer"] >= 25 and sizes["salt"] >= 12 and sizes["filler"] >= 30 and sizes["plasticizer"] >= 10, sizes


@pytest.mark.parametrize(
    "kind,text,expected",
    [
        ("polymer", "PVDF-HFP", "PVDF-HFP"),
        ("polymer", "pvdf hfp", "PVDF-HFP"),
        ("polymer", "PVdF-HFP", "PVDF-HFP"),
        ("polymer", "P(VDF-HFP)", "PVDF-HFP"),
        ("polymer", "poly(ethylene oxide)", "PEO"),
        ("salt", "lithium bis(trifluoromethanesulfonyl)imide", "LiTFSI"),
        ("salt", "LiOTf", "LiCF3SO3"),
        ("filler", "Li6.4La3Zr1.4Ta0.6O12", "LLZTO"),
        ("filler", "silica", "SiO2"),
        ("plasticizer", "succinonitrile", "SN"),
    ],
)
def test_alias_lookup_is_case_space_and_hyphen_insensitive(kind, text, expected):
    assert CATALOG.resolve(kind, text) == expected


def test_unknown_names_get_close_suggestions():
    assert CATALOG.resolve("polymer", "PVDF-HPF") is None
    assert "PVDF-HFP" in CATALOG.suggest("polymer", "PVDF-HPF")


def test_smiles_of_any_notation_matches_the_catalog_polymer():
    assert CATALOG.match_polymer_smiles("[Cu]OCC[Au]") == "PEO"
    assert CATALOG.match_polymer_smiles("*C(F)(F)C*") == "PVDF"
    assert CATALOG.match_salt_smiles("[Li+].[N-](S(=O)(=O)C(F)(F)F)S(=O)(=O)C(F)(F)F") == "LiTFSI"


#: (kind, value column, source column, excerpt column): every ``<p>_source`` column sources the column before it.
SOURCED = [(kind, list(table.columns)[list(table.columns).index(c) - 1], c, c.removesuffix("_source") + "_excerpt")
           for kind, table in CATALOG.tables.items() for c in table.columns if c.endswith("_source")]


def test_sourced_properties_include_every_property_a_featurizer_reads():
    from cpe_ml.featurizers.filler import CATALOG_PROPERTIES

    sourced = {(kind, value) for kind, value, _, _ in SOURCED}
    assert {("polymer", "tg_c"), ("filler", "density_g_cm3"), ("filler", "li_conductivity_s_cm")} <= sourced
    assert {("filler", column) for column, _ in CATALOG_PROPERTIES.values()} <= sourced


@pytest.mark.parametrize("kind,value,source,excerpt", SOURCED)
def test_every_numeric_property_has_a_source_and_excerpt(kind, value, source, excerpt):
    table = CATALOG.tables[kind]
    filled = table[pd.to_numeric(table[value], errors="coerce").notna()]
    assert len(filled) > 0
    assert filled[source].str.startswith("http").all()
    assert filled[excerpt].str.len().gt(0).all()


def test_user_catalog_extension_adds_and_replaces_entries(tmp_path):
    pd.DataFrame([{"name": "PXYZ", "aliases": "my polymer", "full_name": "a lab polymer", "repeat_unit_smiles": "[*]CC(C#N)O[*]", "family": "nitrile"}]).to_csv(
        tmp_path / "polymers.csv", index=False)
    extended = load_catalog(tmp_path)
    assert extended.resolve("polymer", "my polymer") == "PXYZ"
    assert extended.resolve("polymer", "PEO") == "PEO"
    assert extended.version != CATALOG.version


def test_normalize_name_removes_case_spaces_hyphens_brackets():
    assert normalize_name(" PVdF-HFP ") == normalize_name("p(vdf hfp)") == "pvdfhfp"
