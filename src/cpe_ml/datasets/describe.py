"""Data cards of formulation tables: what a dataset covers, before anyone trains on it.

``describe(frame)`` summarizes any frame in the formulation schema (the curated literature set, a public
table, user data) into a ``DataCard``; ``DataCard.to_text()`` / ``to_rich_table()`` render it (the CLI
prints them, the library does not). ``plot_overview(frame, path)`` writes a PNG: conductivity vs 1000/T
coloured by polymer family (rows at "room temperature" in words drawn at 25 C and marked, rows without a
temperature counted in the title), and the row count of the 20 most frequent polymers.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from cpe_ml.schema import ROOM_TEMPERATURE_C, ROOM_TEMPERATURE_WORDS, TARGET_COLUMNS

COUNTED_COLUMNS: tuple[str, ...] = ("dataset", "electrolyte_type", "filler", "process")
NO_FILLER = frozenset({"none", "", "nan"})


@dataclass
class DataCard:
    """Coverage summary of a formulation table.

    ``polymer_strings`` counts the distinct ways polymers are written (names, aliases, SMILES as in the
    source) and ``n_polymers`` the distinct polymers they stand for (catalog name, else canonical repeat
    unit); ``collapsed_polymers`` maps each polymer written in more than one way to its spellings - the
    notation noise that canonicalization removes.
    """

    n_rows: int
    n_polymers: int
    n_salts: int
    n_fillers: int
    n_sources: int
    target_coverage: dict[str, int]
    temperature_range_c: tuple[float, float] | None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    polymer_strings: int = 0
    collapsed_polymers: dict[str, list[str]] = field(default_factory=dict)
    #: Rows whose temperature is "room temperature" in words (no number): training uses them at 25 C.
    n_room_temperature: int = 0

    @property
    def n_collapsed_strings(self) -> int:
        """Polymer strings that are a second (third, ...) spelling of a canonical polymer."""
        return sum(len(v) - 1 for v in self.collapsed_polymers.values())

    def to_dict(self) -> dict:
        return asdict(self)

    def _rows(self) -> list[tuple[str, str, str]]:
        """(section, item, value) triples shared by both renderings."""
        rows = [
            ("overview", "rows", f"{self.n_rows}"),
            ("overview", "distinct polymers (canonical)", f"{self.n_polymers}"),
            (
                "overview",
                "polymer strings -> canonical",
                f"{self.polymer_strings} -> {self.n_polymers} ({self.n_collapsed_strings} collapse "
                f"into {len(self.collapsed_polymers)} polymers)",
            ),
            ("overview", "distinct salts", f"{self.n_salts}"),
            ("overview", "distinct fillers", f"{self.n_fillers}"),
            ("overview", "distinct sources", f"{self.n_sources}"),
        ]
        if self.temperature_range_c is not None:
            low, high = self.temperature_range_c
            rows.append(("overview", "temperature range", f"{low:.1f} to {high:.1f} C"))
        if self.n_room_temperature:
            rows.append(("overview", "room temperature in words", f"{self.n_room_temperature} rows (used at {ROOM_TEMPERATURE_C:g} C)"))
        rows += [("targets", column, f"{n} rows") for column, n in self.target_coverage.items()]
        for column, counts in self.counts.items():
            rows += [(column, value, f"{n}") for value, n in counts.items()]
        return rows

    def to_text(self) -> str:
        lines, section = [], None
        for sect, item, value in self._rows():
            if sect != section:
                lines.append(f"{sect}:")
                section = sect
            lines.append(f"  {item:<32} {value}")
        return "\n".join(lines)

    def to_rich_table(self, title: str = "Data card"):
        """A ``rich.table.Table`` (the caller prints it)."""
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        table.add_column("section", style="bold")
        table.add_column("item")
        table.add_column("value", justify="right")
        section = None
        for sect, item, value in self._rows():
            if section is not None and sect != section:
                table.add_section()
            table.add_row(sect if sect != section else "", str(item), value)
            section = sect
        return table


def _blank_to_nan(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty text cells mean 'not stated' (tables read with ``keep_default_na=False`` keep them as '')."""
    text = frame.select_dtypes(include=["object", "string"]).columns
    if len(text) == 0:
        return frame
    frame = frame.copy()
    frame[text] = frame[text].apply(lambda s: s.mask(s.astype(str).str.strip().eq("") & s.notna()))
    return frame


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(np.nan, index=frame.index, dtype=object)


def _distinct(values: pd.Series) -> int:
    return int(values.dropna().astype(str).str.strip().replace("", np.nan).dropna().nunique())


def _default_catalog(catalog):
    if catalog is not None:
        return catalog
    from cpe_ml.catalog import load_catalog

    return load_catalog()


