"""Small synthetic answers frames in the documented tidy layout, and the hypothesis
settings: no per-example deadline, since CI's two cores are shared with other work and a
slow example is not a failure of the property."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

settings.register_profile("score-impact", deadline=None, print_blob=True)
settings.load_profile("score-impact")

ITEMS = [
    # item_id, construct, item_type, reverse
    ("voice_1", "voice", "likert", False),
    ("voice_2", "voice", "likert", False),
    ("voice_3", "voice", "likert", True),
    ("safety_1", "safety", "likert", False),
    ("safety_2", "safety", "likert", False),
    ("safety_3", "safety", "likert", False),
    ("eit_exists", None, "yes_no", False),
]


def make_answers(
    n_enterprises: int = 4,
    workers: int = 20,
    matched: int = 15,
    seed: int = 0,
    shift: float = 0.5,
    treated_share: float = 1.0,
) -> pd.DataFrame:
    """Two phases; ``matched`` workers per enterprise share a pair_id across phases."""
    rng = np.random.default_rng(seed)
    rows = []
    rid = 0
    for e in range(n_enterprises):
        treated = e < round(n_enterprises * treated_share)
        for w in range(workers):
            base = rng.normal(3, 0.7)
            for order, phase in enumerate(("baseline", "follow_up")):
                rid += 1
                level = base + (shift if (order and treated) else 0) + rng.normal(0, 0.3)
                for item_id, construct, kind, reverse in ITEMS:
                    if kind == "likert":
                        raw = float(np.clip(np.rint(level + rng.normal(0, 0.6)), 1, 5))
                        value = 6 - raw if reverse else raw
                        lo, hi = 1, 5
                    else:
                        value = float(rng.random() < (0.3 + 0.3 * order * treated))
                        lo, hi = 0, 1
                    rows.append(
                        {
                            "response_id": rid,
                            "round_id": 10 * e + order,
                            "phase": phase,
                            "phase_order": order,
                            "enterprise_id": e,
                            "enterprise": f"Factory {e}",
                            "cohort_id": e // 2,
                            "cohort": f"Cohort {e // 2}",
                            "module": "workplace_cooperation",
                            "treated": treated,
                            "audience": "worker",
                            "pair_id": f"code{w}" if w < matched else None,
                            "source": "tablet",
                            "demo_tenure": ("<1y", "1-3y", ">3y")[w % 3],
                            "item_id": item_id,
                            "construct": construct,
                            "item_type": kind,
                            "reverse": reverse,
                            "scale_min": lo,
                            "scale_max": hi,
                            "value": value,
                        }
                    )
    return pd.DataFrame(rows)


@pytest.fixture
def answers() -> pd.DataFrame:
    return make_answers()


@pytest.fixture
def enterprise_brands() -> pd.DataFrame:
    return pd.DataFrame({"enterprise_id": [0, 1, 1, 2, 3], "brand": ["A", "A", "B", "B", "B"]})
