"""The formulation schema: the one contract every part of cpe-ml reads and writes.

One row = one formulation + its measurement conditions + zero or more measured targets.
Units live in the column names; a column's ``kind`` says which stage of the pipeline uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SCHEMA_VERSION = "1.3"

Kind = Literal["id", "provenance", "formulation", "condition", "target", "derived"]


@dataclass(frozen=True)
class Column:
    """One schema column: its name (with unit), value type, role and meaning.

    ``scales``: for a measured value whose number must appear in the source excerpt, the unit scales a
    page may state it in (:mod:`cpe_ml.provenance`); empty for columns the excerpt need not show.
    For a target value: ``conditions``, the condition columns that must agree for two values to be one
    measurement (:mod:`cpe_ml.duplicates`), and ``conflict_tolerance``, (scale, tolerance) beyond which two
    rows of one formulation at one condition disagree (:mod:`cpe_ml.consistency`; scale "log10" or "abs").
    """

    name: str
    dtype: Literal["str", "float"]
    kind: Kind
    description: str
    low: float | None = None
    high: float | None = None
    scales: tuple[float, ...] = ()
    conditions: tuple[str, ...] = ()
    conflict_tolerance: tuple[Literal["log10", "abs"], float] | None = None


COLUMNS: tuple[Column, ...] = (
    Column("record_id", "str", "id", "Unique id of the row (generated when absent)."),
    Column("source", "str", "provenance", "DOI (10.xxxx/...) or URL of the publication the values come from."),
    Column("source_url", "str", "provenance", "URL of the page actually read."),
    Column("source_locator", "str", "provenance", "Where in the source: table, figure, section, abstract."),
    Column("source_excerpt", "str", "provenance", "Verbatim excerpt (<= 300 characters) containing the values."),
    Column("polymer", "str", "formulation", "Host polymer: catalog name or alias (e.g. PEO, PVDF-HFP)."),
    Column("polymer_smiles", "str", "formulation", "Repeat-unit SMILES for a polymer not in the catalog."),
    Column("polymer_mw_g_mol", "float", "formulation", "Polymer molecular weight in g/mol.", 1.0, 1e8),
    Column("polymer2", "str", "formulation", "Second polymer of a blend or copolymer (catalog name)."),
    Column("polymer2_smiles", "str", "formulation", "Repeat-unit SMILES of polymer2 when it is not in the catalog."),
    Column("polymer2_wt_pct", "float", "formulation", "Share of polymer2 in the polymer phase, wt%.", 0.0, 100.0),
    Column("salt", "str", "formulation", "Lithium salt: catalog name or alias (e.g. LiTFSI)."),
    Column("salt_smiles", "str", "formulation", "Salt SMILES for a salt not in the catalog."),
    Column("salt_eo_li_ratio", "float", "formulation", "n in EO:Li = n:1 (repeat units per Li+).", 0.0, 1e4),
    Column("salt_wt_pct", "float", "formulation", "Salt mass share of polymer + salt (solvents + salt in a liquid), wt%.", 0.0, 100.0),
    Column("salt_molality_mol_kg", "float", "formulation", "Mol Li salt per kg polymer (per kg solvents in a liquid).", 0.0, 100.0),
    Column("filler", "str", "formulation", "Filler: catalog name or alias, or 'none'."),
    Column("filler_loading_wt_pct", "float", "formulation", "Filler mass share of the electrolyte, wt%.", 0.0, 100.0),
    Column("filler_loading_vol_pct", "float", "formulation", "Filler volume share of the electrolyte, vol%.", 0.0, 100.0),
    Column("filler_morphology", "str", "formulation", "particle, nanoparticle, nanowire, nanofiber, nanosheet, ..."),
    Column("filler_size_nm", "float", "formulation", "Characteristic filler size (diameter/thickness), nm.", 0.0, 1e7),
    Column("plasticizer", "str", "formulation", "Plasticizer(s): catalog names joined by '+' (e.g. SN, EC+DMC)."),
    Column("plasticizer_smiles", "str", "formulation", "Plasticizers not in the catalog: SMILES, molecules joined by '.'."),
    Column("plasticizer_wt_pct", "float", "formulation", "Plasticizer mass share of the electrolyte, wt%.", 0.0, 100.0),
    Column("process", "str", "formulation", "Process steps joined by '+' (e.g. solution_casting+hot_pressing)."),
    Column("electrolyte_type", "str", "formulation", "spe, cpe, gpe or liquid (stated, never derived: no polymer); spe/cpe/gpe derived when absent."),
    Column("temperature_c", "float", "condition", "Measurement temperature, C.", -50.0, 250.0),
    Column("temperature_text", "str", "condition", "Temperature stated only in words (e.g. 'room temperature')."),
    Column("conductivity_s_cm", "float", "target", "Ionic conductivity, S/cm.", 0.0, 1.0,
           scales=(1.0, 1e-3, 1e-6, 1e-2),  # S/cm, mS/cm, uS/cm, S/m
           conditions=("temperature_c", "temperature_text"), conflict_tolerance=("log10", 1.0)),
    Column("voltage_window_v", "float", "target", "Oxidation stability limit, V vs Li/Li+.", 1.0, 8.0, scales=(1.0,),
           conflict_tolerance=("abs", 0.5)),
    Column("retention_pct", "float", "target", "Discharge capacity retained after retention_cycles, %.", 0.0, 120.0,
           scales=(1.0, 100.0),  # "90.2%" or "0.902"
           conditions=("retention_cycles",), conflict_tolerance=("abs", 20.0)),
    Column("retention_cycles", "float", "condition", "Cycle count of retention_pct.", 1.0, 1e6, scales=(1.0,)),
    Column("cathode", "str", "condition", "Cathode of the cycling test (LFP, NCM811, LCO, ...)."),
    Column("c_rate", "float", "condition", "C-rate of the cycling test.", 0.0, 100.0),
    Column("cycling_temperature_c", "float", "condition", "Temperature of the cycling test, C.", -50.0, 250.0),
    Column("cutoff_voltage_v", "float", "condition", "Upper cut-off voltage of the cycling test, V vs Li/Li+.", 1.0, 6.0),
    Column("lsv_scan_rate_mv_s", "float", "condition", "Scan rate of the LSV that gave voltage_window_v, mV/s.", 0.0, 1000.0),
    Column("lsv_working_electrode", "str", "condition", "Working electrode of that LSV: stainless_steel, platinum, carbon, aluminium, ..."),
    Column("lsv_cutoff_current_ua_cm2", "float", "condition", "Current density taken as the onset of that LSV, uA/cm2.", 0.0, 1e5),
    Column("conductivity_s_cm_qualifier", "str", "provenance", "How conductivity_s_cm was stated: exact (blank), lower_bound, upper_bound, approximate."),
    Column("voltage_window_v_qualifier", "str", "provenance", "How voltage_window_v was stated: exact (blank), lower_bound ('>4.6 V'), upper_bound, approximate."),
    Column("retention_pct_qualifier", "str", "provenance", "How retention_pct was stated: exact (blank), lower_bound ('over 90%'), upper_bound, approximate."),
    Column("source_quality", "str", "provenance", "primary (blank: the paper's own text) or secondary (an aggregator's summary of it)."),
    Column("notes", "str", "provenance", "Free text."),
)

COLUMN_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
NUMERIC_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.dtype == "float")
TEXT_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.dtype == "str")
#: Measured values a model can be trained on (each named by a :class:`cpe_ml.models.targets.Target`).
TARGET_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "target")
#: Values whose number must be visible in the source excerpt -> the unit scales a page may state them in.
CHECKED_VALUES: dict[str, tuple[float, ...]] = {c.name: c.scales for c in COLUMNS if c.scales}
#: Target column -> the condition columns that must agree for two values to be one measurement.
TARGET_CONDITIONS: dict[str, tuple[str, ...]] = {c.name: c.conditions for c in COLUMNS if c.kind == "target"}
#: Target column -> (scale, tolerance): two rows of one formulation at one condition disagree beyond it.
CONFLICT_TOLERANCE: dict[str, tuple[str, float]] = {c.name: c.conflict_tolerance for c in COLUMNS if c.conflict_tolerance}

#: Columns added by validation (never required on input).
DERIVED_COLUMNS: tuple[Column, ...] = (
    Column("salt_amount_given", "str", "derived", "Which salt amount the row stated: eo_li, wt_pct or molality."),
    Column("polymer_canonical_smiles", "str", "derived", "Canonical repeat unit of the host polymer."),
    Column("polymer2_canonical_smiles", "str", "derived", "Canonical repeat unit of polymer2."),
    Column("salt_canonical_smiles", "str", "derived", "Canonical SMILES of the salt."),
    Column("assumed_temperature", "float", "derived", "1 when temperature_c was filled from temperature_text."),
    Column("cathode_class", "str", "derived", "Cathode family from the free-text cathode: lfp, ncm_high_ni, ncm, lco, nca, lmo, sulfur, other."),
)

PROCESS_STEPS: tuple[str, ...] = (
    "solution_casting",
    "hot_pressing",
    "cold_pressing",
    "in_situ_thermal",
    "in_situ_uv",
    "in_situ_cationic",
    "electrospinning",
    "dry_process",
    "tape_casting",
    "infiltration",
    "ball_milling",
    "melt_extrusion",
    "phase_inversion",
    "freeze_casting",
    "spin_coating",
    "annealing",
)

FILLER_MORPHOLOGIES: tuple[str, ...] = (
    "particle",
    "nanoparticle",
    "nanowire",
    "nanofiber",
    "nanosheet",
    "nanotube",
    "framework_3d",
    "membrane",
)

#: ``liquid``: a Li salt in solvents and/or ionic liquids with no polymer, the 100 wt%-plasticizer limit of a
#: gel (the public Hatakeyama database lists ~3,500 of them beside its polymers). Its solvents are the
#: plasticizer columns; its salt amounts take the solvents as the host (per kg solvents, wt% of solvents +
#: salt). Never derived: a row without a polymer is a liquid only when it says so, so a polymer left out by
#: mistake (or not named by a source) never turns a composite into a liquid.
LIQUID_ELECTROLYTE = "liquid"
ELECTROLYTE_TYPES: tuple[str, ...] = ("spe", "cpe", "gpe", LIQUID_ELECTROLYTE)

#: How a measured value was stated. A bound (">4.6 V") or an approximation ("~10^-4") is not an exact value:
#: training must not fit it as one. Blank means exact.
VALUE_QUALIFIERS: tuple[str, ...] = ("exact", "lower_bound", "upper_bound", "approximate")
#: Target column -> the column that qualifies it (``<target column>_qualifier``, when the schema has one).
QUALIFIED_TARGET_COLUMNS: dict[str, str] = {c: f"{c}_qualifier" for c in TARGET_COLUMNS if f"{c}_qualifier" in COLUMN_BY_NAME}


def is_exact(qualifier: str) -> bool:
    """True for a value stated as a number (blank or 'exact'); bounds and approximations are not."""
    return str(qualifier or "").strip().lower() in ("", "exact")


#: Whether the excerpt is the paper's own text (primary) or an aggregator's summary (secondary). Blank means primary.
SOURCE_QUALITIES: tuple[str, ...] = ("primary", "secondary")

#: Words that mean "about 25 C" in papers; the training code decides how to use them.
ROOM_TEMPERATURE_WORDS: tuple[str, ...] = ("room temperature", "rt", "ambient", "ambient temperature", "r.t.")
ROOM_TEMPERATURE_C = 25.0

#: Plasticizer share above which a filler-free electrolyte counts as a gel.
GEL_PLASTICIZER_WT_PCT = 20.0
