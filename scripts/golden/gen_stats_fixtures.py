"""Generate golden fixtures for services/stats from scipy / numpy / Evidently.

Dev-only; the unit tests read the JSON this writes and never run Python.

How to run (from the repository root):

    python3 -m venv /tmp/vigil-golden
    /tmp/vigil-golden/bin/pip install -r scripts/golden/requirements.txt
    /tmp/vigil-golden/bin/python scripts/golden/gen_stats_fixtures.py

It writes tests/fixtures/stats/*.json. Every sample is drawn from a seeded generator and rounded to
6 decimals *before* the reference values are computed, so the stored arrays are exactly the inputs
scipy/Evidently saw and the files stay small. Re-running with the pinned versions reproduces the
files byte for byte.

Reference values come from scipy itself (ks_2samp, kstwo, chi2, wasserstein_distance,
jensenshannon) and from Evidently's own stattest functions (psi, jensenshannon, chisquare, z,
wasserstein norm, default method choice); the `referenceDeciles` PSI, which is Vigil's own
binning, is computed here with numpy as specified in services/stats/binning.ts.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings

# Evidently iterates Python sets of category values, whose order (and so the last bits of its sums)
# depends on string hashing: pin the hash seed so that the output is byte-for-byte reproducible.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

from evidently.legacy.calculations.stattests import registry as ev_registry
from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test
from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
from evidently.legacy.calculations.stattests.z_stattest import _z_stat_test
from evidently.legacy.core import ColumnType
import evidently

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "stats")
SEED = 20240601


def r6(x):
    """Round to 6 decimals; the rounded array is the stored and the tested input."""
    return np.round(np.asarray(x, dtype=np.float64), 6)


def num(x):
    """JSON-safe float: non-finite values as strings the TS side parses back."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def arr(a):
    return [float(v) for v in a]


def dump(name, payload):
    payload = {
        "generator": "scripts/golden/gen_stats_fixtures.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "evidently": evidently.__version__},
        "seed": SEED,
        **payload,
    }
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def ks_case(name, a, b):
    a = r6(a)
    b = r6(b)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.ks_2samp(a, b)
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    method = "exact" if max(len(a), len(b)) <= 10000 and not fell_back else "asymptotic"
    return {
        "name": name,
        "a": arr(a),
        "b": arr(b),
        "statistic": num(res.statistic),
        "pValue": num(res.pvalue),
        "method": method,
    }


def gen_ks(rng):
    cases = []
    # Tiny samples, equal and unequal sizes.
    for n1, n2 in [(1, 1), (1, 2), (2, 3), (3, 3), (4, 7), (5, 5), (6, 9), (8, 3), (9, 9)]:
        cases.append(ks_case(f"tiny_{n1}x{n2}", rng.normal(size=n1), rng.normal(0.7, 1, size=n2)))
    # Ties / discrete data.
    cases.append(ks_case("ties_poisson_30x45", rng.poisson(3, 30), rng.poisson(3.5, 45)))
    cases.append(ks_case("ties_binary_200x150", rng.integers(0, 2, 200), rng.integers(0, 2, 150)))
    cases.append(ks_case("ties_identical", np.array([1, 2, 2, 3, 5.0]), np.array([1, 2, 2, 3, 5.0])))
    cases.append(ks_case("ties_disjoint", np.array([1, 2, 3.0]), np.array([4, 5, 6, 7.0])))
    cases.append(ks_case("ties_integers_1000x900", rng.integers(0, 12, 1000), rng.integers(0, 13, 900)))
    # Heavy tails.
    cases.append(ks_case("cauchy_50x60", rng.standard_cauchy(50), rng.standard_cauchy(60)))
    cases.append(ks_case("cauchy_500x700_shift", rng.standard_cauchy(500), rng.standard_cauchy(700) + 0.5))
    # Medium sizes across p-value ranges (exact, unequal sizes: Viehmann recursion).
    for n1, n2, shift in [(20, 30, 0.3), (100, 80, 0.0), (100, 80, 0.6), (250, 250, 0.2),
                          (300, 700, 0.1), (1000, 999, 0.05), (2000, 3000, 0.15), (5000, 3500, 0.02)]:
        cases.append(ks_case(f"normal_{n1}x{n2}_shift{shift}", rng.normal(size=n1), rng.normal(shift, 1, size=n2)))
    cases.append(ks_case("far_apart_40x60", rng.normal(size=40), rng.normal(3, 1, size=60)))
    cases.append(ks_case("scale_change_400x400", rng.normal(size=400), rng.normal(0, 1.5, size=400)))
    # The exact/asymptotic switch at max(n, m) = 10000.
    cases.append(ks_case("switch_10000x10000_exact", rng.normal(size=10000), rng.normal(0.03, 1, size=10000)))
    cases.append(ks_case("switch_10000x9999_exact", rng.normal(size=10000), rng.normal(0.02, 1, size=9999)))
    cases.append(ks_case("switch_10001x9000_asymp", rng.normal(size=10001), rng.normal(0.05, 1, size=9000)))
    cases.append(ks_case("switch_10001x10001_asymp_null", rng.normal(size=10001), rng.normal(size=10001)))
    cases.append(ks_case("asymp_10001x60", rng.normal(size=10001), rng.normal(0.4, 1, size=60)))
    cases.append(ks_case("asymp_12000x4", rng.normal(size=12000), rng.normal(0.2, 1, size=4)))
    return cases