@lru_cache(maxsize=8192)
def _canonical_or_none(smiles: str) -> str | None:
    from cpe_ml.chemistry.repeat_unit import RepeatUnitError, canonical_repeat_unit

    try:
        return canonical_repeat_unit(smiles)
    except (RepeatUnitError, ValueError):
        return None


def _canonical_polymers(frame: pd.DataFrame, catalog) -> tuple[pd.Series, pd.Series]:
    """(as-written polymer string, polymer identity) per row; NaN where the row names no polymer.

    The identity is the catalog name when the name or alias resolves, or when the repeat unit equals a
    catalog entry's (first entry wins: PEO, not PEGDME); else the canonical repeat unit; else the
    normalized name. Catalog entries that share a repeat unit on purpose (PVDF and PVDF-HFP) stay apart.
    """
    from cpe_ml.catalog import normalize_name

    names, smiles = _column(frame, "polymer"), _column(frame, "polymer_smiles")
    written = _column(frame, "polymer_smiles_source")
    written = written.where(written.notna(), names).where(lambda s: s.notna(), smiles)

    def key(name, smi):
        has_name = isinstance(name, str) and bool(name.strip())
        resolved = catalog.resolve("polymer", name) if has_name and catalog is not None else None
        if resolved:
            return resolved
        if isinstance(smi, str) and smi.strip():
            canonical = _canonical_or_none(smi.strip()) or smi.strip()
            return (catalog.match_smiles("polymer", canonical) if catalog is not None else None) or canonical
        return normalize_name(name) if has_name else np.nan

    identity = pd.Series([key(n, s) for n, s in zip(names, smiles)], index=frame.index, dtype=object)
    return written, identity


def _counts(values: pd.Series, split_plus: bool = False) -> dict[str, int]:
    values = values.dropna().astype(str).str.strip()
    values = values[values != ""]
    if split_plus:
        counter = Counter(step.strip() for v in values for step in v.split("+") if step.strip())
    else:
        counter = Counter(values)
    return dict(counter.most_common())


def describe(frame: pd.DataFrame, *, catalog=None) -> DataCard:
    """Summarize a formulation frame; ``catalog`` (default: the package catalog) resolves polymer names."""
    catalog = _default_catalog(catalog)
    frame = _blank_to_nan(frame)
    written, canonical = _canonical_polymers(frame, catalog)
    salt_key = _column(frame, "salt").where(lambda s: s.notna(), _column(frame, "salt_smiles"))
    fillers = _column(frame, "filler").astype("string").str.strip()
    fillers = fillers[~fillers.str.lower().isin(NO_FILLER) & fillers.notna()]

    temperature = pd.to_numeric(_column(frame, "temperature_c"), errors="coerce").dropna()
    temperature_range = (float(temperature.min()), float(temperature.max())) if len(temperature) else None
    coverage = {c: int(pd.to_numeric(_column(frame, c), errors="coerce").notna().sum()) for c in TARGET_COLUMNS}
    counts = {
        c: _counts(frame[c], split_plus=(c == "process"))
        for c in COUNTED_COLUMNS
        if c in frame and frame[c].notna().any()
    }

    pairs = pd.DataFrame({"written": written, "canonical": canonical}).dropna().astype(str)
    pairs = pairs.drop_duplicates()
    groups = pairs.groupby("canonical")["written"].agg(sorted)
    collapsed = {k: v for k, v in groups.items() if len(v) > 1}
    return DataCard(
        n_rows=len(frame),
        n_polymers=int(canonical.dropna().nunique()),
        n_salts=_distinct(salt_key),
        n_fillers=_distinct(fillers),
        n_sources=_distinct(_column(frame, "source")),
        target_coverage=coverage,
        temperature_range_c=temperature_range,
        counts=counts,
        polymer_strings=int(pairs["written"].nunique()),
        collapsed_polymers=collapsed,
        n_room_temperature=int(_room_temperature(frame).sum()),
    )


def _room_temperature(frame: pd.DataFrame) -> pd.Series:
    """Rows without a number in ``temperature_c`` whose ``temperature_text`` says room temperature."""
    words = _column(frame, "temperature_text").astype("string").str.strip().str.lower().isin(ROOM_TEMPERATURE_WORDS)
    return pd.to_numeric(_column(frame, "temperature_c"), errors="coerce").isna() & words.fillna(False).astype(bool)


