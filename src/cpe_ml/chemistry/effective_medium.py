"""Effective-medium conductivity of a composite polymer electrolyte: host + filler + conducting interphase.

Why: a filler changes conductivity through geometry (volume it takes, interphase it creates, paths it
blocks), which a tree model cannot learn from a few best-of-paper rows. The coated-particle picture of
composite electrolytes is used here: each filler particle (core, volume fraction ``c``) carries an
interphase shell of thickness ``t`` whose conductivity is ``R`` times the host's; the host polymer fills
the rest. The three phases are mixed with the symmetric Bruggeman effective-medium equation, generalised to
randomly oriented spheroids (Polder-van Santen):

    sum_k v_k * sum_{j=1..3} (s_k - s) / (s + L_kj (s_k - s)) = 0,      s = sigma_composite / sigma_host

with ``v_k`` the phase volume fractions, ``s_k`` their conductivities relative to the host and ``L_kj`` the
depolarization factors of phase ``k`` (1/3, 1/3, 1/3 for spheres; small along a fibre axis; close to 1
across a sheet). The interphase volume comes from hard cores with fully penetrable shells in the
ideal-gas (Poisson) overlap approximation:

    v_core+shell = 1 - (1 - c) exp(-c g / (1 - c)),    g = (1 + t/r)^D - 1

(D = 3 spheres, 2 fibres, 1 sheets; ``r`` the half size), so shells overlap and never take more than the
polymer that is there. What this gives, and what the tests check:

- ``c = 0``: ratio exactly 1;
- insulating spheres without interphase: ratio = 1 - 3c/2 exactly (Bruggeman), whose dilute limit is the
  Maxwell-Garnett result 1 - 3c/2 + O(c^2); the composite stops conducting at c = 2/3 (blocking);
- interphase network: with ``R >> 1`` the ratio rises steeply once the interphase fraction approaches the
  Bruggeman percolation threshold 1/3 (lower for fibres: the threshold depends on the aspect ratio);
- smaller particles carry more interphase per filler volume (g grows as t/r), so the rise and the peak
  come at lower loading; beyond the peak the insulating cores dilute and block the conducting phases;
- a Li-conducting ceramic adds its bulk conductivity as a third conducting phase (``s_filler > 0``).

References (what was read is said; papers whose text the project's search tool does not hold are cited
for the model class only, with no number taken from them):
    Nan C.-W., Smith D.M., Mater. Sci. Eng. B 10 (1991) 99, and Siekierski M., Wieczorek W., Przyluski J.,
        Electrochim. Acta 43 (1998) 1339; Przyluski J., Siekierski M., Wieczorek W., Electrochim. Acta 40
        (1995) 2101: effective-medium models of composite (polymer) electrolytes with a highly conducting
        layer around grains. Not read (not in the stored corpus); DOIs not verified.
    Sushko M.Ya., Semenov A.K., Phys. Rev. E 100 (2019) 052601, arXiv:1811.10591 (abstract read):
        hard-core - penetrable-shell dispersions; conductivity from constituent conductivities and volume
        concentrations that carry the microstructure statistics; fits real composite solid electrolytes.
    Roman H.E., "Transport in dispersed ionic conductors: effect of insulating particle size" (abstract read,
        page slh.alljournals.cn/view_abstract.aspx, pcid 6E709DC38FA1D09A4B578DD0906875B5B44D4D294832BB8E):
        two critical insulator concentrations (interface percolation, bulk blocking) whose values depend on
        particle size.
    Li Z. et al., ACS Appl. Mater. Interfaces 11 (2019) 784, doi:10.1021/acsami.8b17279 (abstract read):
        PEO:Ga-LLZO conductivity enhancement tied to a ~3 nm space-charge region and its percolation.
    Karlsson C. et al., Macromolecules 38 (2005) 6666 (abstract read): SANS supports a percolating
        higher-conductivity layer close to the filler particles.
    Johansson P., Ratner M.A., Shriver D.F., J. Phys. Chem. B 105 (2001) 9016 (abstract read): in fully
        amorphous hosts, fillers raise Tg and lower conductivity. A limitation of this prior: the interphase
        gain is a property of semicrystalline hosts below their melting point, and R does not depend on T.
    Bruggeman D.A.G., Ann. Phys. 416 (1935) 636; Polder D., van Santen J.H., Physica 12 (1946) 257:
        the effective-medium equation and its spheroid form (textbook results; the tests check its limits).
"""

from __future__ import annotations

import numpy as np

