"""Dask: predicting and screening partition by partition on a cluster gives the in-process result."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cpe_ml.cli import app
from cpe_ml.distributed import predict_on_cluster, screen_on_cluster
from cpe_ml.prediction import predict_formulations
from cpe_ml.screen import ScreenSpec, screen
from cpe_ml.validation import FormulationValidationError, read_formulations

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def candidates() -> pd.DataFrame:
    return read_formulations(EXAMPLES / "candidates.csv")


@pytest.mark.parametrize("source,options", [
    ("candidates.csv", {}),
    ("candidates.json", {}),
    ("candidates.csv", {"temperatures": [25, 60, 80]}),
])
def test_dask_prediction_equals_in_process(client, trained_models, source, options):
    frame = read_formulations(EXAMPLES / source)
    on_cluster = predict_on_cluster(frame, trained_models.bundles, client, partition_rows=4, **options)  # 5 partitions
    in_process = predict_formulations(frame, trained_models.bundles, **options)
    pd.testing.assert_frame_equal(on_cluster.predictions, in_process.predictions)


def test_dask_reports_invalid_rows_like_in_process(client, trained_models, candidates):
    bad = candidates.copy()
    bad.loc[1, "filler"] = "LLZTOO"
    bad.loc[13, "record_id"] = bad.loc[2, "record_id"]  # duplicate id in another partition
    with pytest.raises(FormulationValidationError) as on_cluster:
        predict_on_cluster(bad, trained_models.bundles, client, partition_rows=4)
    with pytest.raises(FormulationValidationError) as in_process:
        predict_formulations(bad, trained_models.bundles)
    assert str(on_cluster.value) == str(in_process.value)
    assert {(i.row, i.column) for i in on_cluster.value.report.issues} == {(2, "filler"), (14, "record_id")}
    skipped = predict_on_cluster(bad, trained_models.bundles, client, skip_invalid=True, partition_rows=4)
    reference = predict_formulations(bad, trained_models.bundles, skip_invalid=True)
    pd.testing.assert_frame_equal(skipped.predictions, reference.predictions)
    pd.testing.assert_frame_equal(skipped.skipped, reference.skipped)


def test_dask_screen_equals_in_process(client, trained_models):
    spec = ScreenSpec.from_dict({
        "space": {"polymer": ["PEO", "PAN", "PVDF-HFP"], "salt": ["LiTFSI", "LiClO4"], "salt_eo_li_ratio": [8, 16],
                  "filler": ["none", {"name": "LATP", "morphology": "particle"}], "filler_loading_wt_pct": [10, 20]},
        "temperature_c": [30, 70],
        "constraints": ["pred_voltage_window >= 4.2"],
        "maximize": ["pred_conductivity", "pred_voltage_window"],
        "top": 12,
    })
    on_cluster = screen_on_cluster(spec, trained_models.bundles, client, partition_rows=5)
    in_process = screen(spec, trained_models.bundles, partition_rows=5)
    assert len(on_cluster.feasible) > spec.top
    pd.testing.assert_frame_equal(on_cluster.feasible, in_process.feasible)
    pd.testing.assert_frame_equal(on_cluster.ranked, in_process.ranked)


def test_cli_predict_on_a_scheduler_address(client, trained_models, tmp_path):
    """``--dask tcp://HOST:PORT`` connects to a running scheduler (here the fixture's)."""
    address = client.scheduler.address
    assert address.startswith("tcp://")
    base = ["predict", str(EXAMPLES / "candidates.csv"), "--models-dir", str(trained_models.models_dir)]
    for name, extra in (("dask.csv", ["--dask", address]), ("local.csv", [])):
        done = CliRunner().invoke(app, [*base, "-o", str(tmp_path / name), *extra])
        assert done.exit_code == 0, done.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask.csv"), pd.read_csv(tmp_path / "local.csv"))
