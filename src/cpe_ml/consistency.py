"""Row rules across cells: size limits, contradictions, plausibility and what a candidate must state.

The per-cell checks of :mod:`cpe_ml.validation` pass a row whose cells are each fine but disagree with
one another (PEO with a PVDF SMILES, 25 C with "380 K", no filler at 10 wt%), or whose numbers are in
the wrong unit but inside the range. These rules name both cells. Functions take the validation
collector ``out`` (``out.add(mask, column, message)``) and the table of distinct rows being validated.

Limits come first: a cell longer than :data:`MAX_CELL_CHARS` or a SMILES beyond :data:`MAX_SMILES_CHARS`
/ :data:`MAX_SMILES_ATOMS` is reported and blanked before any name matching or RDKit parsing sees it
(a 1 MB cell took minutes in fuzzy name matching; a 20,000-atom SMILES crashed RDKit).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cpe_ml.schema import COLUMNS, CONFLICT_TOLERANCE, LIQUID_ELECTROLYTE, ROOM_TEMPERATURE_WORDS

MAX_CELL_CHARS = 1_000
#: Provenance and notes hold verbatim excerpts and free text.
MAX_FREE_TEXT_CHARS = 10_000
FREE_TEXT_COLUMNS = ("source", "source_url", "source_locator", "source_excerpt", "notes")
#: Repeat units and salts are small molecules: the largest repeat unit in the public tables
#: (Bradford 2023) has 149 atoms in 285 characters.
MAX_SMILES_CHARS = 600
MAX_SMILES_ATOMS = 300
_SMILES_ATOM = re.compile(r"\[[^\]]*\]|Br|Cl|[BCNOPSFIbcnops*]")

#: Above any polymer electrolyte: liquid carbonate electrolytes (1 M LiPF6 in EC/DMC) reach about
#: 1e-2 S/cm at 25 C (K. Xu, Chem. Rev. 2004, 104, 4303, doi:10.1021/cr030203g), polymer and gel
#: electrolytes stay below. A value above this is almost always mS/cm written as S/cm.
MAX_PLAUSIBLE_CONDUCTIVITY_S_CM = 0.1
#: A table whose median conductivity is above the liquid-electrolyte level is in mS/cm.
MSCM_COLUMN_MEDIAN_S_CM = 1e-2
#: "room temperature" in a paper means 15-30 C; a temperature_c outside contradicts the words.
ROOM_TEMPERATURE_RANGE_C = (15.0, 30.0)
MAX_CONFLICTS_LISTED = 5
_TEMPERATURE_IN_TEXT = re.compile(r"(-?\d+(?:\.\d+)?)\s*(°\s*C|°C|C|K|°F|F)\b", re.IGNORECASE)


def _short(value: str) -> str:
    return f"{value[:40]}... ({len(value):,} characters)"


def check_limits(frame: pd.DataFrame, out) -> None:
    """Report and blank cells too long to be real values, before any parsing sees them."""
    for column in frame.columns:
        values = frame[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype(str)
        lengths = text.str.len()
        is_smiles = str(column).endswith("_smiles")
        limit = MAX_SMILES_CHARS if is_smiles else MAX_FREE_TEXT_CHARS if column in FREE_TEXT_COLUMNS else MAX_CELL_CHARS
        too_long = lengths > limit
        if is_smiles:
            atoms = text.where(~too_long, "").str.count(_SMILES_ATOM.pattern)
            too_big = atoms > MAX_SMILES_ATOMS
            if too_big.any():
                frame.loc[too_big, column] = text[too_big].map(_short)
                out.add(too_big, column, f"SMILES with more than {MAX_SMILES_ATOMS} atoms; give the repeat unit (e.g. [*]CCO[*]), not the chain")
                frame.loc[too_big, column] = ""
        if too_long.any():
            frame.loc[too_long, column] = text[too_long].map(_short)
            what = "SMILES; give the repeat unit, not the chain" if is_smiles else "cell; is this the right column?"
            out.add(too_long, column, f"longer than {limit:,} characters: not a plausible {what}")
            frame.loc[too_long, column] = ""


def _positive(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].fillna(0) > 0


def _temperature_from_text(text: str) -> float | None:
    """The temperature a text states in C ('380 K' -> 106.85), or None when it states none."""
    match = _TEMPERATURE_IN_TEXT.search(text)
    if not match:
        return None
    value, unit = float(match[1]), match[2].replace("°", "").replace(" ", "").upper()
    return value - 273.15 if unit == "K" else (value - 32) * 5 / 9 if unit == "F" else value


def check_contradictions(frame: pd.DataFrame, out, catalog, candidates: bool, warnings: list[str]) -> None:
    """Cells of one row that disagree; both cells are named. ``candidates``: prediction rows (stricter)."""
    _check_temperature_text(frame, out)
    _check_components(frame, out, candidates, warnings)
    _check_salt_amounts(frame, out, candidates, warnings)
    _check_names_vs_smiles(frame, out, catalog, candidates, warnings)
    _check_conductivity_unit(frame, out)


def _check_temperature_text(frame: pd.DataFrame, out) -> None:
    texts = frame["temperature_text"].astype(str).str.strip()
    given = frame["temperature_c"].notna() & texts.ne("")
    if not given.any():
        return
    stated = {t: _temperature_from_text(t) for t in texts[given].unique()}
    words = {t: t.lower() in ROOM_TEMPERATURE_WORDS or t.lower().startswith(("rt", "room", "ambient")) for t in stated}
    low, high = ROOM_TEMPERATURE_RANGE_C
    for text, value in stated.items():
        rows = given & texts.eq(text)
        if value is not None:
            bad = rows & ((frame["temperature_c"] - value).abs() > 1.0)
            out.add(bad, "temperature_c", f"contradicts temperature_text {text!r} (= {value:.4g} C); fix one of the two cells")
        elif words[text]:
            bad = rows & ~frame["temperature_c"].between(low, high)
            out.add(bad, "temperature_c", f"contradicts temperature_text {text!r} (room temperature means {low:g}-{high:g} C); fix one of the two cells")


def _check_components(frame: pd.DataFrame, out, candidates: bool, warnings: list[str]) -> None:
    filler = frame["filler"].astype(str).str.strip()
    for loading in ("filler_loading_wt_pct", "filler_loading_vol_pct"):
        out.add(filler.eq("none") & _positive(frame, loading), loading, "filler is 'none' but this loading is above 0; name the filler or clear the loading")
        out.add(filler.eq("") & _positive(frame, loading), loading, "a filler loading without a filler; fill the 'filler' column (or 'none' and clear the loading)")
    out.add(frame["filler_size_nm"] <= 0, "filler_size_nm", "a filler size must be above 0 nm; leave it empty when unknown")
    for component, amount in (("plasticizer", "plasticizer_wt_pct"), ("polymer2", "polymer2_wt_pct")):
        unnamed = frame[component].astype(str).str.strip().eq("") & frame[f"{component}_smiles"].astype(str).str.strip().eq("")
        orphan = unnamed & _positive(frame, amount)
        message = f"{amount} is given but '{component}' is empty; name the {component} (catalog name or {component}_smiles) or clear the amount"
        if candidates:
            out.add(orphan, amount, message)
        elif orphan.any():
            warnings.append(f"{int(orphan.sum())} distinct row(s): {message} (the amount is used without a component)")
    _check_liquid(frame, out)
    filler_wt, plasticizer_wt = frame["filler_loading_wt_pct"].fillna(0), frame["plasticizer_wt_pct"].fillna(0)
    each_possible = (filler_wt <= 100.0) & (plasticizer_wt <= 100.0)  # one above 100 is already a range error
    out.add(each_possible & (filler_wt + plasticizer_wt > 100.0), "plasticizer_wt_pct", lambda v: "filler_loading_wt_pct + plasticizer_wt_pct is above 100 wt% of the electrolyte; check both cells")


def _blank(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype(str).str.strip().eq("") if column in frame else pd.Series(True, index=frame.index)


def is_liquid(frame: pd.DataFrame) -> pd.Series:
    """Rows that state electrolyte_type 'liquid' (the only way a row is a polymer-free liquid electrolyte)."""
    return frame["electrolyte_type"].astype(str).str.strip().str.lower().eq(LIQUID_ELECTROLYTE)


def _check_liquid(frame: pd.DataFrame, out) -> None:
    """A liquid electrolyte is a Li salt in named solvents with no polymer: each part of that is required."""
    liquid = is_liquid(frame)
    if not liquid.any():
        return
    has_polymer = ~(_blank(frame, "polymer") & _blank(frame, "polymer_smiles"))
    out.add(liquid & has_polymer, "electrolyte_type",
            "'liquid' means no polymer, but the row names one; a polymer swollen by solvents is a gel (gpe)")
    out.add(liquid & _blank(frame, "plasticizer") & _blank(frame, "plasticizer_smiles"), "plasticizer",
            "a liquid electrolyte needs its solvents/ionic liquids: catalog names in 'plasticizer' or SMILES in 'plasticizer_smiles'")
    out.add(liquid & _blank(frame, "salt") & _blank(frame, "salt_smiles"), "salt",
            "a liquid electrolyte needs its lithium salt: a catalog salt in 'salt' or its SMILES in 'salt_smiles'")


def _check_salt_amounts(frame: pd.DataFrame, out, candidates: bool, warnings: list[str]) -> None:
    from cpe_ml.chemistry.salt_amount import eo_li_to_wt_pct, repeat_unit_molar_mass, salt_molar_mass

    out.add(frame["salt_eo_li_ratio"] == 0, "salt_eo_li_ratio", "EO:Li 0:1 is pure salt; write n of EO:Li = n:1 (above 0)")
    for column in ("salt_wt_pct", "salt_molality_mol_kg"):
        out.add(frame[column] == 0, column, "0 means no lithium salt; cpe-ml models Li+ electrolytes (leave salt-free rows out)")
    both = frame["salt_eo_li_ratio"].fillna(0).gt(0) & frame["salt_wt_pct"].fillna(0).gt(0)
    both &= frame["polymer_canonical_smiles"].astype(str).ne("") & frame["salt_canonical_smiles"].astype(str).ne("")
    if not both.any():
        return
    def masses(ru: str, salt: str) -> tuple[float, float]:
        try:
            return repeat_unit_molar_mass(ru), salt_molar_mass(salt)
        except Exception:  # an unusual structure without a molar mass: nothing to compare
            return np.nan, np.nan

    pairs = list(zip(frame.loc[both, "polymer_canonical_smiles"], frame.loc[both, "salt_canonical_smiles"]))
    known = {pair: masses(*pair) for pair in set(pairs)}
    ru_mass, salt_mass = np.array([known[p] for p in pairs]).T
    eo, wt = frame.loc[both, "salt_eo_li_ratio"].to_numpy(), frame.loc[both, "salt_wt_pct"].to_numpy()
    expected = eo_li_to_wt_pct(eo, ru_mass, salt_mass)
    off = np.abs(expected - wt) > np.maximum(2.0, 0.1 * wt)
    mask = np.zeros(len(frame), dtype=bool)
    mask[np.flatnonzero(both.to_numpy())[off]] = True
    if not mask.any():
        return
    by_value = {(e, w): x for e, w, x in zip(eo[off], wt[off], expected[off])}
    describe = lambda e, w: f"contradicts salt_eo_li_ratio = {e:g} (EO:Li {e:g}:1 is {by_value[(e, w)]:.1f} wt% salt of polymer + salt)"  # noqa: E731
    if candidates:
        eos = frame["salt_eo_li_ratio"]
        out.add(mask, "salt_wt_pct", lambda v: describe(float(eos[mask & (frame["salt_wt_pct"] == float(v))].iloc[0]), float(v))
                + "; give one of the two, or check the basis")
    else:
        e, w = next(iter(by_value))
        warnings.append(f"{int(mask.sum())} distinct row(s) state salt_wt_pct and salt_eo_li_ratio that disagree on a polymer + salt basis "
                        f"(e.g. salt_wt_pct = {w:g} {describe(e, w)}); EO:Li is used")


def _check_names_vs_smiles(frame: pd.DataFrame, out, catalog, candidates: bool, warnings: list[str]) -> None:
    """A SMILES that is another catalog entry than the name is an error; a variant of the name's family
    (a specific polyurethane under 'PU') is an error for candidates and a warning for training rows."""
    for kind, name_col, smiles_col in (("polymer", "polymer", "polymer_smiles"), ("salt", "salt", "salt_smiles")):
        if smiles_col not in frame:
            continue
        by_name = catalog.canonical_smiles_by_name(kind)
        names = frame[name_col].astype(str)
        expected = names.map(lambda n: by_name.get(n) or "")
        from_smiles = frame[f"{name_col}_canonical_smiles"].astype(str)
        smiles = frame[smiles_col].astype(str).str.strip()
        bad = smiles.ne("") & expected.ne("") & from_smiles.ne("") & expected.ne(from_smiles)
        messages: dict[str, str] = {}
        strict = np.zeros(len(frame), dtype=bool)
        for pos in np.flatnonzero(bad.to_numpy()):
            other = catalog.match_smiles(kind, from_smiles.iloc[pos])
            is_other = bool(other) and other != names.iloc[pos]
            strict[pos] = candidates or is_other
            message = (f"does not match {name_col} {names.iloc[pos]!r}{f' (this SMILES is {other})' if is_other else ''}; "
                       f"fix one of the two cells, or leave {name_col} empty to use the SMILES")
            messages.setdefault(smiles.iloc[pos], message)
            note = f"{smiles_col} {smiles.iloc[pos]!r} is not the catalog structure of {names.iloc[pos]!r}; the SMILES is used"
            if not strict[pos] and note not in warnings:
                warnings.append(note)
        out.add(strict, smiles_col, lambda v, messages=messages: messages[str(v).strip()])


def _check_conductivity_unit(frame: pd.DataFrame, out) -> None:
    values = frame["conductivity_s_cm"]
    out.add(values > MAX_PLAUSIBLE_CONDUCTIVITY_S_CM, "conductivity_s_cm",
            lambda v: f"implausible for a polymer electrolyte (liquid electrolytes reach ~1e-2 S/cm); if this is mS/cm write "
                      f"{float(v) / 1000:g} S/cm or name the column conductivity_ms_cm")
    measured = values.dropna()
    if len(measured) >= 5 and measured.median() > MSCM_COLUMN_MEDIAN_S_CM:
        out.add((values > MSCM_COLUMN_MEDIAN_S_CM) & (values <= MAX_PLAUSIBLE_CONDUCTIVITY_S_CM), "conductivity_s_cm",
                f"the column looks like mS/cm (median {measured.median():.3g}, above liquid electrolytes); divide by 1000 or name it conductivity_ms_cm")


def check_candidate_rows(frame: pd.DataFrame, out, require_temperature: bool) -> None:
    """What a prediction needs stated: a polymer (or electrolyte_type 'liquid'), a lithium source and (for temperature models) a temperature."""
    out.add(_blank(frame, "polymer") & _blank(frame, "polymer_smiles") & ~is_liquid(frame), "polymer",
            "no polymer: give a catalog name in 'polymer' or a repeat unit in 'polymer_smiles' "
            "(a polymer-free liquid electrolyte states electrolyte_type 'liquid')")
    out.add(_blank(frame, "salt") & _blank(frame, "salt_smiles"), "salt", "no lithium source: give a catalog salt in 'salt' (e.g. LiTFSI) or its SMILES in 'salt_smiles'")
    if require_temperature:
        words = frame["temperature_text"].astype(str).str.strip().str.lower().isin(ROOM_TEMPERATURE_WORDS)
        out.add(frame["temperature_c"].isna() & ~words, "temperature_c",
                "no temperature: fill temperature_c (C), or pass --temperature 25 to predict such rows at a stated temperature")


def conflicting_duplicates(clean: pd.DataFrame, first: np.ndarray) -> list[str]:
    """Warnings for rows of one formulation at one condition whose measured values disagree (``first``: input rows)."""
    keys = [c.name for c in COLUMNS if c.kind in ("formulation", "condition") and c.name in clean]
    if not len(clean) or not keys:
        return []
    groups = pd.Series(pd.util.hash_pandas_object(clean[keys].astype("string").fillna(""), index=False).to_numpy(), index=clean.index)
    found = []
    for target, (scale, tolerance) in CONFLICT_TOLERANCE.items():
        if target not in clean:
            continue
        values = clean[target]
        valued = values.notna() & (values > 0 if scale == "log10" else True)
        if valued.sum() < 2:
            continue
        numbers = np.log10(values[valued]) if scale == "log10" else values[valued]
        spread = numbers.groupby(groups[valued]).agg(["min", "max"])
        for key in spread.index[(spread["max"] - spread["min"]) > tolerance]:
            rows = [int(first[i]) + 1 for i in np.flatnonzero((groups == key) & valued)]
            shown = ", ".join(f"{values.iloc[i]:g}" for i in np.flatnonzero((groups == key) & valued))
            found.append(f"rows {', '.join(map(str, rows[:5]))} are one formulation at one condition but {target} disagrees ({shown}); check them")
    if len(found) > MAX_CONFLICTS_LISTED:
        found[MAX_CONFLICTS_LISTED:] = [f"... and {len(found) - MAX_CONFLICTS_LISTED} more groups of rows like these"]
    return found