def gen_kstwo():
    """kstwo.sf on a grid that visits every branch of _kolmogn (including 2*smirnov)."""
    out = []
    for n in [1, 2, 3, 5, 10, 25, 60, 100, 140, 141, 500, 1000, 4737, 5000, 10000, 50000, 100000, 100001, 400000]:
        for t in [0.3, 0.6, 0.9, 1.2, 2.0]:  # t = n*x in the Ruben-Gambino / low ranges
            x = t / n
            if x < 1:
                out.append({"n": n, "x": num(x), "sf": num(stats.kstwo.sf(x, n))})
        # 2*smirnov costs O(n) terms, so the largest n get fewer points in that range (z >= 1.49).
        zs = [0.05, 0.3, 0.5, 0.7, 0.85, 1.0, 1.2, 1.4, 1.6, 1.9, 2.2, 2.6, 3.0, 4.0, 5.0, 8.0]
        if n >= 100000:
            zs = [0.05, 0.3, 0.5, 0.7, 0.85, 1.0, 1.2, 1.4, 1.6, 3.0]
        for z in zs:
            x = z / math.sqrt(n)  # n*x^2 = z^2 sweeps the DMTW / Pomeranz / PelzGood / smirnov cut-offs
            if 0 < x < 1:
                out.append({"n": n, "x": num(x), "sf": num(stats.kstwo.sf(x, n))})
        for x in [0.45, 0.5, 0.55, 0.8, 0.99]:
            out.append({"n": n, "x": num(x), "sf": num(stats.kstwo.sf(x, n))})
    return out


def gen_chi2():
    out = []
    for df in [1, 2, 3, 4, 5, 7, 10, 19, 30, 99, 500, 999, 5000]:
        for x in [1e-3, 0.5, 1, 2, df * 0.5, df * 0.9, df, df * 1.1, df * 1.5, df * 2, df * 4, df + 60, 3 * df + 300]:
            out.append({"x": num(x), "df": df, "sf": num(stats.chi2.sf(x, df))})
    return out


def categories(rng, n, probs, labels):
    return list(rng.choice(labels, size=n, p=probs))


