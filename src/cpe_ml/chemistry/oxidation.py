"""Vertical ionization potentials (GFN2-xTB) of electrolyte components: who is oxidized first.

Why
---
The anodic limit of a polymer electrolyte is set by its most easily oxidized component: ether
oxygens (PEO, PDOL) lose an electron before carbonates, nitriles and fluorinated chains, and the
salt anion and a plasticizer can be weaker still. The vertical ionization potential (IP) of each
component -- the energy to remove one electron without relaxing the geometry -- ranks them on one
scale, and the HOMO energy is its one-electron (Koopmans) counterpart.

Method
------
1. **Molecule.** A polymer is its canonical repeat unit built into a methyl-capped oligomer
   (:func:`cpe_ml.chemistry.repeat_unit.oligomer_smiles`, ``cap="C"``): a trimer, or a dimer /
   monomer when the trimer has more than :data:`MAX_HEAVY_ATOMS` heavy atoms (polyimides,
   polysulfones), so one calculation stays under a few seconds on one core. Methyl caps avoid
   artificial OH / COOH end groups, which would oxidize first and hide the backbone. A salt is
   its anion (Li+ dropped); an ionic liquid or any other ionic plasticizer is each of its ions,
   and the lowest IP counts.
2. **Geometry.** One RDKit ETKDGv3 conformer (fixed seed) relaxed with MMFF94 (UFF where MMFF has
   no parameters). A single force-field conformer is a deliberate bound on cost: conformers shift
   a vertical IP by ~0.1 eV, small against the 1-3 eV spread between chemistries.
3. **Energies.** GFN2-xTB single points (tblite) of the species (charge q, closed shell) and of
   the species with one electron removed (charge q+1, one unpaired electron). IP = E(q+1) - E(q)
   minus the empirical IP/EA shift of GFN2-xTB, ``ipeashift`` = 1.78069 x 0.1 Eh = 4.8455 eV, the
   shift the xtb program applies to its ``--vip`` output (grimme-lab/xtb ``src/xtb/gfn2.f90``,
   Bannwarth, Ehlert, Grimme, JCTC 2019, 15, 1652, doi:10.1021/acs.jctc.8b01176). The HOMO energy
   is the highest occupied orbital of the species (eV, unshifted, gas phase).
4. **Two media.** ``ip_ev`` is the gas-phase IP; ``ip_solv_ev`` repeats both single points in the
   ALPB implicit solvent model (Ehlert et al., JCTC 2021, 17, 4250, doi:10.1021/acs.jctc.1c00471)
   with THF (epsilon 7.4, an ether like the PEO matrix). Only the solvated IP compares an anion
   with a neutral molecule: in vacuum the Coulomb energy of removing an electron from an anion
   makes every anion look 2-5 eV easier to oxidize than any neutral. The electrolyte's weakest
   link (min over components) therefore uses ``ip_solv_ev``.

The absolute values carry the errors of a tight-binding method in vacuum; the model uses them as
a ranking of chemistries, which is what GFN2-xTB IPs reproduce well.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rdkit import Chem, rdBase
from rdkit.Chem import AllChem

from cpe_ml.chemistry.repeat_unit import RepeatUnitError, canonical_repeat_unit, oligomer_smiles

HARTREE_EV = 27.211386245988
#: Empirical IP/EA shift of GFN2-xTB (xtb ``ipeashift`` = 1.78069 in units of 0.1 Eh).
IPEA_SHIFT_EV = 0.178069 * HARTREE_EV
#: Oligomers larger than this (heavy atoms) are shortened: trimer -> dimer -> monomer.
MAX_HEAVY_ATOMS = 60
METHOD = "GFN2-xTB//MMFF94, vertical, IPEA-shifted; solv = ALPB(THF)"
SOLVENT = "thf"
BOHR_ANGSTROM = 0.529177210903


class OxidationError(ValueError):
    """A species could not be built or its xTB calculation did not converge."""


@dataclass(frozen=True)
class IonizationResult:
    """Vertical IP and HOMO energy of one species (eV), with what was computed and how long it took."""

    smiles: str
    ip_ev: float
    ip_solv_ev: float
    homo_ev: float
    n_atoms: int
    seconds: float


def polymer_oligomer(canonical_unit: str, max_heavy_atoms: int = MAX_HEAVY_ATOMS) -> tuple[str, int]:
    """Methyl-capped oligomer SMILES of a repeat unit and its length (3, or shorter when too large)."""
    smiles = ""
    for n in (3, 2, 1):
        smiles = oligomer_smiles(canonical_unit, n, cap="C")
        if Chem.MolFromSmiles(smiles).GetNumHeavyAtoms() <= max_heavy_atoms:
            return smiles, n
    return smiles, 1


def ionic_fragments(smiles: str) -> list[str]:
    """The oxidizable species of a (possibly multi-component) SMILES: every fragment except Li+."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise OxidationError(f"cannot parse SMILES {smiles!r}")
    fragments = [Chem.MolToSmiles(f) for f in Chem.GetMolFrags(mol, asMols=True)]
    return [f for f in fragments if f not in ("[Li+]", "[Li]")] or fragments


