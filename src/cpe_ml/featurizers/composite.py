"""Composite physics: the effective-medium filler effect as features (and as the additive prior offset)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.catalog import Catalog
from cpe_ml.chemistry.effective_medium import (
    DEFAULT_LOADING_WT_PCT,
    DEFAULT_SIZE_NM,
    MATRIX_DENSITY_G_CM3,
    MORPHOLOGY_SHAPE,
    filler_absent,
    interphase_volume_fraction,
    log10_composite_ratio,
    volume_fraction_from_wt,
)
from cpe_ml.featurizers.base import CatalogFeaturizer
from cpe_ml.tables import as_float

#: Filler columns that describe "which filler, how much, what shape": all cleared for a filler-free row.
FILLER_COLUMNS = ("filler", "filler_loading_wt_pct", "filler_loading_vol_pct", "filler_morphology", "filler_size_nm")
#: Host conductivity (log10 S/cm) against which a Li-conducting filler's bulk conductivity is compared:
#: the median over the filler-free solid (spe) rows of data/cpe_literature.csv measured at 20-30 C or
#: "room temperature" (validated table, 2026-12-07: -4.21 over 69 rows, and again over 63 rows after a
#: re-curation the same day; IQR about -5.0..-3.5). A room-temperature
#: reference, because the featurizer does not know the host's own conductivity; callers that do (a host
#: model) pass their own ratio to :func:`cpe_ml.chemistry.effective_medium.log10_composite_ratio`.
HOST_REFERENCE_LOG10_S_CM = -4.21
#: Filler classes built from organic matter (polymers, cellulose, metal-organic frameworks): without a sourced
#: density they take the polymer-matrix density (assumption); other classes without one take the median
#: sourced density of their class, else of all sourced inorganic fillers (3.78 g/cm3 with today's catalog).
LIGHT_FILLER_CLASSES = ("organic", "fibre_framework", "mof")
#: Shape assumed when no morphology is stated: dispersed particles, the most common filler form.
DEFAULT_SHAPE = "sphere"


def clear_absent_fillers(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every filler-free row written one way (zero is none).

    A named filler at 0 wt% or 0 vol% is no filler: name ``none``, no loading, morphology or size, so
    every featurizer sees exactly what it sees for a row that never had a filler.
    """
    absent = filler_absent(frame["filler"], as_float(frame["filler_loading_wt_pct"]), as_float(frame["filler_loading_vol_pct"]))
    if not absent.any():
        return frame
    frame = frame.copy()
    frame.loc[absent, ["filler", "filler_morphology"]] = ["none", ""]
    frame.loc[absent, ["filler_loading_wt_pct", "filler_loading_vol_pct", "filler_size_nm"]] = np.nan
    return frame


class CompositeFeaturizer(CatalogFeaturizer):
    """Effective-medium filler effect: how much the filler should change conductivity, from geometry.

    Features:
        emt_log10_composite_over_host: log10 sigma_composite / sigma_host from
            :mod:`cpe_ml.chemistry.effective_medium` (host + insulating or Li-conducting cores + conducting
            interphase shells, Bruggeman mixing); exactly 0 for filler-free rows and 0 wt% / 0 vol%;
        filler_volume_fraction: filler volume share (0..1) used by the model (stated vol%, else wt% with
            the catalog density, else the class-default loading);
        interphase_volume_fraction: volume share of the interphase shells (grows as size falls);
        loading_defaulted: 1 when the row names a filler without loading (class default 10 wt% used);
        size_defaulted: 1 when no size is stated (shape default: 100 nm particles/fibres, 10 nm sheets);
        morphology_defaulted: 1 when no morphology is stated (spheres assumed);
        density_defaulted: 1 when the catalog has no sourced density (class default, see
            :data:`LIGHT_FILLER_CLASSES`).

    References:
        Nan & Smith, Mater. Sci. Eng. B 10 (1991) 99; Siekierski, Wieczorek & Przyluski, Electrochim.
        Acta 43 (1998) 1339; Sushko & Semenov, Phys. Rev. E 100 (2019) 052601; Li et al., ACS Appl.
        Mater. Interfaces 11 (2019) 784 (doi:10.1021/acsami.8b17279).
    """

    input_columns = FILLER_COLUMNS

    def feature_labels(self) -> list[str]:
        return ["emt_log10_composite_over_host", "filler_volume_fraction", "interphase_volume_fraction",
                "loading_defaulted", "size_defaulted", "morphology_defaulted", "density_defaulted"]

    def citations(self) -> list[str]:
        return ["10.1021/acsami.8b17279", "arXiv:1811.10591"]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        return composite_terms(frame, self.catalog_)[self.feature_labels()].to_numpy()


