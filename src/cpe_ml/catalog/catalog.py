"""Load the catalog tables, index names and aliases, match SMILES to entries."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

import pandas as pd
from rdkit import Chem, RDLogger

from cpe_ml.chemistry.repeat_unit import RepeatUnitError, canonical_repeat_unit

RDLogger.DisableLog("rdApp.*")

CATALOG_KINDS: tuple[str, ...] = ("polymer", "salt", "filler", "plasticizer")
_FILES = {"polymer": "polymers.csv", "salt": "salts.csv", "filler": "fillers.csv", "plasticizer": "plasticizers.csv"}
_SMILES_COLUMN = {"polymer": "repeat_unit_smiles", "salt": "smiles", "filler": None, "plasticizer": "smiles"}
NO_FILLER_WORDS = frozenset({"none", "", "no", "nofiller", "nan", "na", "0"})
_NAME_CHARS = re.compile(r"[^a-z0-9+\[\]]")


def normalize_name(text: str) -> str:
    """Case-, space-, hyphen- and bracket-insensitive key: ``PVdF-HFP``, ``pvdf hfp`` and ``P(VDF-HFP)`` agree."""
    return _NAME_CHARS.sub("", str(text).lower())


def canonical_smiles(smiles: str) -> str | None:
    """RDKit canonical SMILES (stereo kept), or None when RDKit cannot parse it."""
    mol = Chem.MolFromSmiles(smiles)
    return None if mol is None else Chem.MolToSmiles(mol)


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog row seen as a record: its kind, name, canonical SMILES and every other column."""

    kind: str
    name: str
    canonical_smiles: str | None
    properties: dict = field(default_factory=dict)


