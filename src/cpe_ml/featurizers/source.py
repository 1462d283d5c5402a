"""Where a training row comes from, so that a source's systematic offset is not learned as chemistry."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.featurizers.base import Featurizer

#: ``dataset`` name of the embedded curated table (abstracts report each paper's best electrolyte).
CURATED_DATASET = "cpe_literature"


class SourceFeaturizer(Featurizer):
    """Best-of-paper flag: 1 for rows of the embedded curated table, 0 for everything else.

    Why: the curated rows are each paper's best composite as its abstract states it, while the public
    tables (and a lab's own rows) list ordinary measurements. Without this flag the trees put that
    selection offset on whatever distinguishes the curated rows (a stated process, a filler, missing Mw).
    Candidates have no ``dataset``, so they are predicted as ordinary measurements (flag 0): the offset
    is learned, and then left out of every prediction.

    Features:
        curated_best_of_paper: 1 for a row of the embedded curated table.

    References:
        The source is treated as a batch effect, estimated jointly and removed from predictions, as in
        Johnson, Li, Rabinovic, Biostatistics 2007, 8, 118 (doi:10.1093/biostatistics/kxj037).
    """

    optional_columns = ("dataset",)

    def feature_labels(self) -> list[str]:
        return ["curated_best_of_paper"]

    def citations(self) -> list[str]:
        return ["10.1093/biostatistics/kxj037"]

    def _featurize(self, frame: pd.DataFrame) -> np.ndarray:
        if "dataset" not in frame:
            return np.zeros((len(frame), 1))
        return frame["dataset"].astype(str).eq(CURATED_DATASET).to_numpy(dtype=float)[:, None]