def composite_terms(frame: pd.DataFrame, catalog: Catalog, host_log10_s_cm=None) -> pd.DataFrame:
    """Per row: the EMT log10 ratio, the volume fractions and the default flags (all 0 without filler).

    ``host_log10_s_cm`` (scalar or per row) is the host conductivity a Li-conducting filler competes
    with; default :data:`HOST_REFERENCE_LOG10_S_CM`.
    """
    frame = clear_absent_fillers(frame.reset_index(drop=True))
    present = frame["filler"].ne("none").to_numpy()
    properties = filler_properties(frame["filler"][present].unique(), catalog).reindex(frame["filler"])  # NaN: no filler
    density = properties["density_g_cm3"].to_numpy(dtype=float)
    density_defaulted = properties["density_defaulted"].fillna(0.0).to_numpy(dtype=float)
    conductivity = properties["li_conductivity_s_cm"].fillna(0.0).to_numpy(dtype=float)
    wt, vol = as_float(frame["filler_loading_wt_pct"]), as_float(frame["filler_loading_vol_pct"])
    no_loading = present & np.isnan(wt) & np.isnan(vol)
    wt = np.where(no_loading, DEFAULT_LOADING_WT_PCT, wt)
    fraction = np.where(np.isnan(vol), volume_fraction_from_wt(wt, density), vol / 100.0)
    morphology = frame["filler_morphology"].astype(str)
    no_morphology = present & ~morphology.isin(list(MORPHOLOGY_SHAPE)).to_numpy()
    shapes = morphology.map(MORPHOLOGY_SHAPE).fillna(DEFAULT_SHAPE).to_numpy()
    size = as_float(frame["filler_size_nm"])
    no_size = present & ~(size > 0)
    size = np.where(no_size, [DEFAULT_SIZE_NM[s] for s in shapes], size)
    emt, shell = np.zeros(len(frame)), np.zeros(len(frame))
    host = HOST_REFERENCE_LOG10_S_CM if host_log10_s_cm is None else host_log10_s_cm
    filler_ratio = conductivity / 10.0 ** np.broadcast_to(np.asarray(host, dtype=float), conductivity.shape)
    for shape in np.unique(shapes[present]):
        rows = present & (shapes == shape)
        emt[rows] = log10_composite_ratio(fraction[rows], size[rows], shape, filler_ratio[rows])
        shell[rows] = interphase_volume_fraction(fraction[rows], size[rows], shape)
    return pd.DataFrame({
        "emt_log10_composite_over_host": emt,
        "filler_volume_fraction": np.where(present, fraction, 0.0),
        "interphase_volume_fraction": shell,
        "loading_defaulted": no_loading.astype(float),
        "size_defaulted": no_size.astype(float),
        "morphology_defaulted": no_morphology.astype(float),
        "density_defaulted": density_defaulted,
    })


def filler_properties(names, catalog: Catalog) -> pd.DataFrame:
    """Per catalog filler name: density (g/cm3), whether it was defaulted, bulk Li conductivity (S/cm, 0 if none).

    Without a sourced density a filler takes its class default (see :data:`LIGHT_FILLER_CLASSES`).
    """
    table = catalog.tables["filler"]
    sourced = pd.to_numeric(table["density_g_cm3"], errors="coerce")
    by_class = sourced.groupby(table["filler_class"]).median().dropna()
    by_class = pd.concat([by_class, pd.Series(MATRIX_DENSITY_G_CM3, index=[c for c in LIGHT_FILLER_CLASSES if c not in by_class])])
    overall = float(sourced[~table["filler_class"].isin(LIGHT_FILLER_CLASSES)].median())
    rows = {}
    for name in names:
        density = catalog.property("filler", name, "density_g_cm3")
        defaulted = density is None
        if defaulted:
            density = float(by_class.get(catalog.entry("filler", name).properties.get("filler_class"), overall))
        rows[name] = (density, float(defaulted), catalog.property("filler", name, "li_conductivity_s_cm") or 0.0)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["density_g_cm3", "density_defaulted", "li_conductivity_s_cm"])


class FillerEffectFeaturizer(CatalogFeaturizer):
    """The filler's effect on log10 conductivity as one column, from a fitted filler-effect model.

    ``effect`` is a fitted :class:`cpe_ml.models.filler_effect.FillerEffectModel` (effective-medium prior +
    within-paper contrast correction); without one, the effective-medium prior alone. The conductivity
    model adds this column to its prediction as a fixed offset and never lets its trees see the filler, so
    a filler moves predictions only as far as physics and same-paper contrasts say, not as far as the
    difference between best-of-paper composites and public filler-free tables.

    Features:
        log10_composite_over_host: log10 sigma_composite / sigma_host; exactly 0 without filler or at 0 wt%.
    """

    input_columns = FILLER_COLUMNS

    def __init__(self, effect=None, catalog: Catalog | None = None):
        super().__init__(catalog)
        self.effect = effect

    def feature_labels(self) -> list[str]:
        return ["log10_composite_over_host"]

    def citations(self) -> list[str]:
        return CompositeFeaturizer().citations()

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        if self.effect is None:
            return composite_terms(frame, self.catalog_)[["emt_log10_composite_over_host"]].to_numpy()
        return self.effect.predict_offset(frame)[:, None]
