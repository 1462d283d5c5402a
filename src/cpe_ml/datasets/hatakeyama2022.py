"""Hatakeyama-Sato et al.: the Li-ion conducting polymer database of ion_predictor (full 2022-03-16 dump).

The database lists each measurement as up to six component ids (``component1..6`` in
``Composite-2022-03-16-1.csv``) into a chemicals table (``Chemical-2022-03-16.csv``: SMILES, Mw, ...)
with one mol or wt ratio per component. The harmonizer turns every composition into schema columns:
host polymer + second polymer (blends, copolymers, grafts), Li salt, plasticizers (catalog names or
SMILES), or says why it cannot. A composition without any polymer is a liquid electrolyte
(``electrolyte_type`` 'liquid': the Li salt in its solvents/ionic liquids, see :func:`_liquid`).

References:
    Hatakeyama-Sato, K. et al. J. Am. Chem. Soc. 2020 (the paper the repository's README cites).
    https://doi.org/10.1021/jacs.9b11442 ; database: https://github.com/KanHatakeyama/ion_predictor
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rdkit import Chem
from rdkit.Chem import Descriptors

from cpe_ml.catalog.catalog import canonical_smiles
from cpe_ml.datasets._fetch import RemoteFile
from cpe_ml.datasets._public_base import (
    R_CONDUCTIVITY_MISSING,
    R_CONDUCTIVITY_NOT_POSITIVE,
    R_POLYMER,
    R_SALT_NO_LI,
    R_SALT_SMILES,
    R_TEMPERATURE_MISSING,
    SINGLE_ION_NOTE,
    Failures,
    LoadReport,
    PublicDataset,
    blank_out_of_range,
    catalog_name,
    loader,
    check_cell_limits,
    check_range,
    finalize,
    repeat_unit,
    repeat_unit_mass,
    salt_info,
)
from cpe_ml.schema import GEL_PLASTICIZER_WT_PCT, LIQUID_ELECTROLYTE

_COMMIT = "ca7a971bfab4f25f9b832cd547f7547c3475042a"
_MIRROR = "upstream_2022-03-16"  # folder of the mirror in ../shared/datasets/hatakeyama2022/
COMPOSITE_FILE = "Composite-2022-03-16-1.csv"
CHEMICAL_FILE = "Chemical-2022-03-16.csv"


def _remote(filename: str, sha256: str) -> RemoteFile:
    return RemoteFile(
        dataset="hatakeyama2022",
        filename=filename,
        url=f"https://raw.githubusercontent.com/KanHatakeyama/ion_predictor/{_COMMIT}/database/{filename}",
        sha256=sha256,
        subdir=_MIRROR,
    )


DATASET = PublicDataset(
    name="hatakeyama2022",
    title="Li-ion conducting polymer electrolyte database (ion_predictor, 2022-03-16 dump)",
    citation=(
        "K. Hatakeyama-Sato et al., J. Am. Chem. Soc. 2020, DOI 10.1021/jacs.9b11442 (the paper the "
        "repository README cites); database: github.com/KanHatakeyama/ion_predictor (2022-03-16 dump, "
        f"commit {_COMMIT})."
    ),
    doi="10.1021/jacs.9b11442",
    license="MIT (Copyright (c) 2022 Kan Hatakeyama)",
    repository="https://github.com/KanHatakeyama/ion_predictor",
    files=(
        _remote(COMPOSITE_FILE, "40a4d0a483247727f0a575604d2478d5b3d8e114ecaf19061a048aef2045d8f2"),
        _remote(CHEMICAL_FILE, "3786b570131a30badf1c1f4f40a8583743f808cb8fb42d1478f2324e35b85bda"),
    ),
)

COMPOSITE_COLUMNS = ("id", "title", "temperature", "conductivity", "mol_ratio", "wt_ratio", "reference")
COMPONENTS = tuple(f"component{i}" for i in range(1, 7))
CHEMICAL_COLUMNS = ("id", "SMILES")

# Reasons specific to this table (shared ones are in _public_base).
R_RATIO_MISMATCH = "number of ratio entries differs from number of components"
R_RATIO_NOT_NUMERIC = "mol/wt ratio is not numeric"
R_UNKNOWN_COMPOUND = "component id not in the chemicals table"
R_COMPOUND_SMILES = "compound SMILES cannot be parsed"
R_NO_POLYMER_NO_SOLVENT = "neither a polymer nor a solvent/ionic liquid (a bare salt)"
R_BRANCHED = "branched polymer fragment (3+ attachment markers: network junction)"
R_TOO_MANY_POLYMERS = (
    "polymer fragments beyond two repeat units (more units, end or pendant groups) over 20 wt% of the polymer "
    "or of unknown share"
)
R_MULTIPLE_SALTS = "more than one lithium salt (none in the 2022-03-16 dump)"
R_NO_LITHIUM = "no lithium source (no Li salt and no anionic polymer)"
R_FILLER = "inorganic filler given (not harmonized)"

#: Repeat units beyond the second, end groups and pendant groups may be left out of a row's identity when
#: together they are at most this share of the polymer phase (wt%); the row's ``notes`` name them.
MAX_DROPPED_POLYMER_WT_PCT = 20.0

# Hatakeyama's notation: [Mg] marks main-chain attachment points, [Ca] side-chain (graft/crosslink) junctions.
_MAIN, _SIDE = "[Mg]", "[Ca]"
_DOI = re.compile(r"10\.\d{4,9}/\S+")
# Truncated Elsevier DOIs in the ``reference`` column (the prefix of j.* journals is always 10.1016).
_DOI_REPAIRS = ((re.compile(r"^0\.1016/"), "10.1016/"), (re.compile(r"^j\.[a-z]+\.\d{4}\."), "10.1016/\\g<0>"))


def normalize_reference(text: object) -> str | None:
    """DOI (bare ``10.xxxx/...``) or URL from a free-text reference; None when it is neither."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    for pattern, replacement in _DOI_REPAIRS:
        if pattern.match(text):
            text = pattern.sub(replacement, text, count=1)
    found = _DOI.search(text)
    if found:
        return found.group(0).rstrip(".,;")
    if text.startswith(("http://", "https://")):
        return text
    return None