#: Interphase (space-charge / amorphized polymer) thickness around each particle, nm. Li et al. 2019
#: (doi:10.1021/acsami.8b17279, abstract): "the space charge region (~3 nm) formed at the interface
#: between the PEO matrix and the Ga-LLZO nanoparticles".
INTERPHASE_THICKNESS_NM = 3.0
#: Interphase conductivity / host conductivity. MODELLING ASSUMPTION (no sourced value was found): one
#: decade. With the 3 nm interphase it puts the peak of 12 nm silica in PEO near 45 wt% (+0.4 log) and
#: keeps 70 wt% below 10 wt%. The within-paper filler-effect model (cpe_ml.models.filler_effect) corrects
#: the prior where contrasts exist.
INTERPHASE_CONDUCTIVITY_RATIO = 10.0
#: Density of the polymer + salt phase for wt% <-> vol% (assumption shared with featurizers/filler.py:
#: PEO-, PVDF- and PAN-based matrices with salt lie around 1.1-1.8 g/cm3).
MATRIX_DENSITY_G_CM3 = 1.3
#: Aspect ratio (long / short dimension) assumed for fibres and sheets when converting a morphology to
#: depolarization factors. MODELLING ASSUMPTION; it sets how early elongated fillers percolate.
ELONGATED_ASPECT_RATIO = 10.0
#: Dimensionality exponent D of the shell volume g = (1 + t/r)^D - 1 per shape.
SHELL_EXPONENT = {"sphere": 3, "fibre": 2, "sheet": 1}
#: Shape class per schema morphology. Continuous frameworks and membranes are percolating networks of
#: struts: treated as fibres (the closest dispersed-inclusion shape), and flagged by the featurizer.
MORPHOLOGY_SHAPE = {
    "particle": "sphere", "nanoparticle": "sphere",
    "nanowire": "fibre", "nanofiber": "fibre", "nanotube": "fibre", "framework_3d": "fibre", "membrane": "fibre",
    "nanosheet": "sheet",
}
#: Size (diameter of spheres and fibres, thickness of sheets, nm) used when a row states none, per
#: shape. MODELLING ASSUMPTION: only 1 of the ~165 curated filler rows states a size, so no data-derived
#: default exists; "nano" morphologies are taken as 100 nm across, unspecified particles likewise.
DEFAULT_SIZE_NM = {"sphere": 100.0, "fibre": 100.0, "sheet": 10.0}
#: Filler loading used when a row names a filler without any loading: the median of the stated
#: loadings (wt%, 50-53 rows) of filler rows in data/cpe_literature.csv (2026-12-07; IQR 5-10).
DEFAULT_LOADING_WT_PCT = 10.0
#: Smallest composite/host ratio reported: below the blocking threshold Bruggeman gives exactly 0.
RATIO_FLOOR = 1e-6


def filler_absent(names, wt_pct, vol_pct) -> np.ndarray:
    """True where a row has no filler: no name, ``none``, or a stated loading of 0 (zero is none)."""
    names = np.asarray(names, dtype=object)
    wt, vol = np.asarray(wt_pct, dtype=float), np.asarray(vol_pct, dtype=float)
    unnamed = np.array([not isinstance(n, str) or n.strip().lower() in ("", "none") for n in names], dtype=bool)
    return unnamed | (wt == 0) | (vol == 0)


def volume_fraction_from_wt(wt_pct, filler_density_g_cm3, matrix_density_g_cm3: float = MATRIX_DENSITY_G_CM3) -> np.ndarray:
    """Filler volume fraction (0..1) from its mass share (wt%) and the two densities (ideal mixing)."""
    wt = np.asarray(wt_pct, dtype=float) / 100.0
    filler = wt / np.asarray(filler_density_g_cm3, dtype=float)
    return filler / (filler + (1.0 - wt) / matrix_density_g_cm3)


def depolarization_factors(shape: str, aspect_ratio: float = ELONGATED_ASPECT_RATIO) -> tuple[float, float, float]:
    """Depolarization factors of a sphere, a prolate spheroid (fibre) or an oblate spheroid (sheet).

    Standard spheroid results (Osborn 1945): with e = sqrt(1 - 1/a^2), a prolate spheroid has
    L_axis = (1 - e^2)/e^3 (artanh e - e); an oblate one L_axis = (1/e^2)(1 - sqrt(1 - e^2) arcsin(e)/e);
    the two other factors share 1 - L_axis.
    """
    if shape == "sphere" or aspect_ratio == 1.0:
        return (1 / 3, 1 / 3, 1 / 3)
    e = np.sqrt(1.0 - 1.0 / aspect_ratio**2)
    if shape == "fibre":
        axis = (1 - e**2) / e**3 * (np.arctanh(e) - e)
    elif shape == "sheet":
        axis = (1 - np.sqrt(1 - e**2) * np.arcsin(e) / e) / e**2
    else:
        raise ValueError(f"unknown shape {shape!r}; use one of {sorted(SHELL_EXPONENT)}")
    side = (1.0 - axis) / 2.0
    return (float(axis), float(side), float(side))


