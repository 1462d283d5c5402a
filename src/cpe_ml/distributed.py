"""Predict and screen on a Dask cluster, partition by partition, with the same result as in process.

The model bundles are scattered to every worker once (``client.scatter(..., broadcast=True)``); each
partition then runs the in-process code (:func:`cpe_ml.prediction.predict_formulations`,
:func:`cpe_ml.screen.feasible_candidates`) through ``map_partitions``. Validation of a candidate
table is done once on the client so that the report (row numbers, duplicate ids across partitions) is
exactly the in-process one; invalid rows never leave the client.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from cpe_ml import screen as screening
from cpe_ml.models.bundle import ModelBundle
from cpe_ml.prediction import PredictionResult, needs_temperature, predict_formulations, validate_candidates

DEFAULT_PARTITION_ROWS = 100_000


@contextlib.contextmanager
def dask_client(address: str, n_workers: int = 2) -> Iterator:
    """A client for ``address``: ``local`` starts a LocalCluster of ``n_workers`` single-threaded
    processes (closed on exit); anything else (``tcp://host:8786``) connects to a running scheduler."""
    from distributed import Client, LocalCluster

    if address == "local":
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
    else:
        with Client(address) as client:
            yield client


def _predict_partition(part: pd.DataFrame, bundles: dict[str, ModelBundle], temperatures: Sequence[float] | None, explain: bool) -> pd.DataFrame:
    return predict_formulations(part, bundles, temperatures=temperatures, explain=explain).predictions


def predict_on_cluster(
    frame: pd.DataFrame,
    bundles: dict[str, ModelBundle],
    client,
    temperatures: Sequence[float] | None = None,
    skip_invalid: bool = False,
    explain: bool = True,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
) -> PredictionResult:
    """:func:`~cpe_ml.prediction.predict_formulations` with the prediction spread over ``client``'s workers."""
    import dask
    import dask.dataframe as dd

    raw = frame.reset_index(drop=True)
    report = validate_candidates(raw, temperatures, skip_invalid, needs_temperature(bundles)).report  # raises like the in-process call
    kept = raw.drop(index=np.asarray(report.skipped_rows, dtype=int) - 1).reset_index(drop=True)
    sample = predict_formulations(kept.head(1), bundles, temperatures, explain=explain)
    if not len(kept):
        return PredictionResult(sample.inputs, sample.distinct, sample.rows, report)
    shared = client.scatter([bundles], broadcast=True)[0]
    with dask.config.set({"dataframe.convert-string": False}):  # hand the workers the caller's exact columns
        parts = dd.from_pandas(kept, npartitions=-(-len(kept) // partition_rows), sort=False)
        predictions = parts.map_partitions(_predict_partition, shared, temperatures, explain, meta=sample.predictions.iloc[:0],
                                           enforce_metadata=False, align_dataframes=False).compute()
    predictions = predictions.reset_index(drop=True)
    n_inputs = len(sample.inputs.columns)
    return PredictionResult(predictions.iloc[:, :n_inputs], predictions.iloc[:, n_inputs:], np.arange(len(predictions)), report)


def screen_on_cluster(
    spec: screening.ScreenSpec,
    bundles: dict[str, ModelBundle],
    client,
    partition_rows: int = 50_000,
) -> screening.ScreenResult:
    """:func:`~cpe_ml.screen.screen` with the space enumerated and predicted on ``client``'s workers.

    Each worker builds its own slice of the design space (nothing but the spec is sent), predicts it
    and returns only the feasible rows; ranking happens on the client, as in process.
    """
    import dask
    import dask.dataframe as dd

    empty = screening.prepare(spec, bundles)
    shared = client.scatter([bundles], broadcast=True)[0]
    ranges = screening.partitions(spec, partition_rows)
    with dask.config.set({"dataframe.convert-string": False}):
        design = dd.from_map(_design_partition, ranges, spec=spec, meta=screening.design_frame(spec, 0, 0), enforce_metadata=False)
        feasible = design.map_partitions(screening.feasible_candidates, shared, spec, meta=empty, enforce_metadata=False,
                                         align_dataframes=False).compute()
    return screening.finish(empty, [feasible.reset_index(drop=True)], spec, bundles)


def _design_partition(bounds: tuple[int, int], spec: screening.ScreenSpec) -> pd.DataFrame:
    return screening.design_frame(spec, *bounds)