def _geometry(smiles: str, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Atomic numbers, coordinates (Bohr) and formal charge of one force-field conformer."""
    _quiet = rdBase.BlockLogs()
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise OxidationError(f"cannot parse SMILES {smiles!r}")
    mol = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    if AllChem.EmbedMolecule(mol, params) != 0:
        params.useRandomCoords = True
        if AllChem.EmbedMolecule(mol, params) != 0:
            raise OxidationError(f"no 3D conformer for {smiles!r}")
    if AllChem.MMFFHasAllMoleculeParams(mol):
        AllChem.MMFFOptimizeMolecule(mol, maxIters=2000)
    elif AllChem.UFFHasAllMoleculeParams(mol):
        AllChem.UFFOptimizeMolecule(mol, maxIters=2000)
    numbers = np.array([a.GetAtomicNum() for a in mol.GetAtoms()])
    return numbers, mol.GetConformer().GetPositions() / BOHR_ANGSTROM, Chem.GetFormalCharge(mol)


def _single_point(numbers: np.ndarray, positions: np.ndarray, charge: int, uhf: int, solvent: str | None = None):
    from tblite.interface import Calculator

    calculator = Calculator("GFN2-xTB", numbers, positions, charge=float(charge), uhf=uhf)
    calculator.set("verbosity", 0)
    if solvent:
        calculator.add("alpb-solvation", solvent)
    calculator.set("max-iter", 500)
    try:
        return calculator.singlepoint()
    except RuntimeError as exc:
        raise OxidationError(f"GFN2-xTB did not converge (charge {charge}): {exc}") from None


def _homo_ev(result) -> float:
    occupations = np.asarray(result.get("orbital-occupations"))
    energies = np.asarray(result.get("orbital-energies"))
    return float(energies[occupations > 1e-6].max() * HARTREE_EV)


def vertical_ip(smiles: str, seed: int = 0) -> IonizationResult:
    """Vertical IPs (IPEA-shifted; gas phase and ALPB) and HOMO energy of one closed-shell species (any charge)."""
    start = time.perf_counter()
    numbers, positions, charge = _geometry(smiles, seed)
    electrons = int(numbers.sum()) - charge
    if electrons % 2:
        raise OxidationError(f"{smiles!r} is a radical; give a closed-shell species")
    ips, homo = [], np.nan
    for solvent in (None, SOLVENT):
        neutral = _single_point(numbers, positions, charge, 0, solvent)
        oxidized = _single_point(numbers, positions, charge + 1, 1, solvent)
        ips.append(float((oxidized.get("energy") - neutral.get("energy")) * HARTREE_EV - IPEA_SHIFT_EV))
        homo = _homo_ev(neutral) if solvent is None else homo
    return IonizationResult(smiles, ips[0], ips[1], homo, len(numbers), time.perf_counter() - start)


def species_ip(smiles: str, seed: int = 0) -> IonizationResult:
    """The fragment of a multi-component SMILES with the lowest solvated IP (salt -> its anion, ionic liquid -> its weaker ion)."""
    results = [vertical_ip(fragment, seed) for fragment in ionic_fragments(smiles)]
    weakest = min(results, key=lambda r: r.ip_solv_ev)
    return IonizationResult(weakest.smiles, weakest.ip_ev, weakest.ip_solv_ev, weakest.homo_ev, weakest.n_atoms,
                            sum(r.seconds for r in results))


@lru_cache(maxsize=512)
def polymer_ip_on_the_fly(canonical_unit: str, max_heavy_atoms: int = MAX_HEAVY_ATOMS) -> tuple[float, float, float]:
    """(IP, solvated IP, HOMO) in eV of a repeat unit not in the shipped table; NaNs when it cannot be computed.

    Bounded by ``max_heavy_atoms`` (the oligomer is shortened, so one call is ~1-5 s) and cached
    per canonical unit for the process lifetime.
    """
    try:
        result = vertical_ip(polymer_oligomer(canonical_unit, max_heavy_atoms)[0])
    except (OxidationError, RepeatUnitError):
        return float("nan"), float("nan"), float("nan")
    return result.ip_ev, result.ip_solv_ev, result.homo_ev


TABLE_COLUMNS = ("name", "kind", "smiles", "species_smiles", "oligomer_n", "method", "ip_ev", "ip_solv_ev", "homo_ev", "n_atoms", "seconds")


def _table_path():
    from importlib import resources

    return resources.files("cpe_ml.chemistry") / "data" / "xtb_oxidation.csv"


def oxidation_jobs(catalog, extra_polymers=()) -> list[tuple[str, str, str]]:
    """(name, kind, smiles) of every catalog polymer, salt and plasticizer with a structure, then of the
    ``extra_polymers`` (canonical repeat units of hosts given only as SMILES, named by that SMILES)."""
    jobs = []
    for kind, column in (("polymer", "repeat_unit_smiles"), ("salt", "smiles"), ("plasticizer", "smiles")):
        table = catalog.tables[kind]
        jobs += [(str(r["name"]), kind, str(r[column])) for _, r in table.iterrows() if str(r[column] or "").strip() not in ("", "nan")]
    known = set(catalog.canonical_smiles_by_name("polymer").values())
    jobs += [(unit, "polymer", unit) for unit in sorted(set(extra_polymers) - known) if unit]
    return jobs


def compute_row(name: str, kind: str, smiles: str, seed: int = 0) -> dict:
    """One row of the oxidation table (NaN IP with the reason in ``method`` when it fails)."""
    row = {"name": name, "kind": kind, "smiles": smiles, "species_smiles": "", "oligomer_n": 0, "method": METHOD,
           "ip_ev": np.nan, "ip_solv_ev": np.nan, "homo_ev": np.nan, "n_atoms": 0, "seconds": 0.0}
    try:
        if kind == "polymer":
            species, n = polymer_oligomer(canonical_repeat_unit(smiles))
            result = vertical_ip(species, seed)
            row["oligomer_n"] = n
        else:
            result = species_ip(smiles, seed)
    except (OxidationError, RepeatUnitError) as exc:
        row["method"] = f"failed: {exc}"
        return row
    row.update(species_smiles=result.smiles, ip_ev=round(result.ip_ev, 4), ip_solv_ev=round(result.ip_solv_ev, 4),
               homo_ev=round(result.homo_ev, 4),
               n_atoms=result.n_atoms, seconds=round(result.seconds, 2))
    return row


def compute_oxidation_table(catalog, extra_polymers=(), on_row=None):
    """Every component's row (see :func:`compute_row`, :func:`oxidation_jobs`); ``on_row(done, total)`` reports progress."""
    import pandas as pd

    jobs = oxidation_jobs(catalog, extra_polymers)
    rows = []
    for i, job in enumerate(jobs):
        rows.append(compute_row(*job))
        if on_row:
            on_row(i + 1, len(jobs))
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


@lru_cache(maxsize=1)
def load_oxidation_table():
    """The shipped table (``cpe-ml data compute-oxidation`` recomputes it), indexed by (kind, name)."""
    import pandas as pd

    with _table_path().open() as handle:
        return pd.read_csv(handle).set_index(["kind", "name"])


def component_ip(kind: str, name: str, column: str = "ip_solv_ev") -> float:
    """Tabulated IP (eV) of a catalog component; NaN when absent."""
    return float(load_oxidation_table()[column].get((kind, name), np.nan))
