"""Polymer ion-transport physics as features: segmental mobility and Li+ coordination of the host
(descriptors of :mod:`cpe_ml.chemistry.polymer_transport`), and how many Li+ share each coordinating site."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.chemistry.polymer_transport import TRANSPORT_LABELS, transport_descriptors
from cpe_ml.featurizers.base import Featurizer
from cpe_ml.tables import as_float, per_distinct


class PolymerTransportFeaturizer(Featurizer):
    """Segmental mobility and Li+ coordination of the host polymer (blend-weighted when ``polymer2`` is given).

    Features:
        backbone_free_bond_fraction: main-chain bonds that rotate freely (single, acyclic, not an
            ester/amide/carbonate/urethane link), closing bond included: backbone flexibility, low Tg;
        backbone_ring_atom_fraction: main-chain atoms in rings (phenylenes, imides: stiff, high Tg);
        backbone_heteroatom_fraction: acyclic non-carbon main-chain atoms (O, N, S, Si, P hinges with low
            torsion barriers, as in PEO, PDMS, polyphosphazenes);
        backbone_conjugated_link_fraction: main-chain bonds that are C(=O)-X links;
        h_bond_donors_per_heavy: N-H and O-H per heavy atom (cohesion that raises Tg and binds anions);
        side_chain_atoms_per_backbone_atom: side-chain heavy atoms per main-chain atom;
        longest_side_chain_atoms: heavy atoms of the largest side group (capped at 40);
        side_chain_flexible_fraction: acyclic sp3 share of side-chain atoms (internal plasticization)
            against rings (bulky, stiffening);
        side_chain_rings_per_backbone_atom: pendant rings per main-chain atom;
        li_donor_sites_per_heavy, li_donor_sites_mol_kg: Lewis-basic atoms (ether, carbonyl, S=O and P=O
            oxygens, hydroxyl, nitrile, amine and pyridine-type N) per heavy atom and per kg polymer;
        li_donor_side_chain_fraction: share of those sites at least two bonds away from the main chain
            (comb polymers decouple Li+ solvation from a stiff main chain);
        eo_chelate_pairs_per_heavy: ether O-C-C-O pairs that chelate Li+ in a five-membered ring;
        longest_eo_run: consecutive ether -O-C-C- units (capped at 8; PEO saturates it);
        salt_per_donor_site: salt molality over donor-site molality (Li+ per coordinating site).

    References:
        Ratner, Shriver, Chem. Rev. 1988, 88, 109 (ion transport coupled to segmental motion).
        Xue, Zhou et al., J. Mater. Chem. A 2015, 3, 19218 (PEO electrolytes: chelation by EO units).
        Bradford et al., ACS Cent. Sci. 2023, 9, 206 (conductivity data across 200+ polymers).
    """

    input_columns = ("polymer_canonical_smiles", "polymer2_canonical_smiles", "polymer2_wt_pct", "salt_molality_mol_kg")

    def feature_labels(self) -> list[str]:
        return [*TRANSPORT_LABELS, "salt_per_donor_site"]

    def citations(self) -> list[str]:
        return ["10.1021/cr00083a006", "10.1039/C5TA03471J", "10.1021/acscentsci.2c01123"]

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        def blend(key: tuple) -> np.ndarray:
            canonical, canonical2, share2 = key
            if not canonical:
                return np.full(len(TRANSPORT_LABELS), np.nan)
            first = np.array(transport_descriptors(canonical))
            if not canonical2 or pd.isna(share2):
                return first
            w = float(share2) / 100.0
            return (1 - w) * first + w * np.array(transport_descriptors(canonical2))

        chemistry = per_distinct(frame, ("polymer_canonical_smiles", "polymer2_canonical_smiles", "polymer2_wt_pct"), blend,
                                 len(TRANSPORT_LABELS))
        columns = dict(zip(TRANSPORT_LABELS, chemistry.T))
        sites = columns["li_donor_sites_mol_kg"]
        molality = as_float(frame["salt_molality_mol_kg"])
        with np.errstate(divide="ignore", invalid="ignore"):
            columns["salt_per_donor_site"] = np.where(sites > 0, molality / sites, np.nan)
        return columns