def gen_chisquare(rng):
    cases = []
    labels = ["a", "b", "c", "d", "e"]

    def case(name, ref, cur):
        ref_s, cur_s = pd.Series(ref), pd.Series(cur)
        # Evidently's computation spelled out, to get the statistic as well as its p-value.
        keys = sorted(set(ref_s.dropna().unique()) | set(cur_s.dropna().unique()), key=str)
        rc = {**dict.fromkeys(keys, 0), **dict(ref_s.value_counts())}
        cc = {**dict.fromkeys(keys, 0), **dict(cur_s.value_counts())}
        k_norm = cur_s.shape[0] / ref_s.shape[0]
        with np.errstate(divide="ignore"):
            res = stats.chisquare([cc[k] for k in keys], [rc[k] * k_norm for k in keys])
        ev_p, ev_drift = _chi_stat_test(ref_s, cur_s, ColumnType.Categorical, 0.05)
        # Evidently iterates a Python set, so only the summation order (last bits) may differ.
        assert (np.isnan(ev_p) and np.isnan(res.pvalue)) or math.isclose(ev_p, res.pvalue, rel_tol=1e-12, abs_tol=1e-300), (
            name, ev_p, res.pvalue)
        cases.append({
            "name": name, "reference": [str(v) if not isinstance(v, (int, float)) else v for v in ref],
            "current": [str(v) if not isinstance(v, (int, float)) else v for v in cur],
            "statistic": num(res.statistic), "pValue": num(res.pvalue), "drifted": bool(ev_drift),
        })

    case("same_shares", categories(rng, 300, [0.2] * 5, labels), categories(rng, 200, [0.2] * 5, labels))
    case("shifted_shares", categories(rng, 500, [0.4, 0.3, 0.1, 0.1, 0.1], labels),
         categories(rng, 400, [0.2, 0.2, 0.2, 0.2, 0.2], labels))
    case("small", ["x", "y", "y", "z"], ["x", "x", "y", "z", "z", "z"])
    case("new_category_in_current", ["a", "b", "b", "a"], ["a", "b", "c"])
    case("category_gone_in_current", ["a", "b", "c", "c", "b"], ["a", "a", "b"])
    case("large_tiny_p", categories(rng, 5000, [0.5, 0.3, 0.1, 0.05, 0.05], labels),
         categories(rng, 5000, [0.3, 0.3, 0.2, 0.1, 0.1], labels))
    case("many_categories", [f"c{v}" for v in rng.integers(0, 40, 2000)], [f"c{v}" for v in rng.integers(0, 40, 1500)])
    case("numeric_values", [float(v) for v in rng.integers(0, 4, 300)], [float(v) for v in rng.integers(0, 4, 250)])
    return cases


def gen_ztest(rng):
    cases = []

    def case(name, ref, cur):
        ref_s, cur_s = pd.Series(ref), pd.Series(cur)
        p, drifted = _z_stat_test(ref_s, cur_s, ColumnType.Categorical, 0.05)
        cases.append({"name": name, "reference": ref, "current": cur, "pValue": num(p), "drifted": bool(drifted)})

    case("balanced", [int(v) for v in rng.integers(0, 2, 400)], [int(v) for v in rng.integers(0, 2, 300)])
    case("shifted", [int(v) for v in (rng.random(800) < 0.3)], [int(v) for v in (rng.random(600) < 0.4)])
    case("strings", list(rng.choice(["yes", "no"], 120)), list(rng.choice(["yes", "no"], 90, p=[0.7, 0.3])))
    case("same_constant", ["a"] * 10, ["a"] * 7)
    case("different_constants", ["a"] * 10, ["b"] * 7)
    case("strong_shift", [int(v) for v in (rng.random(3000) < 0.2)], [int(v) for v in (rng.random(3000) < 0.3)])
    return cases


def deciles_psi(ref, cur):
    """Vigil's referenceDeciles PSI, as documented in services/stats/binning.ts."""
    edges = np.quantile(ref, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    rc = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=10)
    cc = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=10)
    rp = rc / rc.sum()
    cp = cc / cc.sum()
    rp = np.where(rc == 0, 0.0001, rp)
    cp = np.where(cc == 0, 0.0001, cp)
    return edges, rc, cc, float(np.sum((rp - cp) * np.log(rp / cp)))


