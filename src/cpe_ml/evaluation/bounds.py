"""Values stated as bounds ('>4.6 V', 'over 90 %') are checked as bounds: is the prediction on the right side?"""

from __future__ import annotations

import numpy as np


def bound_satisfaction(predicted, bound, qualifier) -> float:
    """Share of bound rows whose prediction respects the bound (>= a lower bound, <= an upper bound).

    Rows whose qualifier is neither ``lower_bound`` nor ``upper_bound`` are ignored; NaN when none is left.
    """
    predicted, bound = np.asarray(predicted, dtype=float), np.asarray(bound, dtype=float)
    qualifier = np.asarray([str(q or "").strip().lower() for q in qualifier], dtype=object)
    lower, upper = qualifier == "lower_bound", qualifier == "upper_bound"
    ok = np.where(lower, predicted >= bound, np.where(upper, predicted <= bound, False))
    counted = lower | upper
    return float(ok[counted].mean()) if counted.any() else float("nan")
