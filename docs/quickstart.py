"""cpe-ml in Python: fit, predict, score and save a model on a DataFrame (about 10 s on 2 cores).

Run from the repository:  python docs/quickstart.py

The estimator runs the same code as ``python train.py`` (validation, featurization, grouped CV against
baselines, calibrated 80 % intervals, applicability domain) but keeps everything in memory: no files,
no MLflow. It trains the oxidation voltage window here because its hundred-odd curated rows fit in seconds;
leave ``targets`` out to train every target whose column holds values.
"""

import tempfile

import pandas as pd

from cpe_ml import CPEModel
from cpe_ml.datasets import DEFAULT_DATA_PATH

# 1. Training rows: the curated literature table (one row per measured formulation, units in column names).
rows = pd.read_csv(DEFAULT_DATA_PATH)
model = CPEModel(targets=["voltage_window"], folds=3).fit(rows)
cv = model.cv_metrics_["voltage_window"]
print(f"voltage window, 3-fold CV over held-out source papers: MAE {cv['mae']:.2f} V, "
      f"80 % interval coverage {cv['interval_coverage']:.0%}")

# 2. Candidates: an ordinary DataFrame, numbers as numbers; columns a formulation does not need may be absent.
candidates = pd.DataFrame({
    "record_id": ["PEO-LLZTO", "PVDF-HFP-SN"],
    "polymer": ["PEO", "PVDF-HFP"],
    "salt": ["LiTFSI", "LiTFSI"],
    "salt_eo_li_ratio": [16, None],
    "salt_wt_pct": [None, 30.0],
    "filler": ["LLZTO", "none"],
    "filler_loading_wt_pct": [10.0, None],
    "plasticizer": [None, "SN"],
    "plasticizer_wt_pct": [None, 20.0],
    "temperature_c": [60, 25],
})
predictions = model.predict(candidates)
print(predictions[["record_id", "pred_voltage_window", "pred_voltage_window_lo", "pred_voltage_window_hi", "confidence"]]
      .to_string(index=False, float_format="{:.2f}".format))

# 3. Score (R^2, V) on rows that measured the window; in-sample here, the honest figure is the CV above.
print(f"R^2 on the training rows: {model.score(rows):.2f}")

# 4. Save as a models/ folder that `cpe-ml predict --models-dir` reads, and load it back.
with tempfile.TemporaryDirectory() as folder:
    model.save(folder)
    again = CPEModel.load(folder).predict(candidates)
    assert again["pred_voltage_window"].tolist() == predictions["pred_voltage_window"].tolist()
    print(f"saved and reloaded from {folder}: same predictions")

# Models trained by `python train.py` load the same way: CPEModel.load("models").predict(candidates)