def _arrhenius_rows(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Conductivity, temperature (C), rows with both, rows with a conductivity at room temperature in words."""
    sigma = pd.to_numeric(_column(frame, "conductivity_s_cm"), errors="coerce")
    temperature = pd.to_numeric(_column(frame, "temperature_c"), errors="coerce")
    return sigma, temperature, sigma.gt(0) & temperature.gt(-273.15), sigma.gt(0) & _room_temperature(frame)


def conductivity_temperatures(frame: pd.DataFrame) -> dict[str, int]:
    """Rows with a conductivity by how their temperature is given: ``stated`` (a number), ``room_temperature``
    (in words, drawn at ROOM_TEMPERATURE_C) and ``without`` (no temperature: not on the Arrhenius axes)."""
    sigma, _, stated, room = _arrhenius_rows(_blank_to_nan(frame))
    return {"stated": int(stated.sum()), "room_temperature": int(room.sum()), "without": int((sigma.gt(0) & ~stated & ~room).sum())}


def _polymer_labels(frame: pd.DataFrame) -> pd.Series:
    """Catalog name where known, else the repeat-unit SMILES (shortened for axis labels)."""
    names, smiles = _column(frame, "polymer"), _column(frame, "polymer_smiles").astype("string")
    short = smiles.where(smiles.str.len() <= 28, smiles.str.slice(0, 25) + "...")
    return names.where(names.notna(), short).astype(object)


def plot_overview(frame: pd.DataFrame, path: str | os.PathLike, *, catalog=None, top: int = 20) -> Path:
    """Write a PNG overview of ``frame`` to ``path`` and return the path.

    Left: log10 conductivity vs 1000/T (Arrhenius axes), one colour per polymer family (catalog family of
    the named polymer; ``unmatched`` for polymers known only by SMILES). Right: rows per polymer, top ``top``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    catalog = _default_catalog(catalog)
    frame = _blank_to_nan(frame)
    path = Path(path)
    labels = _polymer_labels(frame)
    names = _column(frame, "polymer")
    families = names.map(lambda n: catalog.polymer_family(n) if isinstance(n, str) else "unmatched")

    sigma, temperature, ok, room = _arrhenius_rows(frame)  # room: drawn at ROOM_TEMPERATURE_C (as training uses them), marked apart
    counts = conductivity_temperatures(frame)
    x = 1000.0 / (temperature[ok] + 273.15)
    y = np.log10(sigma[ok])

    fig = Figure(figsize=(16, 6), layout="constrained")
    FigureCanvasAgg(fig)
    ax_arr, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    family_order = families[ok | room].value_counts().index.tolist()
    colours = dict(zip(family_order, _palette(len(family_order))))
    if "unmatched" in colours:
        colours["unmatched"] = "0.6"  # grey: polymers known only by SMILES are context, not a family
    size = 5 if ok.sum() > 2000 else 14  # thousands of rows: small points, a few hundred: visible ones
    for family in family_order:
        sel = families[ok] == family
        ax_arr.scatter(x[sel], y[sel], s=size, alpha=0.5, color=colours[family], rasterized=True, linewidths=0,
                       label=f"{family} ({int((families[ok | room] == family).sum())})")
    if room.any():
        ax_arr.scatter(np.full(int(room.sum()), 1000.0 / (ROOM_TEMPERATURE_C + 273.15)), np.log10(sigma[room]), s=22,
                       facecolors="none", edgecolors=[colours[f] for f in families[room]], linewidths=0.7,
                       label=f'"room temperature" in words, drawn at {ROOM_TEMPERATURE_C:g} C ({int(room.sum())})')
    ax_arr.set_xlabel("1000 / T (1/K)")
    ax_arr.set_ylabel("log10 ionic conductivity (S/cm)")
    top_axis = ax_arr.secondary_xaxis("top", functions=(lambda v: 1000.0 / np.asarray(v, dtype=float) - 273.15,
                                                        lambda c: 1000.0 / (np.asarray(c, dtype=float) + 273.15)))
    top_axis.set_xlabel("temperature (C)")
    title = f"Conductivity vs 1000/T: {counts['stated']} rows at a stated temperature"
    title += f", {counts['room_temperature']} at room temperature (in words)" if counts["room_temperature"] else ""
    title += f"; {counts['without']} without temperature not shown" if counts["without"] else ""
    ax_arr.set_title(title, fontsize=10)
    if family_order:
        ax_arr.legend(title="polymer family (rows)", fontsize=7, markerscale=1.5, loc="upper left", bbox_to_anchor=(1.01, 1),
                      frameon=False)

    per_polymer = labels.value_counts().head(top).iloc[::-1]
    ax_bar.barh(range(len(per_polymer)), per_polymer.to_numpy(), color="#4c72b0")
    ax_bar.set_yticks(range(len(per_polymer)), [str(v) for v in per_polymer.index], fontsize=7)
    ax_bar.set_xlabel("rows")
    ax_bar.set_title(f"Rows per polymer (top {min(top, len(per_polymer))} of {labels.nunique()})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]
