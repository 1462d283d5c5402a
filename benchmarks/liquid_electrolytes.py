"""Do the polymer-free liquid electrolytes help the conductivity model on polymer electrolytes?

Paired folds: the polymer rows of the default training (curated + public) are split into the same
paper-grouped 5 folds for both variants; the "with liquids" variant adds to each fold's training the
Hatakeyama liquid rows of every paper not in its test fold (never scored). Everything else is the
product's conductivity model (``TARGETS['conductivity']``: VTF readout, filler offset, curated weight,
1/sqrt polymer weights), featurized on the variant's own rows as ``train.py`` does. Prints held-out
MAE (log10 S/cm) on all polymer rows, Hatakeyama's polymer rows, Bradford's, the curated rows and those
with a filler, per seed and on average.

    python benchmarks/liquid_electrolytes.py [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from cpe_ml.chemistry.effective_medium import filler_absent
from cpe_ml.consistency import is_liquid
from cpe_ml.datasets.registry import PUBLIC_NAMES
from cpe_ml.evaluation.cv import cv_groups, host_keys, make_splits
from cpe_ml.featurizers.formulation import FormulationFeaturizer
from cpe_ml.models.filler_effect import FillerEffectModel
from cpe_ml.models.targets import TARGETS
from cpe_ml.tables import as_float
from cpe_ml.training import TrainConfig, load_training_frame


def _features(target, rows: pd.DataFrame, y: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The product's featurization of ``rows`` (filler offset and featurizer fitted on them, as train_target does)."""
    effect = FillerEffectModel(all_classes=True).fit(rows, y)
    featurizer = FormulationFeaturizer(target.blocks, 64, filler_effect=effect).fit(rows)
    return featurizer.transform(rows).astype(np.float32), list(featurizer.get_feature_names_out())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated CV seeds")
    seeds = [int(s) for s in parser.parse_args().seeds.split(",")]
    started = time.perf_counter()
    target = TARGETS["conductivity"]
    frame, _ = load_training_frame(TrainConfig(with_liquid=True))
    rows = frame.loc[target.rows(frame)].reset_index(drop=True)
    y = target.to_model_scale(rows[target.column])
    liquid = is_liquid(rows).to_numpy()
    own = np.flatnonzero(~liquid)
    groups = cv_groups(rows, "paper")
    variants = {"without liquids (default)": own, "with liquids": np.arange(len(rows))}
    prepared = {}
    for name, members in variants.items():
        part = rows.iloc[members].reset_index(drop=True)
        X, names = _features(target, part, y[members])
        prepared[name] = (members, X, names, target.row_weights(part, host_keys(part).to_numpy()))

    dataset = rows["dataset"].to_numpy()
    curated = ~np.isin(dataset, PUBLIC_NAMES)
    filled = curated & ~filler_absent(rows["filler"], as_float(rows["filler_loading_wt_pct"]),
                                      as_float(rows["filler_loading_vol_pct"]))
    subsets = {"polymer rows": ~liquid, "hatakeyama polymer rows": ~liquid & (dataset == "hatakeyama2022"),
               "bradford rows": dataset == "bradford2023", "curated rows": curated, "curated with a filler": filled}
    table = []
    for seed in seeds:
        splits = make_splits(len(own), groups[own], 5, seed)
        for name, (members, X, names, weights) in prepared.items():
            position = np.full(len(rows), -1)
            position[members] = np.arange(len(members))
            pred = np.full(len(rows), np.nan)
            for train_own, test_own in splits:
                test = own[test_own]
                fit = own[train_own]
                if name != "without liquids (default)":  # liquids of papers not held out in this fold
                    fit = np.concatenate([fit, np.flatnonzero(liquid & ~np.isin(groups, np.unique(groups[test])))])
                model = target.estimator(names, calibration_folds=0, random_state=seed)
                model.fit(X[position[fit]], y[fit], groups[fit], sample_weight=weights[position[fit]])
                pred[test] = model.predict(X[position[test]])
            error = np.abs(pred - y)
            table.append({"seed": seed, "variant": name, **{k: float(np.mean(error[m])) for k, m in subsets.items()},
                          "training rows": len(members)})
            print(f"seed {seed} {name}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    result = pd.DataFrame(table)
    print(result.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("mean over seeds:")
    print(result.drop(columns="seed").groupby("variant", sort=False).mean().to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"paired paper-grouped 5-fold CV of the polymer rows (log10 S/cm); {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
