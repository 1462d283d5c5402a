"""Process: how the electrolyte was made, and which kind of electrolyte that made."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpe_ml.featurizers.base import Featurizer, one_hot_columns
from cpe_ml.schema import ELECTROLYTE_TYPES, PROCESS_STEPS
from cpe_ml.tables import per_distinct

#: Features of the process text (computed once per distinct process).
STEP_LABELS: tuple[str, ...] = (*(f"process_{s}" for s in PROCESS_STEPS), "process_in_situ", "process_steps")


class ProcessFeaturizer(Featurizer):
    """Process steps as a multi-hot vector plus the electrolyte type.

    Features:
        process_<step>: 1 when the step is part of the process (solution casting, hot pressing, in-situ
            thermal/UV/cationic polymerization, electrospinning, ...);
        process_in_situ: any in-situ polymerization step (conformal electrode contact);
        process_steps: number of steps stated (0 = unknown);
        type_<spe|cpe|gpe>: electrolyte type (stated or derived).

    References:
        Pan et al., Energy Environ. Sci. 2022, 15, 2753 (processing routes and interfacial contact).
    """

    input_columns = ("process", "electrolyte_type")

    def feature_labels(self) -> list[str]:
        return [*STEP_LABELS, *(f"type_{t}" for t in ELECTROLYTE_TYPES)]

    def citations(self) -> list[str]:
        return ["10.1039/d1ee03466a"]

    @staticmethod
    def _steps(key: tuple) -> np.ndarray:
        """The :data:`STEP_LABELS` of one process text."""
        steps = [s for s in str(key[0] or "").split("+") if s]
        hot = [float(s in steps) for s in PROCESS_STEPS]
        return np.array([*hot, float(any(s.startswith("in_situ") for s in steps)), len(steps)])

    def _columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        steps = per_distinct(frame, ("process",), self._steps, len(STEP_LABELS))
        return {**dict(zip(STEP_LABELS, steps.T)), **one_hot_columns("type", frame["electrolyte_type"].astype(str), ELECTROLYTE_TYPES)}
