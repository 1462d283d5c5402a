"""Glass transition of the host polymer as features: stated where a source gives it, estimated otherwise.

The order (catalog value, reference table, structure estimate) and the estimator are described in
:mod:`cpe_ml.chemistry.glass_transition`; this module adds the catalog look-up by name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.catalog import Catalog
from cpe_ml.chemistry.glass_transition import KELVIN, structure_tg_k
from cpe_ml.featurizers.base import CatalogFeaturizer
from cpe_ml.tables import per_distinct


def host_glass_transition_c(name: str, canonical: str, catalog: Catalog) -> tuple[float, float]:
    """(Tg in C, 1.0 if a source states it else 0.0) of a host polymer; (NaN, 0.0) without a polymer."""
    stated = catalog.property("polymer", name, "tg_c") if name else None
    if stated is not None:
        return float(stated), 1.0
    if not canonical:
        return float("nan"), 0.0
    tg_k, measured = structure_tg_k(canonical)
    return tg_k - KELVIN, float(measured)


class GlassTransitionFeaturizer(CatalogFeaturizer):
    """Glass transition of the host polymer for every polymer: stated (catalog, reference table) or estimated.

    Features:
        tg_c: Tg in C (catalog value, else the reference table's experimental value for the same repeat
            unit, else :class:`~cpe_ml.chemistry.glass_transition.GlassTransitionEstimator`'s estimate);
        tg_measured: 1 when a source states that Tg, 0 when it is an estimate.
    The main polymer's Tg is used for blends (a blend's Tg is not a weighted mean of its parts).

    References:
        Afzal et al., ACS Appl. Polym. Mater. 2021, 3, 620 (the experimental Tg table, Bicerano's set).
        Ratner, Shriver, Chem. Rev. 1988, 88, 109 (conduction coupled to segmental motion above Tg).
    """

    input_columns = ("polymer", "polymer_canonical_smiles")

    def feature_labels(self) -> list[str]:
        return ["tg_c", "tg_measured"]

    def citations(self) -> list[str]:
        return ["10.1021/acsapm.0c00524", "10.1021/cr00083a006"]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        return per_distinct(frame, self.input_columns, lambda key: host_glass_transition_c(*key, self.catalog_), 2)
