"""Filler: what it is (class, Li+ conduction), how much (wt% and vol%), and its shape and size."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.featurizers.base import Featurizer, as_float, one_hot, per_distinct
from cpe_ml.featurizers.composite import clear_absent_fillers
from cpe_ml.schema import FILLER_MORPHOLOGIES

FILLER_CLASSES = (
    "inert_oxide", "ferroelectric", "garnet", "nasicon", "perovskite", "sulfide", "nitride", "mof", "clay",
    "2d", "organic", "fibre_framework", "mesoporous", "li_salt_ceramic", "other",
)
#: Density assumed for the polymer + salt phase when converting wt% to vol% (a modelling assumption,
#: not stored data: PEO-, PVDF- and PAN-based matrices with salt lie around 1.1-1.8 g/cm3).
MATRIX_DENSITY_G_CM3 = 1.3
#: Dimensionality of the filler's shape: 0 particles, 1 wires/fibres/tubes, 2 sheets, 3 continuous frameworks.
MORPHOLOGY_DIMENSION = {"particle": 0, "nanoparticle": 0, "nanowire": 1, "nanofiber": 1, "nanotube": 1,
                        "nanosheet": 2, "framework_3d": 3, "membrane": 3}


class FillerFeaturizer(Featurizer):
    """Filler identity, amount and geometry.

    Features:
        filler_present: 1 when a filler is named;
        filler_class_<class>: one-hot of the catalog class (inert oxide, garnet, NASICON, MOF, ...);
        filler_li_conducting: 1 for Li-ion conducting ceramics;
        filler_log10_bulk_conductivity: log10 S/cm of the bulk ceramic (catalog, when sourced);
        filler_density_g_cm3: catalog density;
        filler_loading_wt_pct, filler_loading_vol_pct: as stated, or converted from the other with the
            catalog density and a matrix density of 1.3 g/cm3;
        filler_morphology_<m>: one-hot of the stated morphology; filler_dimension: 0/1/2/3;
        filler_log10_size_nm: log10 of the stated size;
        filler_surface_proxy: vol% / size (interface area per volume, the percolation driver).

    References:
        Pan et al., Energy Environ. Sci. 2022, 15, 2753 (filler classes and interfaces in CPEs).
        Zheng, Hu, ACS Appl. Mater. Interfaces 2018, 10, 4113 (loading dependence of Li+ pathways).
    """

    input_columns = ("filler", "filler_loading_wt_pct", "filler_loading_vol_pct", "filler_morphology", "filler_size_nm")

    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog

    def feature_labels(self) -> list[str]:
        return [
            "filler_present",
            *(f"filler_class_{c}" for c in FILLER_CLASSES),
            "filler_li_conducting",
            "filler_log10_bulk_conductivity",
            "filler_density_g_cm3",
            "filler_loading_wt_pct",
            "filler_loading_vol_pct",
            *(f"filler_morphology_{m}" for m in FILLER_MORPHOLOGIES),
            "filler_dimension",
            "filler_log10_size_nm",
            "filler_surface_proxy",
        ]

    def citations(self) -> list[str]:
        return ["10.1039/d1ee03466a", "10.1021/acsami.7b17301"]

    def _identity(self, key: tuple) -> np.ndarray:
        name = key[0]
        if not name or name == "none":
            return np.array([0.0, *([0.0] * len(FILLER_CLASSES)), 0.0, np.nan, np.nan])
        catalog = self.catalog or load_catalog()
        entry = catalog.entry("filler", name).properties
        classes = [float(entry.get("filler_class") == c) for c in FILLER_CLASSES]
        conducting = float(str(entry.get("li_conducting", "")).lower() == "true")
        sigma = catalog.property("filler", name, "li_conductivity_s_cm")
        density = catalog.property("filler", name, "density_g_cm3")
        return np.array([1.0, *classes, conducting, np.log10(sigma) if sigma else np.nan, np.nan if density is None else density])

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        frame = clear_absent_fillers(frame)  # zero is none: "LLZTO at 0 wt%" is the filler-free formulation
        identity = per_distinct(frame, ("filler",), self._identity, 4 + len(FILLER_CLASSES))
        present, density = identity[:, 0], identity[:, -1]
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
        dimension = morphology.map(MORPHOLOGY_DIMENSION).to_numpy(dtype=float)
        return np.column_stack([identity[:, :-1], density, wt, vol, one_hot(morphology, FILLER_MORPHOLOGIES),
                                dimension, log_size, surface])