def numeric_samples(rng):
    yield "normal_same", rng.normal(size=600), rng.normal(size=500)
    yield "normal_shift", rng.normal(size=2000), rng.normal(0.3, 1, size=1500)
    yield "normal_scale", rng.normal(size=1200), rng.normal(0, 2, size=1300)
    yield "tiny", rng.normal(size=7), rng.normal(1, 1, size=5)
    yield "cauchy", rng.standard_cauchy(800), rng.standard_cauchy(900)
    yield "lognormal_shift", rng.lognormal(0, 1, 3000), rng.lognormal(0.2, 1, 2500)
    yield "discrete_10_values", rng.integers(0, 10, 1500).astype(float), rng.integers(0, 11, 1200).astype(float)
    yield "discrete_30_values", rng.integers(0, 30, 1500).astype(float), rng.integers(2, 32, 1200).astype(float)
    yield "current_outside_reference", rng.uniform(0, 1, 400), rng.uniform(2, 3, 300)
    yield "constant_reference", np.full(50, 2.5), rng.normal(2.5, 0.1, 60)
    yield "n_1024", rng.normal(size=1024), rng.normal(size=1000)


def gen_numeric(rng):
    """Wasserstein, both PSIs and JS for numeric columns."""
    cases = []
    for name, ref, cur in numeric_samples(rng):
        ref, cur = r6(ref), r6(cur)
        rs, cs = pd.Series(ref), pd.Series(cur)
        w = stats.wasserstein_distance(ref, cur)
        wn, _ = _wasserstein_distance_norm(rs, cs, ColumnType.Numerical, 0.1)
        edges, rc, cc, psi_dec = deciles_psi(ref, cur)
        psi_ev, _ = _psi(rs, cs, ColumnType.Numerical, 0.1)
        js_ev, _ = _jensenshannon(rs, cs, ColumnType.Numerical, 0.1)
        cases.append({
            "name": name, "reference": arr(ref), "current": arr(cur),
            "wasserstein": num(w), "wassersteinNormalized": num(wn),
            "decileEdges": arr(edges), "decileReferenceCounts": [int(v) for v in rc],
            "decileCurrentCounts": [int(v) for v in cc], "psiReferenceDeciles": num(psi_dec),
            "sturgesEdges": arr(np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")),
            "psiEvidently": num(psi_ev), "jensenShannonEvidently": num(js_ev),
        })
    return cases


def gen_categorical_distances(rng):
    cases = []
    labels = ["red", "green", "blue", "black"]
    samples = [
        ("same", categories(rng, 500, [0.25] * 4, labels), categories(rng, 400, [0.25] * 4, labels)),
        ("shift", categories(rng, 800, [0.5, 0.3, 0.1, 0.1], labels), categories(rng, 700, [0.2, 0.2, 0.3, 0.3], labels)),
        ("new_in_current", ["a", "b", "a", "a"], ["a", "b", "c", "c", "c"]),
        ("missing_in_current", ["a", "b", "c", "a", "b", "c"], ["a", "a", "b"]),
    ]
    for name, ref, cur in samples:
        rs, cs = pd.Series(ref), pd.Series(cur)
        psi_ev, _ = _psi(rs, cs, ColumnType.Categorical, 0.1)
        js_ev, _ = _jensenshannon(rs, cs, ColumnType.Categorical, 0.1)
        cases.append({"name": name, "reference": [str(v) for v in ref], "current": [str(v) for v in cur],
                      "psiEvidently": num(psi_ev), "jensenShannonEvidently": num(js_ev)})
    return cases


def gen_js_vectors(rng):
    out = []
    for p, q in [([1, 0], [0, 1]), ([0.5, 0.5], [0.5, 0.5]), ([1, 2, 3], [3, 2, 1]), ([0.2, 0.3, 0.5, 0], [0.1, 0.1, 0.1, 0.7])]:
        out.append({"p": p, "q": q, "distance": num(distance.jensenshannon(p, q))})
    for _ in range(5):
        k = int(rng.integers(2, 40))
        p = r6(rng.random(k))
        q = r6(rng.random(k))
        out.append({"p": arr(p), "q": arr(q), "distance": num(distance.jensenshannon(p, q))})
    return out


EV_METHOD = {"ks": "ks", "chisquare": "chiSquare", "z": "z", "wasserstein": "wasserstein", "jensenshannon": "jensenShannon"}


def gen_verdicts(rng):
    """Evidently's default method choice and outcome, end to end."""
    out = []

    def case(name, kind, ref, cur):
        ctype = ColumnType.Numerical if kind == "numeric" else ColumnType.Categorical
        rs, cs = pd.Series(ref), pd.Series(cur)
        st = ev_registry.get_stattest(rs, cs, ctype, None)
        res = st(rs, cs, ctype, None)
        out.append({"name": name, "kind": kind, "reference": ref, "current": cur,
                    "method": EV_METHOD[st.name], "score": num(res.drift_score),
                    "threshold": num(res.actual_threshold), "drifted": bool(res.drifted)})

    case("small_numeric_ks", "numeric", arr(r6(rng.normal(size=300))), arr(r6(rng.normal(0.3, 1, size=200))))
    case("small_numeric_ks_nodrift", "numeric", arr(r6(rng.normal(size=300))), arr(r6(rng.normal(size=200))))
    case("small_numeric_4_values_chi", "numeric", [float(v) for v in rng.integers(0, 4, 500)], [float(v) for v in rng.integers(0, 4, 300)])
    case("small_numeric_binary_z", "numeric", [float(v) for v in rng.integers(0, 2, 500)], [float(v) for v in (rng.random(300) < 0.7)])
    case("small_categorical_chi", "categorical", categories(rng, 600, [0.5, 0.3, 0.2], ["a", "b", "c"]), categories(rng, 400, [0.3, 0.3, 0.4], ["a", "b", "c"]))
    case("small_categorical_z", "categorical", categories(rng, 600, [0.5, 0.5], ["a", "b"]), categories(rng, 400, [0.5, 0.5], ["a", "b"]))
    case("large_numeric_wasserstein", "numeric", arr(r6(rng.normal(size=3000))), arr(r6(rng.normal(0.15, 1, size=2000))))
    case("large_numeric_wasserstein_nodrift", "numeric", arr(r6(rng.normal(size=3000))), arr(r6(rng.normal(0.02, 1, size=2000))))
    case("large_numeric_3_values_js", "numeric", [float(v) for v in rng.integers(0, 3, 2000)], [float(v) for v in rng.integers(0, 3, 1000)])
    case("large_categorical_js", "categorical", categories(rng, 2000, [0.6, 0.2, 0.2], ["a", "b", "c"]), categories(rng, 1500, [0.2, 0.2, 0.6], ["a", "b", "c"]))
    case("boundary_1000_rows_ks", "numeric", arr(r6(rng.normal(size=1000))), arr(r6(rng.normal(size=800))))
    case("boundary_1001_rows_wasserstein", "numeric", arr(r6(rng.normal(size=1001))), arr(r6(rng.normal(size=800))))
    for c in out:
        c["reference"] = [str(v) if isinstance(v, (str, np.str_)) else float(v) for v in c["reference"]]
        c["current"] = [str(v) if isinstance(v, (str, np.str_)) else float(v) for v in c["current"]]
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    dump("ks.json", {"cases": gen_ks(rng)})
    dump("kstwo.json", {"cases": gen_kstwo()})
    dump("chi2.json", {"cases": gen_chi2()})
    dump("chisquare.json", {"cases": gen_chisquare(rng)})
    dump("ztest.json", {"cases": gen_ztest(rng)})
    dump("numeric_distances.json", {"cases": gen_numeric(rng)})
    dump("categorical_distances.json", {"cases": gen_categorical_distances(rng)})
    dump("jensenshannon.json", {"cases": gen_js_vectors(rng)})
    dump("verdicts.json", {"cases": gen_verdicts(rng)})


if __name__ == "__main__":
    main()
