"""Make metric documents JSON-safe (NaN/inf -> null, numpy scalars -> Python, dates -> ISO)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import numpy as np


def to_jsonable(obj: Any) -> Any:
    """Recursively convert ``obj`` into plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    return obj


def dumps(obj: Any) -> str:
    """Strict JSON (no NaN) with sorted keys and indentation."""
    return json.dumps(to_jsonable(obj), indent=2, sort_keys=True, allow_nan=False)
