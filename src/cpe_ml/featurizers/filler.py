"""Filler: what it is (class, Li+ conduction), how much (wt% and vol%), and its shape and size."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from cpe_ml.chemistry.effective_medium import MATRIX_DENSITY_G_CM3
from cpe_ml.featurizers.base import CatalogFeaturizer, one_hot_columns
from cpe_ml.featurizers.composite import clear_absent_fillers
from cpe_ml.schema import FILLER_MORPHOLOGIES
from cpe_ml.tables import as_float, per_distinct

FILLER_CLASSES = (
    "inert_oxide", "ferroelectric", "garnet", "nasicon", "perovskite", "sulfide", "nitride", "mof", "clay",
    "2d", "organic", "fibre_framework", "mesoporous", "li_salt_ceramic", "other",
)
#: Sourced numeric catalog properties read as features: label -> (fillers.csv column, value -> feature).
#: A filler without a sourced value, or without a filler, gets NaN. Adding a catalog descriptor is one
#: line here plus its sourced column in ``catalog/data/fillers.csv`` (walkthrough: CONTRIBUTING.md).
CATALOG_PROPERTIES: dict[str, tuple[str, Callable[[float], float]]] = {
    # a conductivity stated as 0 S/cm has no logarithm: NaN, like an unstated one
    "filler_log10_bulk_conductivity": ("li_conductivity_s_cm", lambda sigma: np.log10(sigma) if sigma else np.nan),
    "filler_density_g_cm3": ("density_g_cm3", float),
}
#: Features that depend on the filler's name only (computed once per distinct filler).
IDENTITY_LABELS: tuple[str, ...] = (
    "filler_present", *(f"filler_class_{c}" for c in FILLER_CLASSES), "filler_li_conducting", *CATALOG_PROPERTIES,
)
#: Dimensionality of the filler's shape: 0 particles, 1 wires/fibres/tubes, 2 sheets, 3 continuous frameworks.
MORPHOLOGY_DIMENSION = {"particle": 0, "nanoparticle": 0, "nanowire": 1, "nanofiber": 1, "nanotube": 1,
                        "nanosheet": 2, "framework_3d": 3, "membrane": 3}


class FillerFeaturizer(CatalogFeaturizer):
    """Filler identity, amount and geometry.

    Features:
        filler_present: 1 when a filler is named;
        filler_class_<class>: one-hot of the catalog class (inert oxide, garnet, NASICON, MOF, ...);
        filler_li_conducting: 1 for Li-ion conducting ceramics;
        filler_log10_bulk_conductivity: log10 S/cm of the bulk ceramic (catalog, when sourced);
        filler_density_g_cm3: catalog density;
        filler_loading_wt_pct, filler_loading_vol_pct: as stated, or converted from the other with the
            catalog density and a matrix density of 1.3 g/cm3
            (:data:`cpe_ml.chemistry.effective_medium.MATRIX_DENSITY_G_CM3`);
        filler_morphology_<m>: one-hot of the stated morphology; filler_dimension: 0/1/2/3;
        filler_log10_size_nm: log10 of the stated size;
        filler_surface_proxy: vol% / size (interface area per volume, the percolation driver).

    References:
        Pan et al., Energy Environ. Sci. 2022, 15, 2753 (filler classes and interfaces in CPEs).
        Zheng, Hu, ACS Appl. Mater. Interfaces 2018, 10, 4113 (loading dependence of Li+ pathways).
    """

    input_columns = ("filler", "filler_loading_wt_pct", "filler_loading_vol_pct", "filler_morphology", "filler_size_nm")

    def feature_labels(self) -> list[str]:
        return [
            *IDENTITY_LABELS,
            "filler_loading_wt_pct",
            "filler_loading_vol_pct",
            *(f"filler_morphology_{m}" for m in FILLER_MORPHOLOGIES),
            "filler_dimension",
            "filler_log10_size_nm",
            "filler_surface_proxy",
        ]

    def citations(self) -> list[str]:
        return ["10.1039/d1ee03466a", "10.1021/acsami.7b17301"]

    def _identity(self, key: tuple) -> list[float]:
        """The :data:`IDENTITY_LABELS` of one filler name (``none`` after :func:`clear_absent_fillers`)."""
        name = key[0]
        if not name or name == "none":
            values = {"filler_present": 0.0, **dict.fromkeys(CATALOG_PROPERTIES, np.nan)}
        else:
            entry = self.catalog_.entry("filler", name).properties
            values = {"filler_present": 1.0, "filler_li_conducting": float(str(entry.get("li_conducting", "")).lower() == "true")}
            values.update({f"filler_class_{c}": float(entry.get("filler_class") == c) for c in FILLER_CLASSES})
            for label, (column, convert) in CATALOG_PROPERTIES.items():
                value = self.catalog_.property("filler", name, column)
                values[label] = np.nan if value is None else convert(value)
        return [values.get(label, 0.0) for label in IDENTITY_LABELS]

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        frame = clear_absent_fillers(frame)  # zero is none: "LLZTO at 0 wt%" is the filler-free formulation
        columns = dict(zip(IDENTITY_LABELS, per_distinct(frame, ("filler",), self._identity, len(IDENTITY_LABELS)).T))
        present, density = columns["filler_present"], columns["filler_density_g_cm3"]
        wt, vol = as_float(frame["filler_loading_wt_pct"]), as_float(frame["filler_loading_vol_pct"])
        with np.errstate(divide="ignore", invalid="ignore"):
            vol_from_wt = 100 * (wt / density) / (wt / density + (100 - wt) / MATRIX_DENSITY_G_CM3)
            wt_from_vol = 100 * (vol * density) / (vol * density + (100 - vol) * MATRIX_DENSITY_G_CM3)
            wt = np.where(np.isnan(wt), wt_from_vol, wt)
            vol = np.where(np.isnan(vol), vol_from_wt, vol)
            wt = np.where(present == 0, 0.0, wt)
            vol = np.where(present == 0, 0.0, vol)
            size = as_float(frame["filler_size_nm"])
            log_size = np.where(size > 0, np.log10(size), np.nan)
            surface = np.where(size > 0, vol / size, np.nan)
        morphology = frame["filler_morphology"].astype(str)
        return {
            **columns,
            "filler_loading_wt_pct": wt,
            "filler_loading_vol_pct": vol,
            **one_hot_columns("filler_morphology", morphology, FILLER_MORPHOLOGIES),
            "filler_dimension": morphology.map(MORPHOLOGY_DIMENSION).to_numpy(dtype=float),
            "filler_log10_size_nm": log_size,
            "filler_surface_proxy": surface,
        }
