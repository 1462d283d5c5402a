"""Polymer transport descriptors: physically sensible values on textbook polymers, notation independence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpe_ml.chemistry.repeat_unit import canonical_repeat_unit
from cpe_ml.chemistry.polymer_transport import TRANSPORT_LABELS, transport_descriptors
from cpe_ml.featurizers.polymer_physics import PolymerTransportFeaturizer
from cpe_ml.validation import validate_formulations


def _descriptors(smiles: str) -> dict[str, float]:
    return dict(zip(TRANSPORT_LABELS, transport_descriptors(canonical_repeat_unit(smiles))))


def test_peo_is_a_flexible_chelating_polyether():
    peo = _descriptors("[*]CCO[*]")
    assert peo["backbone_free_bond_fraction"] == 1.0
    assert peo["backbone_heteroatom_fraction"] == pytest.approx(1 / 3)
    assert peo["li_donor_sites_per_heavy"] == pytest.approx(1 / 3)
    assert peo["li_donor_sites_mol_kg"] == pytest.approx(1000 / 44.05, rel=1e-3)
    assert peo["eo_chelate_pairs_per_heavy"] == pytest.approx(1 / 3)
    assert peo["longest_eo_run"] == 8  # saturated
    assert peo["side_chain_atoms_per_backbone_atom"] == 0.0


def test_stiff_and_comb_polymers_are_told_apart():
    pet = _descriptors("[*]CCOC(=O)c1ccc(cc1)C(=O)O[*]")
    ps = _descriptors("[*]CC([*])c1ccccc1")
    comb = _descriptors("[*]CC([*])(C)C(=O)OCCOCCOCCOC")  # PEGMA
    ptmc = _descriptors("[*]CCCOC(=O)O[*]")
    assert pet["backbone_ring_atom_fraction"] > 0 and pet["backbone_free_bond_fraction"] < 1
    assert ps["side_chain_rings_per_backbone_atom"] == 0.5 and ps["li_donor_sites_per_heavy"] == 0
    assert comb["li_donor_side_chain_fraction"] == 1.0 and comb["longest_eo_run"] == 2  # three ether O, two O-C-C-O links
    assert ptmc["backbone_conjugated_link_fraction"] == pytest.approx(1 / 3)  # O-C(=O) twice in 6 bonds, closing bond included
    assert ptmc["li_donor_side_chain_fraction"] == 0.0  # the carbonyl O sits on the main chain


@pytest.mark.parametrize("notations", [["[*]CCO[*]", "[Cu]OCC[Au]", "COC"], ["[*]CCCOC(=O)O[*]", "[Cu]C(=O)OCCCO[Au]"]])
def test_every_notation_gives_identical_features(notations):
    clean = validate_formulations(pd.DataFrame({"record_id": [f"r{i}" for i in range(len(notations))], "polymer_smiles": notations,
                                                "salt": "LiTFSI", "salt_molality_mol_kg": "1.0", "temperature_c": "60"}))[0]
    featurizer = PolymerTransportFeaturizer().fit(clean)
    X = featurizer.transform(clean)
    labels = featurizer.feature_labels()
    assert X.shape == (len(notations), len(labels))
    for row in X[1:]:
        assert row.tobytes() == X[0].tobytes()
    assert X[0, labels.index("salt_per_donor_site")] == pytest.approx(1.0 / X[0, labels.index("li_donor_sites_mol_kg")])


def test_missing_polymer_gives_nan_not_an_error():
    frame = pd.DataFrame({"polymer_canonical_smiles": [""], "polymer2_canonical_smiles": [""], "polymer2_wt_pct": [np.nan],
                          "salt_molality_mol_kg": [1.0]})
    assert np.isnan(PolymerTransportFeaturizer().fit(frame).transform(frame)).all()
