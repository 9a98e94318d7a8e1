"""Generate the golden fixture for services/stats/shapiro-wilk.ts from scipy.stats.shapiro.

Dev-only; the unit test (tests/unit/stats/shapiro-wilk.test.ts) reads the JSON this writes and
never runs Python. Needs only numpy and scipy (pinned in requirements-shapiro.txt, the same
versions as requirements.txt), so it runs without Evidently:

    python3 -m venv /tmp/vigil-golden
    /tmp/vigil-golden/bin/pip install -r scripts/golden/requirements-shapiro.txt
    /tmp/vigil-golden/bin/python scripts/golden/gen_shapiro_fixture.py

It writes tests/fixtures/stats/shapiro.json. Samples come from a seeded generator and are rounded
to 6 decimals before scipy sees them (the stored arrays are exactly scipy's inputs), and are stored
in their original order: scipy shifts the sorted sample by x[n // 2] of the unsorted one. Cases
cover every branch of AS R94 (n = 3 exact, 4-5, 6-11, >= 12), normal and non-normal shapes,
ties, a few discrete values (the shape of JBDA's minimum distances), large offsets, and p-values
from ~1 down to ~1e-60 (AS R94's smallest for n <= 1000 is ~1e-57).
"""

from __future__ import annotations

import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "stats", "shapiro.json")
SEED = 20260601


def r6(x):
    return np.round(np.asarray(x, dtype=np.float64), 6)


def case(name, x):
    x = r6(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w, p = stats.shapiro(x)
    return {"name": name, "x": [float(v) for v in x], "w": float(w), "p": float(p)}


def main():
    rng = np.random.default_rng(SEED)
    cases = [
        case("n=3 normal", rng.normal(size=3)),
        case("n=3 near-degenerate", [0.0, 0.0, 1.0]),
        case("n=3 evenly spaced", [1.0, 2.0, 3.0]),
        case("n=4 normal", rng.normal(size=4)),
        case("n=5 exponential", rng.exponential(size=5)),
        case("n=6 normal", rng.normal(size=6)),
        case("n=7 uniform", rng.uniform(size=7)),
        case("n=8 two values", [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]),
        case("n=11 lognormal", rng.lognormal(size=11)),
        case("n=12 normal", rng.normal(size=12)),
        case("constant", [2.5] * 10),
    ]
    for n in (20, 30, 50, 100, 200, 500, 1000, 2000, 5000):
        cases.append(case(f"n={n} normal", rng.normal(3.0, 2.0, size=n)))
    for n in (20, 50, 200, 1000):
        cases.append(case(f"n={n} uniform", rng.uniform(-1, 1, size=n)))
        cases.append(case(f"n={n} exponential", rng.exponential(size=n)))
        cases.append(case(f"n={n} lognormal", rng.lognormal(0.0, 1.0, size=n)))
        cases.append(case(f"n={n} student t3", rng.standard_t(3, size=n)))
        mix = np.where(rng.uniform(size=n) < 0.5, rng.normal(0, 1, size=n), rng.normal(4, 1, size=n))
        cases.append(case(f"n={n} bimodal", mix))
    for n in (30, 100, 200, 500):
        steps = 0.5 * math.sqrt(12) * rng.choice([0.0, 1.0, 2.0], size=n, p=[0.15, 0.7, 0.15])
        cases.append(case(f"n={n} discrete steps", steps + rng.normal(0, 0.01, size=n)))
        cases.append(case(f"n={n} two values", rng.choice([0.0, 1.7320508], size=n)))
    cases.append(case("n=200 large offset", 1e6 + rng.normal(size=200)))
    cases.append(case("n=200 ties (rounded normal)", np.round(rng.normal(size=200), 1)))
    cases.append(case("n=5000 exponential", rng.exponential(size=5000)))
    for n in (100, 1000):
        cases.append(case(f"n={n} one outlier", [0.0] * (n - 1) + [1.0]))
        cases.append(case(f"n={n} lognormal sigma 3", rng.lognormal(0.0, 3.0, size=n)))
    payload = {
        "generator": "scripts/golden/gen_shapiro_fixture.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
        "seed": SEED,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