class Catalog:
    """Name, alias and SMILES lookup over the four catalog tables.

    ``tables`` maps a kind (polymer, salt, filler, plasticizer) to its DataFrame; ``version`` is a digest
    of their contents, stored with every trained model so a prediction can tell which catalog it used.
    """

    def __init__(self, tables: dict[str, pd.DataFrame]):
        self.tables = {kind: tables[kind].reset_index(drop=True) for kind in CATALOG_KINDS}
        self._alias: dict[str, dict[str, str]] = {}
        self._by_smiles: dict[str, dict[str, str]] = {}
        self._canonical: dict[str, dict[str, str | None]] = {}
        for kind, table in self.tables.items():
            aliases: dict[str, str] = {}
            for _, row in table.iterrows():
                keys = [row["name"], *str(row.get("aliases") or "").split("|")]
                for key in filter(None, (normalize_name(k) for k in keys if k and k == k)):
                    if aliases.get(key, row["name"]) != row["name"]:
                        raise ValueError(
                            f"catalog {kind}: alias {key!r} names both {aliases[key]!r} and {row['name']!r}; "
                            "make aliases unique"
                        )
                    aliases[key] = row["name"]
            self._alias[kind] = aliases
            column = _SMILES_COLUMN[kind]
            self._canonical[kind] = {} if column is None else dict(zip(table["name"], _canonical_column(kind, table[column])))
            by_smiles: dict[str, str] = {}
            for name, smi in self._canonical[kind].items():
                if smi is not None:
                    by_smiles.setdefault(smi, name)  # the first (main) entry of a shared structure wins
            self._by_smiles[kind] = by_smiles

    def __getstate__(self) -> dict:
        """Plain lists and dicts only: a fitted featurizer carries its catalog into a model bundle, and the
        bundle loader (:mod:`cpe_ml.safe_pickle`) rebuilds no pandas objects. Cached look-ups are rebuilt."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("version", "_records")}
        state["tables"] = {kind: {"columns": list(t.columns), "rows": t.to_numpy().tolist()} for kind, t in self.tables.items()}
        return state

    def __setstate__(self, state: dict) -> None:
        tables = {kind: pd.DataFrame(t["rows"], columns=t["columns"], dtype=str) for kind, t in state["tables"].items()}
        self.__dict__.update({**state, "tables": tables})

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256()
        for kind in CATALOG_KINDS:
            digest.update(self.tables[kind].to_csv(index=False).encode())
        return digest.hexdigest()[:12]

    def names(self, kind: str) -> list[str]:
        return list(self.tables[kind]["name"])

    def resolve(self, kind: str, text: str) -> str | None:
        """Catalog name for a name or alias, or None when unknown."""
        return self._alias[kind].get(normalize_name(text))

    def suggest(self, kind: str, text: str, n: int = 3) -> list[str]:
        """Closest catalog names, for "did you mean" messages."""
        keys = difflib.get_close_matches(normalize_name(text), list(self._alias[kind]), n=n * 3, cutoff=0.5)
        return list(dict.fromkeys(self._alias[kind][k] for k in keys))[:n]

    def entry(self, kind: str, name: str) -> CatalogEntry:
        return CatalogEntry(kind, name, self.canonical_smiles_by_name(kind).get(name), dict(self._records[kind][name]))

    def canonical_smiles_by_name(self, kind: str) -> dict[str, str | None]:
        """Catalog name -> canonical structure (repeat unit for polymers); empty for fillers."""
        return self._canonical[kind]

    def match_smiles(self, kind: str, smiles: str) -> str | None:
        """Catalog name whose structure equals ``smiles`` (repeat units compared in canonical form)."""
        key = _canonicalize(kind, smiles)
        return None if key is None else self._by_smiles[kind].get(key)

    def match_polymer_smiles(self, smiles: str) -> str | None:
        return self.match_smiles("polymer", smiles)

    def match_salt_smiles(self, smiles: str) -> str | None:
        return self.match_smiles("salt", smiles)

    def polymer_family(self, name: str) -> str:
        table = self.tables["polymer"]
        hit = table.loc[table["name"] == name, "family"]
        return str(hit.iloc[0]) if len(hit) else "other"

    @cached_property
    def _records(self) -> dict[str, dict[str, dict]]:
        """kind -> name -> row, for fast property look-ups inside featurizers."""
        return {kind: {row["name"]: row for row in table.to_dict("records")} for kind, table in self.tables.items()}

    def property(self, kind: str, name: str, column: str) -> float | None:
        """A numeric property (e.g. ``density_g_cm3``) or None when the catalog has no sourced value."""
        value = pd.to_numeric(self._records[kind].get(name, {}).get(column), errors="coerce")
        return None if value is None or pd.isna(value) else float(value)


def _canonicalize(kind: str, smiles: str) -> str | None:
    if kind == "polymer":
        try:
            return canonical_repeat_unit(smiles)
        except RepeatUnitError:
            return None
    return canonical_smiles(smiles)


def _canonical_column(kind: str, values: pd.Series) -> list[str | None]:
    return [_canonicalize(kind, s) if isinstance(s, str) and s else None for s in values]


def _read_tables(directory: Path | resources.abc.Traversable) -> dict[str, pd.DataFrame]:
    tables = {}
    for kind, filename in _FILES.items():
        path = directory / filename
        if path.is_file():
            with path.open("r", encoding="utf-8") as fh:
                tables[kind] = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return tables


def _merge(base: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """User rows replace package rows of the same name and add new ones."""
    kept = base.loc[~base["name"].map(normalize_name).isin(extra["name"].map(normalize_name))]
    return pd.concat([kept, extra], ignore_index=True).fillna("")


_CACHE: dict[str, Catalog] = {}


def load_catalog(extra_dir: str | os.PathLike | None = None) -> Catalog:
    """The package catalog, extended by ``extra_dir`` (or ``$CPE_ML_CATALOG_DIR``) when given.

    Cached per directory: building the alias and SMILES indexes canonicalizes every entry once.
    """
    extra_dir = extra_dir or os.environ.get("CPE_ML_CATALOG_DIR")
    key = str(Path(extra_dir).resolve()) if extra_dir else ""
    if key not in _CACHE:
        tables = _read_tables(resources.files("cpe_ml.catalog") / "data")
        missing = [k for k in CATALOG_KINDS if k not in tables]
        if missing:
            raise FileNotFoundError(f"package catalog is missing tables for {missing}; reinstall cpe-ml")
        if extra_dir:
            if not Path(extra_dir).is_dir():
                raise FileNotFoundError(f"catalog extension directory {extra_dir} does not exist")
            for kind, extra in _read_tables(Path(extra_dir)).items():
                tables[kind] = _merge(tables[kind], extra)
        _CACHE[key] = Catalog(tables)
    return _CACHE[key]
