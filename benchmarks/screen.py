"""Time to screen a 1,000,000-point design space (enumerate, validate, featurize, predict 3 targets,
apply constraints, rank by Pareto front).

    python benchmarks/screen.py                       # in this process
    python benchmarks/screen.py --dask local          # on a LocalCluster of this machine's cores
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

SPACE = {
    "polymer": ["PEO", "PVDF-HFP", "PVDF", "PAN", "PMMA", "PDOL", "PEGDA", "PCL", "PVEC", "PU", "PPC", "PTMC"],
    "salt": ["LiTFSI", "LiFSI", "LiClO4", "LiBF4", "LiPF6", "LiDFOB", "LiBOB"],
    "salt_eo_li_ratio": [6, 8, 12, 16, 20],
    "filler": ["none", *[{"name": n, "morphology": m} for n, m in (
        ("LLZTO", "particle"), ("Al-LLZO", "nanofiber"), ("LATP", "particle"), ("LLTO", "nanowire"), ("SiO2", "nanoparticle"),
        ("Al2O3", "nanoparticle"), ("TiO2", "nanoparticle"), ("ZIF-8", "framework_3d"), ("UiO-66", "framework_3d"),
        ("halloysite", "nanotube"), ("montmorillonite", "nanosheet"), ("hBN", "nanosheet"))]],
    "filler_loading_wt_pct": [5, 10, 15, 20],
    "plasticizer": ["none", "SN", "PC", "[EMIM][TFSI]"],
    "process": ["solution_casting", "in_situ_thermal", "electrospinning+infiltration"],
}
SPEC = {
    "name": "benchmark-1M",
    "space": SPACE,
    "temperature_c": [25, 40, 60, 80],
    "fixed": {"cathode": "NCM811", "c_rate": 0.5, "retention_cycles": 200},
    "constraints": ["pred_conductivity_s_cm >= 1e-4", "pred_voltage_window >= 4.5"],
    "maximize": ["pred_conductivity", "pred_voltage_window", "pred_retention"],
    "top": 1000,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--dask", default="", help="'local' or tcp://HOST:PORT (default: in process)")
    parser.add_argument("--partition-rows", type=int, default=50_000)
    args = parser.parse_args()

    from cpe_ml.models.bundle import load_bundles
    from cpe_ml.screen import ScreenSpec, screen

    spec = ScreenSpec.from_dict(SPEC)
    bundles = load_bundles(args.models_dir)
    start = time.perf_counter()
    if args.dask:
        from cpe_ml.distributed import dask_client, screen_on_cluster

        with dask_client(args.dask) as client:
            ready = time.perf_counter()
            result = screen_on_cluster(spec, bundles, client, args.partition_rows)
    else:
        ready = start
        result = screen(spec, bundles, args.partition_rows)
    elapsed = time.perf_counter() - ready
    print(f"design space: {result.n_candidates:,} candidates ({result.n_candidates // len(spec.temperatures):,} formulations x "
          f"{len(spec.temperatures)} temperatures), {len(bundles)} targets, {'Dask ' + args.dask if args.dask else 'in process'}")
    print(f"  feasible (constraints met)   {len(result.feasible):,}")
    print(f"  on the Pareto front          {len(result.front):,} (ranked rows written: {len(result.ranked):,})")
    if args.dask:
        print(f"  cluster start                {ready - start:7.1f} s")
    print(f"  screen time                  {elapsed:7.1f} s  ->  {result.n_candidates / elapsed:,.0f} candidates/s")
    print(f"  peak memory (max RSS, this process) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
