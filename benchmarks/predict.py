"""End-to-end prediction throughput: read CSV, validate, featurize, predict 3 targets, write CSV.

    python benchmarks/predict.py                 # 1,000,000 rows drawn from ~300 formulations
    python benchmarks/predict.py --rows 100000 --models-dir models

The candidate file is written first by this process; the timed pipeline then runs in a fresh
interpreter so its peak resident memory (``ru_maxrss``) counts the pipeline only, not the generator.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

POLYMERS = ["PEO", "PVDF-HFP", "PVDF", "PAN", "PMMA", "PDOL", "PEGDA", "PCL", "PVEC", "PU", "PPC", "PTMC"]
SALTS = ["LiTFSI", "LiClO4", "LiFSI", "LiBF4", "LiPF6", "LiDFOB", "LiBOB"]
FILLERS = [("none", ""), ("LLZTO", "particle"), ("Al-LLZO", "nanofiber"), ("LATP", "particle"), ("LLTO", "nanowire"),
           ("SiO2", "nanoparticle"), ("Al2O3", "nanoparticle"), ("TiO2", "nanoparticle"), ("ZIF-8", "framework_3d"),
           ("UiO-66", "framework_3d"), ("halloysite", "nanotube"), ("montmorillonite", "nanosheet"), ("hBN", "nanosheet")]
PLASTICIZERS = ["", "", "", "SN", "PC", "EC+DMC", "[EMIM][TFSI]"]
PROCESSES = ["solution_casting", "solution_casting+hot_pressing", "electrospinning+infiltration", "in_situ_uv",
             "in_situ_thermal", "in_situ_cationic", "tape_casting"]
CATHODES = [("LFP", "0.5"), ("NCM811", "0.2"), ("", "")]


def distinct_formulations(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` different formulations built from catalog names with realistic amounts."""
    rng = np.random.default_rng(seed)
    rows: dict[tuple, None] = {}
    while len(rows) < n:
        filler, morphology = FILLERS[rng.integers(len(FILLERS))]
        cathode, c_rate = CATHODES[rng.integers(len(CATHODES))]
        rows[(
            POLYMERS[rng.integers(len(POLYMERS))], SALTS[rng.integers(len(SALTS))], str(rng.choice([8, 10, 12, 16, 20])),
            filler, "" if filler == "none" else str(rng.choice([5, 10, 15, 20])), morphology,
            PLASTICIZERS[rng.integers(len(PLASTICIZERS))], PROCESSES[rng.integers(len(PROCESSES))],
            str(rng.choice([25, 30, 60, 80])), cathode, c_rate, "" if not cathode else str(rng.choice([100, 200, 500])),
        )] = None
    columns = ["polymer", "salt", "salt_eo_li_ratio", "filler", "filler_loading_wt_pct", "filler_morphology",
               "plasticizer", "process", "temperature_c", "cathode", "c_rate", "retention_cycles"]
    return pd.DataFrame(list(rows), columns=columns)


def write_candidates(path: Path, rows: int, distinct: int, seed: int = 0) -> None:
    formulations = distinct_formulations(distinct, seed)
    pick = np.random.default_rng(seed + 1).integers(len(formulations), size=rows)
    frame = formulations.iloc[pick].reset_index(drop=True)
    frame.insert(0, "record_id", [f"c{i:07d}" for i in range(rows)])
    frame.to_csv(path, index=False)


def measure(candidates: Path, output: Path, models_dir: Path) -> dict:
    """The timed pipeline (what ``cpe-ml predict`` does); runs in its own process."""
    from cpe_ml.models.bundle import load_bundles
    from cpe_ml.prediction import predict_formulations, write_predictions
    from cpe_ml.validation import read_formulations

    bundles = load_bundles(models_dir)
    start = time.perf_counter()
    frame = read_formulations(candidates)
    read = time.perf_counter()
    result = predict_formulations(frame, bundles)
    predicted = time.perf_counter()
    write_predictions(result, output)
    done = time.perf_counter()
    return {
        "rows": len(result.predictions), "targets": len(bundles),
        "read_s": read - start, "validate_featurize_predict_s": predicted - read, "write_s": done - predicted,
        "total_s": done - start, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=300)
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--measure", nargs=2, type=Path, metavar=("CANDIDATES", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure, args.models_dir)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        candidates, output = Path(tmp) / "candidates.csv", Path(tmp) / "predictions.csv"
        write_candidates(candidates, args.rows, args.distinct)
        run = subprocess.run([sys.executable, __file__, "--measure", str(candidates), str(output), "--models-dir", str(args.models_dir)],
                             capture_output=True, text=True, check=True)
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        figures["output_mb"] = output.stat().st_size / 2**20
    print(f"{figures['rows']:,} rows x {figures['targets']} targets from {args.distinct} distinct formulations")
    print(f"  read CSV                     {figures['read_s']:7.2f} s")
    print(f"  validate+featurize+predict   {figures['validate_featurize_predict_s']:7.2f} s")
    print(f"  write CSV ({figures['output_mb']:.0f} MB)           {figures['write_s']:7.2f} s")
    print(f"  total                        {figures['total_s']:7.2f} s  ->  {figures['rows'] / figures['total_s']:,.0f} rows/s")
    print(f"  peak memory (max RSS)        {figures['peak_rss_mb']:7.0f} MB")


if __name__ == "__main__":
    main()
