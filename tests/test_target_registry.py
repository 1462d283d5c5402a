"""Targets are registered in one place: a new Target in TARGETS (on a schema column) trains, predicts and
prints with no other code edited, and no module outside models/targets.py branches on a target's name."""

import re
from pathlib import Path

import numpy as np
import pandas as pd

from cpe_ml import CPEModel
from cpe_ml.models import targets as targets_module
from cpe_ml.models.targets import STUMP_PARAMS, TARGETS, ConditionDefault, Target
from cpe_ml.featurizers.formulation import FORMULATION_BLOCKS
from cpe_ml.schema import CHECKED_VALUES, QUALIFIED_TARGET_COLUMNS, TARGET_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
CURATED = ROOT / "data" / "cpe_literature.csv"

#: A toy target: the oxidation limit from the formulation alone, predicted at an assumed 4.2 V cycling
#: cut-off when a candidate states none (a condition default, to exercise that path too).
TOY = Target(
    name="toy_window",
    column="voltage_window_v",
    label="oxidation voltage limit, formulation only (V vs Li/Li+)",
    unit="V",
    blocks=FORMULATION_BLOCKS,
    registered_name="cpe-toy-window",
    params=STUMP_PARAMS,
    title="toy V",
    display_unit="V at a {cutoff_voltage_v:g} V cut-off",
    condition_defaults=(ConditionDefault("cutoff_voltage_v", 4.2, "at a {:g} V cut-off"),),
    limits=("A toy: the formulation alone, no protocol.",),
)


def test_schema_derives_target_columns_checked_values_and_qualifiers():
    assert {t.column for t in TARGETS.values()} <= set(TARGET_COLUMNS)
    assert set(TARGET_COLUMNS) <= set(CHECKED_VALUES)  # every target value must be readable in its excerpt
    assert QUALIFIED_TARGET_COLUMNS == {c: f"{c}_qualifier" for c in TARGET_COLUMNS}


def test_a_target_added_in_targets_py_alone_trains_predicts_and_displays(monkeypatch):
    monkeypatch.setitem(TARGETS, TOY.name, TOY)
    rows = pd.read_csv(CURATED)
    model = CPEModel(targets=[TOY.name], folds=3, seed=0).fit(rows)
    bundle = model.bundles_[TOY.name]
    stated = rows["voltage_window_v"].notna() & rows["voltage_window_v_qualifier"].fillna("").ne("lower_bound")
    assert bundle.n_train == int(stated.sum()) and bundle.target is TOY
    assert 0.1 < model.cv_metrics_[TOY.name]["mae"] < 1.5  # V, on held-out papers
    candidates = rows.loc[rows["salt"].notna() & rows["voltage_window_v"].notna()].head(4).drop(columns=["voltage_window_v"])
    candidates = candidates.assign(cutoff_voltage_v=[np.nan, 4.5, np.nan, 4.3])
    predicted = model.predict(candidates)
    low, mid, high = (predicted[f"pred_toy_window{s}"].to_numpy() for s in ("_lo", "", "_hi"))
    assert np.all(low <= mid) and np.all(mid <= high) and np.all((mid > 2) & (mid < 8))
    # the condition default is stated on exactly the rows that omitted it, and caps them at 'medium'
    defaulted = predicted["ad_flags_toy_window"].str.contains("cutoff_voltage_v not given: predicted at a 4.2 V cut-off")
    assert defaulted.tolist() == [True, False, True, False]
    assert not predicted.loc[defaulted, "confidence_toy_window"].eq("high").any()
    assert TOY.display_column == "pred_toy_window"
    assert [TOY.unit_for(r) for _, r in candidates.iterrows()][:2] == ["V at a 4.2 V cut-off", "V at a 4.5 V cut-off"]


def test_no_module_branches_on_a_target_name():
    names = "|".join(map(re.escape, TARGETS))
    branch = re.compile(rf"""name\s*[!=]=\s*["'](?:{names})["']""")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "src").rglob("*.py") if p.name != Path(targets_module.__file__).name
                 for i, line in enumerate(p.read_text().splitlines(), 1) if branch.search(line)]
    assert offenders == []