def interphase_volume_fraction(core_fraction, size_nm, shape: str = "sphere",
                               thickness_nm: float = INTERPHASE_THICKNESS_NM) -> np.ndarray:
    """Volume fraction of the interphase: penetrable shells around hard cores (Poisson overlap).

    ``size_nm`` is the diameter (spheres, fibres) or thickness (sheets): the shell volume per core volume
    ``g = (1 + 2t/size)^D - 1`` is what makes small particles create more interphase per filler volume.
    """
    c = np.clip(np.asarray(core_fraction, dtype=float), 0.0, 1.0)
    g = (1.0 + 2.0 * thickness_nm / np.asarray(size_nm, dtype=float)) ** SHELL_EXPONENT[shape] - 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        covered = 1.0 - (1.0 - c) * np.exp(-c * g / (1.0 - c))
    covered = np.where(c >= 1.0, 1.0, covered)
    return covered - c


def bruggeman_ratio(fractions: np.ndarray, conductivities: np.ndarray, depolarization: np.ndarray) -> np.ndarray:
    """Solve the (Polder-van Santen) Bruggeman equation row by row.

    ``fractions`` and ``conductivities`` are (rows, phases) (conductivities relative to any reference,
    >= 0); ``depolarization`` is (phases, 3). Returns the effective conductivity on the same scale, 0 where
    the conducting phases do not percolate. The residual is strictly decreasing in the effective
    conductivity, so a bisection on its logarithm finds the single root.
    """
    v = np.atleast_2d(np.asarray(fractions, dtype=float))
    s = np.atleast_2d(np.asarray(conductivities, dtype=float))
    L = np.asarray(depolarization, dtype=float)[None, :, :]

    def residual(sigma: np.ndarray) -> np.ndarray:
        diff = s[:, :, None] - sigma[:, None, None]
        return np.sum(v[:, :, None] * diff / (sigma[:, None, None] + L * diff), axis=(1, 2))

    top = s.max(axis=1)
    with np.errstate(divide="ignore"):
        # Limit of the residual as sigma -> 0+: +sum v/L over conducting phases, -sum v/(1-L) over insulators.
        at_zero = np.sum(np.where(s[:, :, None] > 0, v[:, :, None] / L, -v[:, :, None] / (1.0 - L)), axis=(1, 2))
    lo = np.log(np.maximum(top, 1e-300) * 1e-12)
    hi = np.log(np.maximum(top, 1e-300))
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        positive = residual(np.exp(mid)) > 0
        lo, hi = np.where(positive, mid, lo), np.where(positive, hi, mid)
    sigma = np.exp(0.5 * (lo + hi))
    return np.where((at_zero > 0) & (top > 0), sigma, 0.0)


def composite_ratio(core_fraction, size_nm, shape: str = "sphere", filler_ratio=0.0,
                    interphase_ratio: float = INTERPHASE_CONDUCTIVITY_RATIO,
                    thickness_nm: float = INTERPHASE_THICKNESS_NM,
                    aspect_ratio: float = ELONGATED_ASPECT_RATIO) -> np.ndarray:
    """sigma_composite / sigma_host for filler volume fraction ``core_fraction`` (0..1).

    ``filler_ratio`` is the filler's bulk conductivity over the host's (0 for insulators; arrays
    broadcast). Exactly 1 where ``core_fraction`` is 0.
    """
    c = np.atleast_1d(np.asarray(core_fraction, dtype=float))
    size = np.broadcast_to(np.asarray(size_nm, dtype=float), c.shape)
    filler = np.broadcast_to(np.asarray(filler_ratio, dtype=float), c.shape)
    shell = interphase_volume_fraction(c, size, shape, thickness_nm)
    fractions = np.column_stack([c, shell, 1.0 - c - shell])
    conductivities = np.column_stack([filler, np.full_like(c, interphase_ratio), np.ones_like(c)])
    particle = depolarization_factors(shape, aspect_ratio)
    depolarization = np.array([particle, particle, (1 / 3, 1 / 3, 1 / 3)])
    ratio = bruggeman_ratio(fractions, conductivities, depolarization)
    return np.where(c == 0, 1.0, ratio)


def log10_composite_ratio(core_fraction, size_nm, shape: str = "sphere", filler_ratio=0.0, **parameters) -> np.ndarray:
    """log10(sigma_composite / sigma_host), floored at log10(:data:`RATIO_FLOOR`); exactly 0.0 at no filler."""
    return np.log10(np.maximum(composite_ratio(core_fraction, size_nm, shape, filler_ratio, **parameters), RATIO_FLOOR))