def _ratios(text: object) -> list[float] | None:
    """``'0.909/0.0455'`` -> [0.909, 0.0455]; [] when empty; None when not numeric."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return [] if np.isnan(text) else [float(text)]
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        return [float(part) for part in text.strip().split("/")]
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ compounds
@dataclass(frozen=True)
class Unit:
    """One repeat unit of a polymer compound: canonical SMILES, mass share within the compound, topology."""

    canonical: str
    source: str
    share: float | None
    topology: str  # linear | graft (side-chain junction capped with H) | network (chain between two junctions) | end


@dataclass(frozen=True)
class Compound:
    """One chemical of the database, classified by what its SMILES says it is."""

    id: str
    smiles: str
    kind: str  # polymer | salt | ionic_liquid | solvent
    units: tuple[Unit, ...] = ()
    li_source: bool = False  # a polymer that carries Li+ (its own counter-ion) or is a bare polyanion
    mw: float | None = None
    problem: str | None = None  # failure reason of any row that uses it


def _net_charges(mol: Chem.Mol) -> list[int]:
    return [Chem.GetFormalCharge(f) for f in Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False)]


def _unit_text(fragment: str) -> tuple[str, str] | None:
    """A marked fragment as a linear repeat unit and its topology, or None when it is not one."""
    n_main, n_side = fragment.count(_MAIN), fragment.count(_SIDE)
    if n_main + n_side == 1:
        return fragment, "end"  # chain end or pendant group: never a repeat unit, at most a minor share
    if n_main == 2:
        # Graft/comb: the side-chain junction becomes H. The grafted chains are the compound's other units,
        # so the composition (mass shares) is kept while the comb topology is not.
        return fragment.replace(_SIDE, "[H]"), "graft" if n_side else "linear"
    if n_main == 0 and n_side == 2:
        return fragment.replace(_SIDE, _MAIN), "network"  # a chain between two junctions (crosslinker)
    return None


def _fragment_masses(fragments: list[str], mol_ratio, wt_ratio) -> list[float] | None:
    """Mass of each fragment per the chemical's own ratios (a copolymer's composition)."""
    if len(fragments) == 1:
        return [1.0]
    wt, mol = _ratios(wt_ratio), _ratios(mol_ratio)
    if wt and len(wt) == len(fragments):
        return wt
    if mol and len(mol) == len(fragments):
        masses = [_fragment_mass(f) for f in fragments]
        if all(m is not None for m in masses):
            return [n * m for n, m in zip(mol, masses)]
    return None


def _fragment_mass(fragment: str) -> float | None:
    text = _unit_text(fragment)
    canonical = repeat_unit(text[0]) if text and text[1] != "end" else None
    if canonical is not None:
        return repeat_unit_mass(canonical)
    mol = Chem.MolFromSmiles(fragment.replace(_MAIN, "[H]").replace(_SIDE, "[H]"))  # end group or counter-ion
    return None if mol is None else Descriptors.MolWt(mol)


def classify_compound(row: pd.Series) -> Compound:
    """Polymer (has [Mg]/[Ca] markers), Li salt (contains Li, or anions only), ionic liquid or solvent."""
    cid, smiles = str(row["id"]), str(row["SMILES"]).strip()
    mw = pd.to_numeric(pd.Series([row.get("Mw")]), errors="coerce").iloc[0]
    mw = None if pd.isna(mw) else float(mw)
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return Compound(cid, smiles, "invalid", problem=R_COMPOUND_SMILES)
    has_li = any(a.GetSymbol() == "Li" for a in mol.GetAtoms())
    if _MAIN not in smiles and _SIDE not in smiles:
        charges = _net_charges(mol)
        if has_li or (min(charges) < 0 and max(charges) <= 0):
            kind = "salt"  # anion-only SMILES stand for the Li salt in this database (e.g. ClO4-)
        elif any(charges):
            kind = "ionic_liquid"
        else:
            kind = "solvent"
        return Compound(cid, smiles, kind, mw=mw)

    fragments = smiles.split(".")
    masses = _fragment_masses(fragments, row.get("mol_ratio"), row.get("wt_ratio"))
    marked = [k for k, f in enumerate(fragments) if _MAIN in f or _SIDE in f]
    unit_mass = None if masses is None else sum(masses[k] for k in marked)
    units, unit_charge = [], 0
    for k in marked:
        text = _unit_text(fragments[k])
        if text is None:
            return Compound(cid, smiles, "polymer", mw=mw, problem=R_BRANCHED)
        canonical = text[0] if text[1] == "end" else repeat_unit(text[0])
        if canonical is None:
            return Compound(cid, smiles, "polymer", mw=mw, problem=R_POLYMER)
        unit_charge += Chem.GetFormalCharge(Chem.MolFromSmiles(fragments[k], sanitize=False))
        share = None if not unit_mass else masses[k] / unit_mass
        units.append(Unit(canonical, fragments[k], share, text[1]))
    # Unmarked fragments are counter-ions (Li+, TFSI- of a polymerized ionic liquid) or additives (HCl):
    # not part of the repeat units. Li+ there, or a net-anionic backbone, makes a single-ion conductor.
    return Compound(cid, smiles, "polymer", tuple(units), li_source=has_li or unit_charge < 0, mw=mw)


# ---------------------------------------------------------------------------------------- composition
def _unit_mass(compound: Compound) -> float | None:
    """Mass of one 'unit' a mol ratio counts: a repeat unit, a salt formula unit or a molecule."""
    if compound.kind == "salt":
        info = salt_info(compound.smiles, add_lithium=True)
        return None if info is None else info.molar_mass
    if compound.kind == "polymer":
        # A copolymer's mol counts its repeat units: mean unit mass = 1 / sum(mass share / unit mass).
        masses = [_fragment_mass(u.source) for u in compound.units]
        shares = [1.0] if len(compound.units) == 1 else [u.share for u in compound.units]
        if any(m is None for m in masses) or any(s is None for s in shares):
            return None
        return 1.0 / sum(s / m for s, m in zip(shares, masses))
    mol = Chem.MolFromSmiles(compound.smiles)
    return None if mol is None else Descriptors.MolWt(mol)


def _polymer_units(polymers: list[Compound], shares: list[float | None]) -> list[tuple[str, str, float | None, str]]:
    """Distinct repeat units of the polymer phase: (canonical, source, mass, topology), largest mass first."""
    merged: dict[str, list] = {}
    for compound, share in zip(polymers, shares):
        for unit in compound.units:
            mass = None if share is None or unit.share is None else share * unit.share
            if unit.canonical in merged:  # e.g. PEO as a blend partner and as a block of a copolymer
                entry = merged[unit.canonical]
                entry[2] = None if entry[2] is None or mass is None else entry[2] + mass
            else:
                merged[unit.canonical] = [unit.canonical, unit.source, mass, unit.topology]
    units = [tuple(u) for u in merged.values()]
    # End/pendant groups last; stable sort: unknown shares keep the written order.
    return sorted(units, key=lambda u: (u[3] == "end", -(u[2] or 0.0)))


def _compose(ids: tuple[str, ...], mol: tuple[float, ...], wt: tuple[float, ...], compounds: dict[str, Compound], catalog) -> dict | str:
    """Formulation columns for one composition, or the failure reason."""
    n_ratio = len(wt) or len(mol)
    if n_ratio and n_ratio != len(ids):
        return R_RATIO_MISMATCH
    if any(i not in compounds for i in ids):
        return R_UNKNOWN_COMPOUND
    parts = [compounds[i] for i in ids]
    polymers = [p for p in parts if p.kind == "polymer"]
    salts = [p for p in parts if p.kind == "salt"]
    liquids = [p for p in parts if p.kind in ("solvent", "ionic_liquid")]
    if any(p.problem == R_COMPOUND_SMILES for p in parts):
        return R_COMPOUND_SMILES
    problem = next((p.problem for p in parts if p.problem), None)
    if problem:
        return problem
    if len(salts) > 1:
        return R_MULTIPLE_SALTS
    if not salts and not any(p.li_source for p in polymers):
        return R_NO_LITHIUM
    if not polymers and not liquids:
        return R_NO_POLYMER_NO_SOLVENT

    # Mass of every component in one common unit (None when the ratios cannot be turned into masses).
    masses: list[float] | None = None
    if len(parts) == 1:
        masses = [1.0]
    elif wt:
        masses = list(wt)
    elif mol:
        unit_masses = [_unit_mass(p) for p in parts]
        if all(m is not None for m in unit_masses):
            masses = [n * m for n, m in zip(mol, unit_masses)]
    if not polymers:
        return _liquid(parts, salts[0], liquids, masses, wt, catalog)

    units = _polymer_units(polymers, [None if masses is None else masses[parts.index(p)] for p in polymers])
    polymer_mass = sum(u[2] for u in units) if all(u[2] is not None for u in units) else None
    notes: list[str] = []
    if units[0][3] == "end":
        return R_POLYMER
    rest = [u for u in units[1:] if u[3] != "end"]
    if not salts and "-]" not in units[0][0]:
        # A single-ion conductor's Li+ sits on its anionic unit: that unit is polymer2 whatever its share.
        rest.sort(key=lambda u: "-]" not in u[0])
    kept = [units[0], *rest[:1]]
    dropped = [u for u in units if u not in kept]
    if dropped:
        dropped_pct = None if not polymer_mass else 100.0 * sum(u[2] for u in dropped) / polymer_mass
        if dropped_pct is None or dropped_pct > MAX_DROPPED_POLYMER_WT_PCT:
            return R_TOO_MANY_POLYMERS
        notes.append(f"minor polymer fragments left out ({dropped_pct:.1f} wt% of the polymer): " + ", ".join(u[0] for u in dropped))
        units = kept
    topologies = sorted({u[3] for u in units} - {"linear"})
    if topologies:
        notes.append("polymer topology " + "/".join(topologies) + " written as linear repeat units (junctions capped)")
    host = units[0]
    out: dict = {
        "polymer_smiles": host[0],
        "polymer_smiles_source": host[1],
        "polymer": catalog_name(catalog, "polymer", host[0]),
        "polymer_mw_g_mol": polymers[0].mw if len(polymers) == 1 else None,
    }
    if len(units) == 2:
        out["polymer2_smiles"] = units[1][0]
        out["polymer2"] = catalog_name(catalog, "polymer", units[1][0])
        if polymer_mass:
            out["polymer2_wt_pct"] = 100.0 * units[1][2] / polymer_mass

    if salts:
        info = salt_info(salts[0].smiles, add_lithium=True)
        if info is None:
            return R_SALT_SMILES
        if info.n_li == 0:
            return R_SALT_NO_LI
        position = parts.index(salts[0])
        out["salt_smiles"] = info.smiles
        out["salt"] = catalog_name(catalog, "salt", info.smiles)
        if mol and len(polymers) == 1 and len(units) == 1:
            # A mol ratio counts repeat units and salt formula units: EO:Li is stated, not derived.
            out["salt_eo_li_ratio"] = mol[parts.index(polymers[0])] / (mol[position] * info.n_li)
            out["salt_amount_given"] = "eo_li"
        if masses is not None and polymer_mass:
            out["salt_wt_pct"] = 100.0 * masses[position] / (masses[position] + polymer_mass)
            out["salt_molality_mol_kg"] = (masses[position] / info.molar_mass) / (polymer_mass / 1000.0)
            host_ru = repeat_unit_mass(host[0])
            if "salt_eo_li_ratio" not in out and host_ru and host[2]:
                out["salt_eo_li_ratio"] = (host[2] / host_ru) / (masses[position] / info.molar_mass * info.n_li)
            out.setdefault("salt_amount_given", "wt_pct" if wt else "eo_li")
    if not salts:
        notes.append(SINGLE_ION_NOTE)

    if liquids:
        out.update(_plasticizers(parts, liquids, masses, catalog))
        share = out["plasticizer_wt_pct"]
        out["electrolyte_type"] = "spe" if share is not None and share < GEL_PLASTICIZER_WT_PCT else "gpe"
    else:
        out["plasticizer_wt_pct"] = 0.0
        out["electrolyte_type"] = "spe"
    out["notes"] = "; ".join(notes) or None
    return out


def _plasticizers(parts: list[Compound], liquids: list[Compound], masses: list[float] | None, catalog) -> dict:
    """Solvents and ionic liquids as plasticizer columns: catalog names joined by '+', the others as SMILES
    joined by '.', and their mass share of the whole electrolyte (None when the ratios give no masses)."""
    names = [catalog_name(catalog, "plasticizer", canonical_smiles(p.smiles)) for p in liquids]
    return {
        "plasticizer": "+".join(n for n in names if n) or None,
        "plasticizer_smiles": ".".join(canonical_smiles(p.smiles) for p, n in zip(liquids, names) if not n) or None,
        "plasticizer_wt_pct": None if masses is None else 100.0 * sum(masses[parts.index(p)] for p in liquids) / sum(masses),
    }


def _liquid(parts: list[Compound], salt: Compound, liquids: list[Compound], masses: list[float] | None, wt: tuple[float, ...],
            catalog) -> dict | str:
    """A polymer-free row: a Li salt in solvents/ionic liquids (``electrolyte_type`` 'liquid').

    The solvents take the host's place in the salt amounts: molality per kg solvents (the usual
    liquid-electrolyte unit) and wt% of solvents + salt; no EO:Li. A mol ratio gives both exactly through
    the molar masses (``salt_amount_given`` molality); a wt ratio states wt%.
    """
    info = salt_info(salt.smiles, add_lithium=True)
    if info is None:
        return R_SALT_SMILES
    if info.n_li == 0:
        return R_SALT_NO_LI
    out: dict = {"salt_smiles": info.smiles, "salt": catalog_name(catalog, "salt", info.smiles),
                 **_plasticizers(parts, liquids, masses, catalog), "electrolyte_type": LIQUID_ELECTROLYTE}
    if masses is not None:
        salt_mass, solvent_mass = masses[parts.index(salt)], sum(masses[parts.index(p)] for p in liquids)
        if solvent_mass > 0:
            out["salt_wt_pct"] = 100.0 * salt_mass / (salt_mass + solvent_mass)
            out["salt_molality_mol_kg"] = (salt_mass / info.molar_mass) / (solvent_mass / 1000.0)
            out["salt_amount_given"] = "wt_pct" if wt else "molality"
    return out


def _sources(composite: pd.DataFrame) -> pd.Series:
    """The row's DOI/URL; else the DOI that other rows with the same paper memo give; else a memo key.

    ``special_memo`` holds the paper's header text (authors, affiliation, title) as entered, so rows of one
    paper share it even where ``reference`` is 'not available'; a paper without any DOI becomes
    ``hatakeyama2022:memo-<sha1 of the memo, 10 hex>`` so its rows still group together.
    """
    doi = composite["reference"].map(normalize_reference)
    memo = composite.get("special_memo", pd.Series(None, index=composite.index)).fillna("").astype(str).str.strip()
    by_memo = pd.DataFrame({"memo": memo, "doi": doi}).dropna().query("memo != ''").groupby("memo")["doi"]
    unique = by_memo.agg(lambda s: s.iloc[0] if s.nunique() == 1 else None).dropna()
    filled = doi.where(doi.notna(), memo.map(unique))
    key = memo.map(lambda m: f"hatakeyama2022:memo-{hashlib.sha1(m.encode()).hexdigest()[:10]}" if m else None)
    return filled.where(filled.notna(), key).where(lambda s: s.notna(), "hatakeyama2022:" + composite["title"].astype(str))


def harmonize_hatakeyama2022(
    composite: pd.DataFrame,
    chemicals: pd.DataFrame,
    catalog=None,
    *,
    source_url: str | None = None,
    filename: str = COMPOSITE_FILE,
) -> tuple[pd.DataFrame, LoadReport]:
    """Schema rows from ``Composite-2022-03-16-1.csv`` + ``Chemical-2022-03-16.csv``.

    Chemicals are classified from their SMILES (:func:`classify_compound`). The polymer phase is the set
    of distinct repeat units of all polymer components: host = largest mass share, the next ->
    ``polymer2_smiles`` (+ ``polymer2`` when it is a catalog polymer) with ``polymer2_wt_pct``; further
    units are left out of the identity (named in ``notes``) only when together at most
    ``MAX_DROPPED_POLYMER_WT_PCT`` of the polymer. Graft side-chain junctions (``[Ca]`` beside two
    ``[Mg]``) are capped with H and crosslinker chains (two ``[Ca]``) read as linear units, so combs and
    networks are represented by their composition. Neutral
    molecules and ionic liquids are plasticizers (catalog names in ``plasticizer``, others as SMILES in
    ``plasticizer_smiles``); without any polymer they are the solvents of a liquid electrolyte. ``record_id`` is ``hatakeyama2022-<title>``; ``source`` see :func:`_sources`.
    """
    missing = [c for c in (*COMPOSITE_COLUMNS, "component1") if c not in composite.columns]
    missing += [f"chemicals.{c}" for c in CHEMICAL_COLUMNS if c not in chemicals.columns]
    if missing:
        raise ValueError(f"hatakeyama2022: missing columns {missing}")
    composite = composite.reset_index(drop=True)
    row_ids = composite["title"].astype(str)
    if row_ids.duplicated().any():
        raise ValueError(f"hatakeyama2022: duplicated titles {sorted(set(row_ids[row_ids.duplicated()]))[:5]}")
    failures = Failures(composite.index)
    adjustments: dict[str, int] = {}
    compounds = {c.id: c for c in (classify_compound(r) for _, r in chemicals.iterrows())}

    component_columns = [c for c in COMPONENTS if c in composite.columns]
    numbers = composite[component_columns].apply(pd.to_numeric, errors="coerce")
    ids = [tuple(str(int(v)) for v in row if not np.isnan(v)) for row in numbers.itertuples(index=False)]
    mol = composite["mol_ratio"].map(_ratios)
    wt = composite["wt_ratio"].map(_ratios)
    failures.add(mol.isna() | wt.isna(), R_RATIO_NOT_NUMERIC)
    filler = composite.get("inorg_name", pd.Series(None, index=composite.index))
    failures.add(filler.notna() & filler.astype(str).str.strip().ne(""), R_FILLER)

    composed: dict[tuple, dict | str] = {}
    records: list[dict] = []
    for k in composite.index:
        if not failures.ok[k]:
            records.append({})
            continue
        key = (ids[k], tuple(mol[k]), tuple(wt[k]))
        if key not in composed:
            composed[key] = _compose(*key, compounds, catalog)
        result = composed[key]
        if isinstance(result, str):
            failures.reason[k] = result
            records.append({})
        else:
            records.append(result)

    temperature = pd.to_numeric(composite["temperature"], errors="coerce")
    conductivity = pd.to_numeric(composite["conductivity"], errors="coerce")  # already S/cm
    failures.add(conductivity.isna(), R_CONDUCTIVITY_MISSING)
    failures.add(conductivity.notna() & (conductivity <= 0), R_CONDUCTIVITY_NOT_POSITIVE)
    failures.add(temperature.isna(), R_TEMPERATURE_MISSING)
    check_range(failures, temperature, "temperature_c")
    check_range(failures, conductivity, "conductivity_s_cm")

    formulation = pd.DataFrame(records, index=composite.index)
    given = formulation.get("salt_amount_given", pd.Series(None, index=composite.index, dtype=object))
    for column, unit in (("salt_eo_li_ratio", "eo_li"), ("salt_wt_pct", "wt_pct")):
        # A stated amount out of range is a table error (row left out); derived ones are blanked below.
        if column in formulation:
            check_range(failures, pd.to_numeric(formulation[column], errors="coerce").where(given == unit), column)

    frame = formulation.assign(
        record_id="hatakeyama2022-" + row_ids,
        dataset="hatakeyama2022",
        source=_sources(composite),
        source_url=source_url,
        source_locator=filename + " id " + composite["id"].astype(str) + " (" + row_ids + ")",
        temperature_c=temperature,
        conductivity_s_cm=conductivity,
        filler="none",
        filler_loading_wt_pct=0.0,
    )
    check_cell_limits(failures, frame)
    frame = finalize(frame, failures.ok)
    blank_out_of_range(frame, "polymer_mw_g_mol", adjustments, "stated Mw")
    for column in ("salt_eo_li_ratio", "salt_wt_pct", "salt_molality_mol_kg", "polymer2_wt_pct"):
        blank_out_of_range(frame, column, adjustments, "derived amount")
    notes = frame["notes"].fillna("")
    for what, pattern in (("rows with minor polymer fragments left out of the polymer identity", "minor polymer fragments"),
                          ("rows with graft/network polymers written as linear units", "polymer topology")):
        if notes.str.contains(pattern, regex=False).any():
            adjustments[what] = int(notes.str.contains(pattern, regex=False).sum())
    report = failures.report("hatakeyama2022", row_ids, adjustments=adjustments)
    return frame, report


load_hatakeyama2022 = load = loader(
    DATASET, harmonize_hatakeyama2022,
    """Hatakeyama-Sato et al. Li-polymer database (9,185 measurements), harmonized from the full dump.

    Reads ``<data_dir>/hatakeyama2022/upstream_2022-03-16/<file>`` (or ``<data_dir>/<file>``) when
    ``data_dir`` is given, else downloads both files at the pinned commit into the cache; SHA-256 checked.
    Returns the harmonized frame, or ``(frame, LoadReport)`` with ``return_report=True``.
    """,
)
