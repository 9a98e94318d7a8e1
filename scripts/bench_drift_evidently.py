"""Times Evidently's DataDriftPreset on two CSV files, for scripts/bench-drift.ts (dev-only).

Usage: bench_drift_evidently.py REFERENCE.csv CURRENT.csv
Prints one JSON object on stdout:
  {"evidently": version, "loadSeconds": s, "reportSeconds": s, "totalSeconds": s,
   "columns": {name: {"drifted": bool, "score": float, "method": str, "threshold": float}},
   "dataset": {"driftedCount": n, "driftedShare": x}}
reportSeconds covers only Report.run (the drift computation); totalSeconds adds pandas' CSV load.
Imports are outside both timings, as they are a one-off cost of the Python process.
Needs the pinned packages of scripts/golden/requirements.txt (evidently 0.7.23, pandas 2.3.3).
"""
from __future__ import annotations

import json
import math
import sys
import time
import warnings

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
import evidently


def finite(x):
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: bench_drift_evidently.py REFERENCE.csv CURRENT.csv")
    ref_path, cur_path = sys.argv[1], sys.argv[2]
    warnings.simplefilter("ignore")

    t0 = time.perf_counter()
    reference = pd.read_csv(ref_path)
    current = pd.read_csv(cur_path)
    t1 = time.perf_counter()
    # include_tests: each column's ValueDrift then carries Evidently's own drift decision
    # (status FAIL = drift), so the verdicts are Evidently's, not recomputed here.
    snapshot = Report([DataDriftPreset()], include_tests=True).run(reference_data=reference, current_data=current)
    t2 = time.perf_counter()

    result = snapshot.dict()
    columns: dict[str, dict] = {}
    for metric in result["metrics"]:
        config = metric["config"]
        if config.get("type") != "evidently:metric_v2:ValueDrift":
            continue
        columns[config["column"]] = {
            "score": finite(metric["value"]),
            "method": config.get("method"),
            "threshold": finite(config.get("threshold")),
        }
    for test in result["tests"]:
        params = test.get("metric_config", {}).get("params", {})
        if params.get("type") != "evidently:metric_v2:ValueDrift":
            continue
        columns[params["column"]]["drifted"] = test["status"] == "FAIL"
    drifted = sum(1 for c in columns.values() if c.get("drifted"))
    json.dump(
        {
            "evidently": evidently.__version__,
            "pandas": pd.__version__,
            "loadSeconds": t1 - t0,
            "reportSeconds": t2 - t1,
            "totalSeconds": t2 - t0,
            "columns": columns,
            "dataset": {"driftedCount": drifted, "driftedShare": drifted / len(columns) if columns else 0},
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
