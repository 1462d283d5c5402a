"""Oxidative stability from chemistry: the component that loses an electron first sets the window."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from cpe_ml.catalog import Catalog
from cpe_ml.chemistry.oxidation import component_ip, load_oxidation_table, polymer_ip_on_the_fly, species_ip, OxidationError
from cpe_ml.featurizers.base import CatalogFeaturizer
from cpe_ml.tables import per_distinct

LABELS = ("polymer_ip_solv_ev", "polymer_ip_gas_ev", "polymer_homo_ev", "anion_ip_solv_ev", "plasticizer_ip_solv_ev",
          "min_ip_solv_ev", "weakest_is_polymer", "weakest_is_anion", "weakest_is_plasticizer")


def _polymer_ips(name: str, canonical: str, catalog: Catalog) -> tuple[float, float, float]:
    """(solvated IP, gas IP, HOMO) of a host: the shipped table by catalog name or structure, else computed once."""
    table = load_oxidation_table()
    catalog_name = name if ("polymer", name) in table.index else (catalog.match_polymer_smiles(canonical) if canonical else None)
    catalog_name = catalog_name or canonical  # hosts of the curated data given only as SMILES are tabulated by it
    if catalog_name and ("polymer", catalog_name) in table.index:
        row = table.loc[("polymer", catalog_name)]
        return float(row["ip_solv_ev"]), float(row["ip_ev"]), float(row["homo_ev"])
    if not canonical:
        return np.nan, np.nan, np.nan
    ip, ip_solv, homo = polymer_ip_on_the_fly(canonical)
    return ip_solv, ip, homo


@lru_cache(maxsize=256)
def _salt_ip_on_the_fly(smiles: str) -> float:
    try:
        return species_ip(smiles).ip_solv_ev
    except OxidationError:
        return np.nan


def _anion_ip(name: str, canonical: str, catalog: Catalog) -> float:
    table = load_oxidation_table()
    catalog_name = name if ("salt", name) in table.index else (catalog.match_salt_smiles(canonical) if canonical else None)
    if catalog_name and ("salt", catalog_name) in table.index:
        return component_ip("salt", catalog_name)
    return _salt_ip_on_the_fly(canonical) if canonical else np.nan


class OxidationFeaturizer(CatalogFeaturizer):
    """GFN2-xTB vertical ionization potentials of the host polymer, the salt anion and the plasticizer.

    Features:
        polymer_ip_solv_ev, polymer_ip_gas_ev, polymer_homo_ev: IP (ALPB-THF and gas phase) and HOMO
            energy of the host's methyl-capped oligomer (the lower of the two hosts for a blend);
        anion_ip_solv_ev: IP of the salt anion (ALPB-THF);
        plasticizer_ip_solv_ev: lowest IP of the plasticizer's components (NaN without plasticizer);
        min_ip_solv_ev: lowest IP over the components present -- the weakest link that oxidizes first;
        weakest_is_<polymer|anion|plasticizer>: which component that is.

    Values come from the shipped table ``cpe_ml/chemistry/data/xtb_oxidation.csv`` (recomputed by
    ``cpe-ml data compute-oxidation``); a host or salt given only as SMILES is computed on first use
    (bounded oligomer size, cached per structure). See :mod:`cpe_ml.chemistry.oxidation` for the method.

    References:
        Bannwarth, Ehlert, Grimme, JCTC 2019, 15, 1652 (GFN2-xTB);
        Ehlert et al., JCTC 2021, 17, 4250 (ALPB solvation).
    """

    input_columns = ("polymer", "polymer_canonical_smiles", "polymer2", "polymer2_canonical_smiles", "salt",
                     "salt_canonical_smiles", "plasticizer")

    def feature_labels(self) -> list[str]:
        return list(LABELS)

    def citations(self) -> list[str]:
        return ["10.1021/acs.jctc.8b01176", "10.1021/acs.jctc.1c00471"]

    def _row(self, key: tuple) -> list[float]:
        polymer, polymer_smiles, polymer2, polymer2_smiles, salt, salt_smiles, plasticizer = (str(k or "") for k in key)
        hosts = [_polymer_ips(polymer, polymer_smiles, self.catalog_)]
        if polymer2 or polymer2_smiles:
            hosts.append(_polymer_ips(polymer2, polymer2_smiles, self.catalog_))
        host = min(hosts, key=lambda h: h[0] if np.isfinite(h[0]) else np.inf)
        anion = _anion_ip(salt, salt_smiles, self.catalog_) if (salt or salt_smiles) else np.nan
        parts = [component_ip("plasticizer", p) for p in plasticizer.split("+") if p]
        plast = float(np.nanmin(parts)) if parts and np.isfinite(parts).any() else np.nan
        components = np.array([host[0], anion, plast])
        weakest = np.zeros(3)
        if np.isfinite(components).any():
            weakest[int(np.nanargmin(components))] = 1.0
        return [*host, anion, plast, float(np.nanmin(components)) if np.isfinite(components).any() else np.nan, *weakest]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        return per_distinct(frame, self.input_columns, self._row, len(LABELS))
