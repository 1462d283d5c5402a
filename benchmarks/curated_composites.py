"""Curated composite rows under the product's conductivity model vs the previous default, on the same folds.

Why: the default model now learns from ~15,000 public filler-free rows beside ~260 curated composite rows
(each paper's best electrolyte). This checks that the rows a user asks about (composites, fillers) do not
pay for the public data, and measures how much weight the curated rows need to keep their voice.

Protocol: paper-grouped 5-fold CV over the curated conductivity rows (seed 0). Every model is scored on the
held-out curated rows of each fold. "previous default": monotone XGBoost with temperature inputs, trained on
the curated training rows only (the model before the VTF readout). "VTF readout, curated weight w": the
product model (VTF readout, filler effect learned from within-paper contrasts of the training rows) trained
on the curated training rows plus every public row, curated rows weighted w.

Run: python benchmarks/curated_composites.py   (prints a table; ~3-5 min on 2 cores)
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from cpe_ml.chemistry.effective_medium import filler_absent
from cpe_ml.datasets.registry import PUBLIC_NAMES
from cpe_ml.evaluation.cv import cv_groups, make_splits
from cpe_ml.featurizers.formulation import FORMULATION_BLOCKS, FormulationFeaturizer
from cpe_ml.models.filler_effect import FillerEffectModel
from cpe_ml.models.interval import IntervalRegressor
from cpe_ml.models.targets import TARGETS, inverse_sqrt_count_weights
from cpe_ml.tables import as_float
from cpe_ml.training import TrainConfig, load_training_frame, training_rows

#: The conductivity target as it was before the VTF readout (commit 3c64ac8).
PREVIOUS_BLOCKS = (*FORMULATION_BLOCKS, "conditions", "glass_transition")
PREVIOUS_MONOTONE = {"conditions__temperature_k": 1, "conditions__inverse_temperature_1000_k": -1,
                     "conditions__t_minus_tg_k": 1, "conditions__vtf_inverse_t_minus_t0": -1}
CURATED_WEIGHTS = (1.0, 3.0, 10.0)


def main() -> None:
    started = time.perf_counter()
    target = TARGETS["conductivity"]
    config = TrainConfig()
    frame, _ = load_training_frame(config)
    rows = frame.loc[training_rows(target, frame, config)[0]].reset_index(drop=True)  # as train.py: no liquids
    y = target.to_model_scale(rows[target.column])
    public = rows["dataset"].isin(PUBLIC_NAMES).to_numpy()
    curated = np.flatnonzero(~public)
    filled = pd.Series(~filler_absent(rows["filler"], as_float(rows["filler_loading_wt_pct"]),
                                      as_float(rows["filler_loading_vol_pct"])))
    splits = make_splits(len(curated), cv_groups(rows.iloc[curated], "paper"), 5, 0)

    old = FormulationFeaturizer(PREVIOUS_BLOCKS, 64).fit(rows)
    X_old = old.transform(rows).astype(np.float32)
    names_old = list(old.get_feature_names_out())
    monotone = {names_old.index(f): s for f, s in PREVIOUS_MONOTONE.items()}
    polymers = rows["polymer_canonical_smiles"].to_numpy()

    preds: dict[str, np.ndarray] = {"previous default (curated only)": np.full(len(rows), np.nan)}
    preds |= {f"VTF readout, curated weight {w:g}": np.full(len(rows), np.nan) for w in CURATED_WEIGHTS}
    for fold, (train_c, test_c) in enumerate(splits):
        train, test = curated[train_c], curated[test_c]
        model = IntervalRegressor(monotone=monotone, calibration_folds=0).fit(X_old[train], y[train])
        preds["previous default (curated only)"][test] = model.predict(X_old[test])
        fit_rows = np.concatenate([train, np.flatnonzero(public)])
        effect = FillerEffectModel(all_classes=True).fit(rows.iloc[fit_rows], y[fit_rows])
        featurizer = FormulationFeaturizer(target.blocks, 64, filler_effect=effect).fit(rows.iloc[fit_rows])
        X = featurizer.transform(rows).astype(np.float32)
        names = list(featurizer.get_feature_names_out())
        for w in CURATED_WEIGHTS:
            weights = inverse_sqrt_count_weights(polymers[fit_rows]) * np.where(public[fit_rows], 1.0, w)
            vtf = target.estimator(names, calibration_folds=0).fit(X[fit_rows], y[fit_rows], sample_weight=weights)
            preds[f"VTF readout, curated weight {w:g}"][test] = vtf.predict(X[test])
        print(f"fold {fold + 1}/{len(splits)} done ({time.perf_counter() - started:.0f} s)", flush=True)

    table = []
    for name, pred in preds.items():
        error = np.abs(pred - y)
        table.append({"model": name, "curated rows MAE": np.nanmean(error[curated]),
                      "curated rows with filler MAE": np.nanmean(error[curated][filled.to_numpy()[curated]]),
                      "rows": int(np.isfinite(pred[curated]).sum()), "filler rows": int(filled.to_numpy()[curated].sum())})
    print(pd.DataFrame(table).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"paper-grouped 5-fold CV over curated conductivity rows (log10 S/cm); {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
