"""Turn the raw public tables into rows of the formulation schema, with a reason for every row left out.

Both tables describe polymer/salt electrolytes in their own notation; the harmonizers here map them onto
``cpe_ml.schema`` columns so that the public rows, the project's curated rows and user data share one
feature pipeline:

- polymers are written as canonical repeat units (``polymer_smiles``, always filled) and named after the
  catalog entry with the same canonical repeat unit (``polymer``, empty when none matches);
- salts are written as canonical SMILES of the neutral Li salt (``salt_smiles``) and named after the
  matching catalog entry (``salt``);
- the salt amount keeps the quantity the table states (``salt_amount_given``) and adds the other two
  where the molar masses allow the conversion;
- conductivity is in S/cm and temperature in C; values outside the schema's physical ranges leave the
  row out (they are errors in the table or in the unit), the reason is counted.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from rdkit import Chem, RDLogger
from rdkit.Chem import Descriptors

from cpe_ml.catalog.catalog import canonical_smiles
from cpe_ml.chemistry.repeat_unit import RepeatUnitError, canonical_repeat_unit
from cpe_ml.chemistry.salt_amount import molality_to_eo_li, molality_to_wt_pct, repeat_unit_molar_mass
from cpe_ml.schema import COLUMN_BY_NAME

RDLogger.DisableLog("rdApp.*")

#: Columns of every harmonized public frame, schema columns first, then the public-data extras.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "record_id",
    "dataset",
    "source",
    "source_url",
    "source_locator",
    "polymer",
    "polymer_smiles",
    "polymer_smiles_source",
    "polymer_mw_g_mol",
    "polymer2",
    "polymer2_wt_pct",
    "salt",
    "salt_smiles",
    "salt_eo_li_ratio",
    "salt_wt_pct",
    "salt_molality_mol_kg",
    "salt_amount_given",
    "filler",
    "filler_loading_wt_pct",
    "plasticizer",
    "plasticizer_wt_pct",
    "electrolyte_type",
    "temperature_c",
    "conductivity_s_cm",
    "notes",
)

# Failure reasons (keys of LoadReport.failures). Short, stable strings: tests and data cards quote them.
R_POLYMER = "polymer SMILES is not a valid repeat unit"
R_SALT_SMILES = "salt SMILES cannot be parsed"
R_SALT_NO_LI = "salt contains no lithium"
R_AMOUNT_MISSING = "salt given without an amount"
R_AMOUNT_WITHOUT_SALT = "salt amount given without a salt"
R_AMOUNT_NOT_POSITIVE = "salt amount is not positive"
R_CONDUCTIVITY_MISSING = "conductivity missing or not numeric"
R_CONDUCTIVITY_NOT_POSITIVE = "conductivity is not positive"
R_TEMPERATURE_MISSING = "temperature missing or not numeric"
R_COMPONENTS_MISSING = "components missing from the table (more ratio entries than component ids)"
R_RATIO_MISMATCH = "number of ratio entries differs from number of components"
R_RATIO_NOT_NUMERIC = "mol/wt ratio is not numeric"
R_UNKNOWN_COMPOUND = "component id not in compounds.csv"
R_COMPOUND_SMILES = "compound SMILES cannot be parsed"
R_NO_POLYMER = "no polymer component"
R_TOO_MANY_POLYMERS = "more than two polymer fragments (multi-block copolymer or blend)"
R_GRAFT = "graft/comb/network polymer ([Ca] side-chain junctions) not representable"
R_MULTIPLE_SALTS = "more than one lithium salt"
R_NO_LITHIUM = "no lithium source (no Li salt and no anionic polymer)"


def out_of_range_reason(column: str) -> str:
    spec = COLUMN_BY_NAME[column]
    return f"{column} outside schema range [{spec.low:g}, {spec.high:g}]"


SINGLE_ION_NOTE = "single-ion conductor: no added salt, Li+ is the counter-ion of the polymer's anionic groups"


# --------------------------------------------------------------------------------------------- report
@dataclass
class LoadReport:
    """What happened to every raw row of one public table.

    ``n_raw == n_loaded + n_failed`` always holds: a row is either in the frame or counted under exactly one
    reason in ``failures`` (its id listed in ``failed_ids[reason]``). ``adjustments`` counts values that were
    blanked or repaired in rows that were kept (e.g. an out-of-range molecular weight); ``notes`` says what a
    user of the dataset should know about the table itself.
    """

    dataset: str
    n_raw: int
    n_loaded: int
    failures: dict[str, int] = field(default_factory=dict)
    failed_ids: dict[str, list[str]] = field(default_factory=dict)
    adjustments: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def n_failed(self) -> int:
        return sum(self.failures.values())

    def to_frame(self) -> pd.DataFrame:
        """One row per failure reason, most frequent first."""
        rows = sorted(self.failures.items(), key=lambda kv: (-kv[1], kv[0]))
        return pd.DataFrame(rows, columns=["reason", "count"])

    def summary(self) -> str:
        lines = [f"{self.dataset}: {self.n_raw} raw rows, {self.n_loaded} loaded, {self.n_failed} left out"]
        lines += [f"  - {count:>6}  {reason}" for reason, count in self.to_frame().itertuples(index=False)]
        lines += [f"  ~ {count:>6}  {what}" for what, count in sorted(self.adjustments.items())]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


class _Failures:
    """First reason wins: a row is left out for the first check it fails, in the order checks run."""

    def __init__(self, index: pd.Index):
        self.reason = pd.Series(None, index=index, dtype=object)

    def add(self, mask: pd.Series | np.ndarray, reason: str) -> None:
        mask = pd.Series(np.asarray(mask, dtype=bool), index=self.reason.index)
        self.reason[mask & self.reason.isna()] = reason

    @property
    def ok(self) -> pd.Series:
        return self.reason.isna()

    def report(self, dataset: str, row_ids: pd.Series, **extra) -> LoadReport:
        failed = self.reason.dropna()
        ids: dict[str, list[str]] = defaultdict(list)
        for idx, reason in failed.items():
            ids[reason].append(str(row_ids[idx]))
        return LoadReport(
            dataset=dataset,
            n_raw=len(self.reason),
            n_loaded=int(self.ok.sum()),
            failures=dict(Counter(failed)),
            failed_ids=dict(ids),
            **extra,
        )


# ------------------------------------------------------------------------------------------ chemistry
def _repeat_unit(smiles: str) -> str | None:
    """Canonical repeat unit, or None when the notation cannot be read as one."""
    try:
        return canonical_repeat_unit(smiles)
    except RepeatUnitError:
        return None


@lru_cache(maxsize=4096)
def _repeat_unit_mass(canonical: str) -> float | None:
    try:
        return repeat_unit_molar_mass(canonical) or None
    except (RepeatUnitError, ValueError):
        return None


@dataclass(frozen=True)
class SaltInfo:
    """A neutral Li salt: canonical SMILES, Li+ per formula unit and molar mass (g/mol)."""

    smiles: str
    n_li: int
    molar_mass: float


@lru_cache(maxsize=4096)
def salt_info(smiles: str, add_lithium: bool = False) -> SaltInfo | None:
    """Describe a salt SMILES; ``add_lithium`` neutralizes an anion-only SMILES with Li+ (Hatakeyama's habit)."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    if add_lithium:
        charge = Chem.GetFormalCharge(mol)
        if charge < 0:
            mol = Chem.MolFromSmiles(".".join([smiles] + ["[Li+]"] * -charge))
    n_li = sum(1 for atom in mol.GetAtoms() if atom.GetSymbol() == "Li")
    return SaltInfo(Chem.MolToSmiles(mol), n_li, Descriptors.MolWt(mol))


def _blank_out_of_range(frame: pd.DataFrame, column: str, adjustments: dict[str, int], what: str) -> None:
    spec = COLUMN_BY_NAME[column]
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.notna() & ((values < spec.low) | (values > spec.high))
    if bad.any():
        frame.loc[bad, column] = np.nan
        adjustments[f"{column}: {what} outside schema range, blanked"] = int(bad.sum())


def _finalize(frame: pd.DataFrame, ok: pd.Series) -> pd.DataFrame:
    """Kept rows in ``OUTPUT_COLUMNS`` order; text as plain object columns, numbers as float."""
    frame = frame.loc[ok].reindex(columns=OUTPUT_COLUMNS).reset_index(drop=True)
    numeric = [c for c in OUTPUT_COLUMNS if c in COLUMN_BY_NAME and COLUMN_BY_NAME[c].dtype == "float"]
    text = [c for c in OUTPUT_COLUMNS if c not in numeric]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    frame[text] = frame[text].astype(object).where(frame[text].notna(), None)
    return frame


def _check_range(failures: _Failures, values: pd.Series, column: str) -> None:
    spec = COLUMN_BY_NAME[column]
    failures.add(values.notna() & ((values < spec.low) | (values > spec.high)), out_of_range_reason(column))


def _catalog_name(catalog, kind: str, structure: str | None) -> str | None:
    """Catalog name of a structure (the catalog's first entry wins: PEO, not PEGDME); None without a catalog."""
    return catalog.match_smiles(kind, structure) if catalog is not None and structure else None


# ------------------------------------------------------------------------------------------- bradford
BRADFORD_COLUMNS = ("smiles", "conductivity", "mw", "salt smiles", "molality", "temperature")


def harmonize_bradford2023(
    raw: pd.DataFrame, catalog=None, *, source_url: str | None = None, filename: str = "clean_train_data.csv"
) -> tuple[pd.DataFrame, LoadReport]:
    """Schema rows from Bradford et al.'s ``clean_train_data.csv``.

    Row ids are 0-based data-row positions in the file (``record_id`` = ``bradford2023-<row>``). The table
    has no DOI per row, so ``source`` is ``bradford2023:<row>``. Rows without a salt are single-ion
    conducting polymers (their salt columns stay empty). The table holds dry polymer/salt electrolytes only,
    hence ``filler`` = none and ``electrolyte_type`` = spe.
    """
    missing = [c for c in BRADFORD_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"bradford2023: expected columns {list(BRADFORD_COLUMNS)}, missing {missing}")
    raw = raw.reset_index(drop=True)
    row_ids = pd.Series(raw.index.astype(str), index=raw.index)
    failures = _Failures(raw.index)
    adjustments: dict[str, int] = {}

    polymer_source = raw["smiles"].astype("string").str.strip()
    canonical_polymers = {s: _repeat_unit(s) for s in polymer_source.dropna().unique()}
    polymer_smiles = polymer_source.map(canonical_polymers)
    failures.add(polymer_smiles.isna(), R_POLYMER)

    salt_source = raw["salt smiles"].astype("string").str.strip().replace("", pd.NA)
    has_salt = salt_source.notna()
    salts = {s: salt_info(s) for s in salt_source.dropna().unique()}
    salt = salt_source.map(salts)
    failures.add(has_salt & salt.isna(), R_SALT_SMILES)
    n_li = salt.map(lambda s: s.n_li if isinstance(s, SaltInfo) else np.nan).astype(float)
    failures.add(has_salt & (n_li == 0), R_SALT_NO_LI)

    molality = pd.to_numeric(raw["molality"], errors="coerce")
    failures.add(has_salt & molality.isna(), R_AMOUNT_MISSING)
    failures.add(~has_salt & molality.notna(), R_AMOUNT_WITHOUT_SALT)
    failures.add(molality.notna() & (molality <= 0), R_AMOUNT_NOT_POSITIVE)

    log_sigma = pd.to_numeric(raw["conductivity"], errors="coerce")
    failures.add(log_sigma.isna(), R_CONDUCTIVITY_MISSING)
    conductivity = 10.0**log_sigma  # the table stores log10(S/cm)
    temperature = pd.to_numeric(raw["temperature"], errors="coerce")
    failures.add(temperature.isna(), R_TEMPERATURE_MISSING)
    _check_range(failures, temperature, "temperature_c")
    _check_range(failures, conductivity, "conductivity_s_cm")
    _check_range(failures, molality, "salt_molality_mol_kg")

    salt_smiles = salt.map(lambda s: s.smiles if isinstance(s, SaltInfo) else None)
    salt_mass = salt.map(lambda s: s.molar_mass if isinstance(s, SaltInfo) else np.nan).astype(float)
    ru_mass = polymer_smiles.map(lambda s: _repeat_unit_mass(s) if isinstance(s, str) else None).astype(float)
    wt_pct, eo_li = molality_to_wt_pct(molality, salt_mass), molality_to_eo_li(molality, ru_mass, n_li)

    polymer_names = {s: _catalog_name(catalog, "polymer", s) for s in set(polymer_smiles.dropna())}
    salt_names = {s: _catalog_name(catalog, "salt", s) for s in set(salt_smiles.dropna())}
    frame = pd.DataFrame(
        {
            "record_id": "bradford2023-" + row_ids,
            "dataset": "bradford2023",
            "source": "bradford2023:" + row_ids,
            "source_url": source_url,
            "source_locator": filename + " data row " + row_ids + " (0-based)",
            "polymer": polymer_smiles.map(polymer_names),
            "polymer_smiles": polymer_smiles,
            "polymer_smiles_source": polymer_source,
            "polymer_mw_g_mol": pd.to_numeric(raw["mw"], errors="coerce"),
            "salt": salt_smiles.map(salt_names),
            "salt_smiles": salt_smiles,
            "salt_eo_li_ratio": eo_li,
            "salt_wt_pct": wt_pct,
            "salt_molality_mol_kg": molality,
            "salt_amount_given": np.where(has_salt, "molality", None),
            "filler": "none",
            "filler_loading_wt_pct": 0.0,
            "plasticizer_wt_pct": 0.0,
            "electrolyte_type": "spe",
            "temperature_c": temperature,
            "conductivity_s_cm": conductivity,
            "notes": np.where(has_salt, None, SINGLE_ION_NOTE),
        }
    )
    frame = _finalize(frame, failures.ok)
    _blank_out_of_range(frame, "polymer_mw_g_mol", adjustments, "stated Mw")
    _blank_out_of_range(frame, "salt_eo_li_ratio", adjustments, "EO:Li derived from molality")
    _blank_out_of_range(frame, "salt_wt_pct", adjustments, "wt% derived from molality")
    report = failures.report("bradford2023", row_ids, adjustments=adjustments)
    return frame, report


# ----------------------------------------------------------------------------------------- hatakeyama
HATAKEYAMA_COLUMNS = ("ID", "Temperature", "Conductivity", "mol_ratio", "wt_ratio", "reference")
HATAKEYAMA_COMPONENTS = tuple(f"component{i}" for i in range(1, 7))
COMPOUND_COLUMNS = ("ID", "SMILES")
# Hatakeyama's notation: [Mg] marks main-chain attachment points, [Ca] side-chain/graft points.
_MAIN_CHAIN_MARKER = "[Mg]"
_GRAFT_MARKER = "[Ca]"
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


@dataclass(frozen=True)
class Compound:
    """One entry of ``compounds.csv``, classified by what its SMILES says it is."""

    id: str
    smiles: str
    kind: str  # polymer | salt | ionic_liquid | solvent | invalid
    fragments: tuple[str, ...]
    fragment_mass_ratio: tuple[float, ...] | None  # mass shares of the fragments when derivable
    anionic: bool  # net negative without cations: a polymer that carries its own Li+ counter-ions
    mw: float | None


def classify_compound(row: pd.Series) -> Compound:
    smiles = str(row["SMILES"]).strip()
    mol = Chem.MolFromSmiles(smiles)
    fragments = tuple(smiles.split("."))
    mw = pd.to_numeric(pd.Series([row.get("Mw")]), errors="coerce").iloc[0]
    mw = None if pd.isna(mw) else float(mw)
    if mol is None:
        return Compound(str(row["ID"]), smiles, "invalid", fragments, None, False, mw)
    charges = [a.GetFormalCharge() for a in mol.GetAtoms() if a.GetSymbol() not in ("Mg", "Ca")]
    negative, positive = sum(c for c in charges if c < 0), sum(c for c in charges if c > 0)
    has_li = any(a.GetSymbol() == "Li" for a in mol.GetAtoms())
    if _MAIN_CHAIN_MARKER in smiles:
        kind = "polymer"
    elif has_li or (negative and not positive):
        kind = "salt"  # anion-only SMILES stand for the Li salt in this database
    elif negative or positive:
        kind = "ionic_liquid"
    else:
        kind = "solvent"
    return Compound(
        id=str(row["ID"]),
        smiles=smiles,
        kind=kind,
        fragments=fragments,
        fragment_mass_ratio=_fragment_mass_ratio(fragments, row),
        anionic=bool(negative) and not positive,
        mw=mw,
    )


def _fragment_mass_ratio(fragments: tuple[str, ...], row: pd.Series) -> tuple[float, ...] | None:
    if len(fragments) == 1:
        return (1.0,)
    wt, mol = _ratios(row.get("wt_ratio")), _ratios(row.get("mol_ratio"))
    if wt and len(wt) == len(fragments):
        masses = wt
    elif mol and len(mol) == len(fragments):
        unit_masses = [_repeat_unit_mass_of_fragment(f) for f in fragments]
        if any(m is None for m in unit_masses):
            return None
        masses = [n * m for n, m in zip(mol, unit_masses)]
    else:
        return None
    total = sum(masses)
    return tuple(m / total for m in masses) if total > 0 else None


def _repeat_unit_mass_of_fragment(fragment: str) -> float | None:
    canonical = _repeat_unit(fragment) if _MAIN_CHAIN_MARKER in fragment else None
    if canonical is not None:
        return _repeat_unit_mass(canonical)
    mol = Chem.MolFromSmiles(fragment)
    return None if mol is None else Descriptors.MolWt(mol)


def _unit_mass(compound: Compound) -> float | None:
    """Mass of one 'unit' a mol ratio counts: a repeat unit, a salt formula unit or a molecule."""
    if compound.kind == "salt":
        info = salt_info(compound.smiles, add_lithium=True)
        return None if info is None else info.molar_mass
    if len(compound.fragments) != 1:
        return None
    return _repeat_unit_mass_of_fragment(compound.fragments[0])


def _compose_hatakeyama(
    ids: tuple[str, ...],
    mol: tuple[float, ...],
    wt: tuple[float, ...],
    compounds: dict[str, Compound],
    catalog,
) -> dict | str:
    """Formulation columns for one composition, or the failure reason."""
    n_ratio = len(wt) or len(mol)
    if n_ratio > len(ids):
        return R_COMPONENTS_MISSING
    if n_ratio and n_ratio != len(ids):
        return R_RATIO_MISMATCH
    if any(i not in compounds for i in ids):
        return R_UNKNOWN_COMPOUND
    parts = [compounds[i] for i in ids]
    if any(p.kind == "invalid" for p in parts):
        return R_COMPOUND_SMILES
    polymers = [p for p in parts if p.kind == "polymer"]
    salts = [p for p in parts if p.kind == "salt"]
    liquids = [p for p in parts if p.kind in ("solvent", "ionic_liquid")]
    if not polymers:
        return R_NO_POLYMER
    if len(salts) > 1:
        return R_MULTIPLE_SALTS
    if not salts and not any(p.anionic for p in polymers):
        return R_NO_LITHIUM

    # Mass share of every component (None when the ratios cannot be turned into masses).
    masses: list[float] | None = None
    if len(parts) == 1:
        masses = [1.0]
    elif wt:
        masses = list(wt)
    elif mol:
        unit_masses = [_unit_mass(p) for p in parts]
        if all(m is not None for m in unit_masses):
            masses = [n * m for n, m in zip(mol, unit_masses)]

    if any(_GRAFT_MARKER in f for p in polymers for f in p.fragments):
        return R_GRAFT
    # Polymer fragments with their mass share of the polymer phase.
    fragments: list[tuple[str, float | None]] = []
    for p in polymers:
        share = None if masses is None else masses[parts.index(p)]
        ratio = p.fragment_mass_ratio
        for k, fragment in enumerate(p.fragments):
            frag_share = None if (share is None or ratio is None) else share * ratio[k]
            fragments.append((fragment, frag_share))
    if len(fragments) > 2:
        return R_TOO_MANY_POLYMERS
    canonical = [_repeat_unit(f) for f, _ in fragments]
    if any(c is None for c in canonical):
        return R_POLYMER
    order = sorted(range(len(fragments)), key=lambda k: -(fragments[k][1] or 0.0))  # host = largest share
    host = order[0]
    out: dict = {
        "polymer_smiles": canonical[host],
        "polymer_smiles_source": fragments[host][0],
        "polymer": _catalog_name(catalog, "polymer", canonical[host]),
        "polymer_mw_g_mol": polymers[0].mw if len(polymers) == 1 else None,
        "notes": None,
    }
    polymer_mass = sum(s for _, s in fragments) if all(s is not None for _, s in fragments) else None
    if len(fragments) == 2:
        second = order[1]
        out["polymer2"] = _catalog_name(catalog, "polymer", canonical[second]) or canonical[second]
        if polymer_mass:
            out["polymer2_wt_pct"] = 100.0 * fragments[second][1] / polymer_mass

    if salts:
        info = salt_info(salts[0].smiles, add_lithium=True)
        if info is None:
            return R_SALT_SMILES
        if info.n_li == 0:
            return R_SALT_NO_LI
        out["salt_smiles"] = info.smiles
        out["salt"] = _catalog_name(catalog, "salt", info.smiles)
        k_salt = parts.index(salts[0])
        if mol and len(polymers) == 1 and len(fragments) == 1:
            # A mol ratio counts repeat units and salt formula units: EO:Li is stated, not derived.
            out["salt_eo_li_ratio"] = mol[parts.index(polymers[0])] / (mol[k_salt] * info.n_li)
            out["salt_amount_given"] = "eo_li"
        if masses is not None and polymer_mass:
            salt_mass = masses[k_salt]
            out["salt_wt_pct"] = 100.0 * salt_mass / (salt_mass + polymer_mass)
            out["salt_molality_mol_kg"] = (salt_mass / info.molar_mass) / (polymer_mass / 1000.0)
            host_ru = _repeat_unit_mass(canonical[host])
            if "salt_eo_li_ratio" not in out and host_ru and fragments[host][1]:
                out["salt_eo_li_ratio"] = (fragments[host][1] / host_ru) / (salt_mass / info.molar_mass * info.n_li)
            out.setdefault("salt_amount_given", "wt_pct" if wt else "eo_li")
    else:
        out["notes"] = SINGLE_ION_NOTE

    if liquids:
        names = [_catalog_name(catalog, "plasticizer", canonical_smiles(p.smiles)) or p.smiles for p in liquids]
        out["plasticizer"] = "+".join(names)
        if masses is not None:
            out["plasticizer_wt_pct"] = 100.0 * sum(masses[parts.index(p)] for p in liquids) / sum(masses)
        out["electrolyte_type"] = "gpe"
    else:
        out["plasticizer_wt_pct"] = 0.0
        out["electrolyte_type"] = "spe"
    return out


def harmonize_hatakeyama2022(
    composite: pd.DataFrame,
    compounds: pd.DataFrame,
    catalog=None,
    *,
    source_url: str | None = None,
    filename: str = "composite_all.csv",
) -> tuple[pd.DataFrame, LoadReport]:
    """Schema rows from Hatakeyama-Sato et al.'s ``composite_all.csv`` + ``compounds.csv``.

    A row lists up to six compound ids (``component1..6``) and one mol or wt ratio per component
    (``'0.9/0.1'``). Compounds are classified from their SMILES: polymers carry ``[Mg]`` main-chain markers
    (a copolymer is several ``.``-joined fragments; host = largest mass share, the other -> ``polymer2``),
    Li salts contain Li or are written as the bare anion, neutral molecules and ionic liquids are
    plasticizers (-> ``gpe``); ``inorg_name`` is a filler (-> ``cpe``). ``record_id`` is
    ``hatakeyama2022-<ID>``; ``source`` is the row's DOI (or URL) and ``hatakeyama2022:<ID>`` otherwise.
    """
    missing = [c for c in (*HATAKEYAMA_COLUMNS, "component1") if c not in composite.columns]
    missing += [f"compounds.{c}" for c in COMPOUND_COLUMNS if c not in compounds.columns]
    if missing:
        raise ValueError(f"hatakeyama2022: missing columns {missing}")
    composite = composite.reset_index(drop=True)
    row_ids = composite["ID"].astype(str)
    if row_ids.duplicated().any():
        raise ValueError(f"hatakeyama2022: duplicated row IDs {sorted(set(row_ids[row_ids.duplicated()]))[:5]}")
    failures = _Failures(composite.index)
    adjustments: dict[str, int] = {}
    catalog_compounds = {str(r["ID"]): classify_compound(r) for _, r in compounds.iterrows()}

    component_columns = [c for c in HATAKEYAMA_COMPONENTS if c in composite.columns]
    components = composite[component_columns].astype("string")
    ids = [
        tuple(str(v).strip() for v in row if not pd.isna(v) and str(v).strip())
        for row in components.itertuples(index=False)
    ]
    mol = composite["mol_ratio"].map(_ratios)
    wt = composite["wt_ratio"].map(_ratios)
    failures.add(mol.isna() | wt.isna(), R_RATIO_NOT_NUMERIC)

    composed: dict[tuple, dict | str] = {}
    records: list[dict | None] = []
    parsable = failures.ok.to_numpy()
    for k in composite.index:
        if not parsable[k]:
            records.append(None)
            continue
        key = (ids[k], tuple(mol[k]), tuple(wt[k]))
        if key not in composed:
            composed[key] = _compose_hatakeyama(*key, catalog_compounds, catalog)
        result = composed[key]
        if isinstance(result, str):
            failures.reason[k] = result
            records.append(None)
        else:
            records.append(result)

    filler_name = composite.get("inorg_name", pd.Series(pd.NA, index=composite.index)).astype("string").str.strip()
    has_filler = filler_name.notna() & filler_name.ne("")
    temperature = pd.to_numeric(composite["Temperature"], errors="coerce")
    conductivity = pd.to_numeric(composite["Conductivity"], errors="coerce")  # already S/cm
    failures.add(conductivity.isna(), R_CONDUCTIVITY_MISSING)
    failures.add(conductivity.notna() & (conductivity <= 0), R_CONDUCTIVITY_NOT_POSITIVE)
    failures.add(temperature.isna(), R_TEMPERATURE_MISSING)
    _check_range(failures, temperature, "temperature_c")
    _check_range(failures, conductivity, "conductivity_s_cm")

    formulation = pd.DataFrame([r or {} for r in records], index=composite.index)
    given = formulation.get("salt_amount_given", pd.Series(None, index=composite.index, dtype=object))
    for column, unit in (("salt_eo_li_ratio", "eo_li"), ("salt_wt_pct", "wt_pct")):
        # A stated amount out of range is a table error (row left out); derived ones are blanked below.
        if column in formulation:
            _check_range(failures, pd.to_numeric(formulation[column], errors="coerce").where(given == unit), column)

    references = composite["reference"].map(normalize_reference)
    source = references.where(references.notna(), "hatakeyama2022:" + row_ids)
    frame = formulation.assign(
        record_id="hatakeyama2022-" + row_ids,
        dataset="hatakeyama2022",
        source=source,
        source_url=source_url,
        source_locator=filename + " ID " + row_ids,
        temperature_c=temperature,
        conductivity_s_cm=conductivity,
        filler=filler_name.where(has_filler, "none"),
        filler_loading_wt_pct=np.where(has_filler, np.nan, 0.0),
    )
    if has_filler.any():
        # inorg_contain_ratio(wt) has no stated unit (fraction or %?): kept in notes, not converted.
        ratio = composite.get("inorg_contain_ratio(wt)")
        frame.loc[has_filler, "electrolyte_type"] = "cpe"
        if ratio is not None:
            frame.loc[has_filler, "notes"] = "inorg_contain_ratio(wt)=" + ratio[has_filler].astype(str)
        frame.loc[has_filler, "filler"] = filler_name[has_filler].map(lambda text: (catalog.resolve("filler", text) if catalog is not None else None) or text)
    frame = _finalize(frame, failures.ok)
    _blank_out_of_range(frame, "polymer_mw_g_mol", adjustments, "stated Mw")
    for column in ("salt_eo_li_ratio", "salt_wt_pct", "salt_molality_mol_kg"):
        _blank_out_of_range(frame, column, adjustments, "derived amount")

    notes = []
    n_missing = int((failures.reason == R_COMPONENTS_MISSING).sum())
    if n_missing:
        notes.append(
            f"{n_missing} rows list more mol/wt ratio entries than component ids: the published "
            "composite_all.csv keeps only component1 (component2..6 are empty in every row), so the "
            "salt/plasticizer of those rows is unknown. The full compositions are only in the upstream "
            "database/Composite-2022-03-16-1.csv + Chemical-2022-03-16.csv (numeric ids), not loaded here."
        )
    report = failures.report("hatakeyama2022", row_ids, adjustments=adjustments, notes=notes)
    return frame, report
