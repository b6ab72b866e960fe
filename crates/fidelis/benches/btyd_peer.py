"""The peer of `fidelis bench btyd`: lifetimes 0.11.3 fits and a pandas groupby summary, timed on the
files the benchmark wrote. Prints one JSON object; only the model fits and the groupby are timed,
not the reading of the CSV files (the Rust side is timed the same way)."""

import argparse
import json
import sys
import time

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter


def timed(f):
    start = time.perf_counter()
    result = f()
    return result, time.perf_counter() - start


def summary(log, end):
    """frequency, recency, T (weeks) and monetary value per customer, as lifetimes defines them:
    purchases are first summed per customer and day."""
    d = log[log.day <= end]
    daily = d.groupby(["customer", "day"], as_index=False)["amount"].sum()
    agg = daily.groupby("customer").agg(
        first_day=("day", "min"),
        last_day=("day", "max"),
        days=("day", "size"),
        total=("amount", "sum"),
        first_amount=("amount", "first"),
    )
    frequency = agg.days - 1
    return pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (agg.last_day - agg.first_day) / 7.0,
            "T": (end - agg.first_day) / 7.0,
            "monetary_value": np.where(
                frequency > 0, (agg.total - agg.first_amount) / frequency.clip(lower=1), 0.0
            ),
        }
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bgnbd")
    p.add_argument("--pnbd")
    p.add_argument("--log")
    p.add_argument("--calibration-end", type=int)
    a = p.parse_args()
    out = {
        "python": sys.version.split()[0],
        "lifetimes": lifetimes.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }
    if a.bgnbd:
        d = pd.read_csv(a.bgnbd)
        m, s = timed(lambda: BetaGeoFitter().fit(d.frequency, d.recency, d["T"]))
        out["bgnbd"] = {"seconds": s, "params": {k: float(v) for k, v in m.params_.items()}}
        r = d[d.frequency > 0]
        m, s = timed(lambda: GammaGammaFitter().fit(r.frequency, r.monetary_value))
        out["gamma_gamma"] = {"seconds": s, "params": {k: float(v) for k, v in m.params_.items()}}
    if a.pnbd:
        d = pd.read_csv(a.pnbd)
        m, s = timed(lambda: ParetoNBDFitter().fit(d.frequency, d.recency, d["T"]))
        out["pareto_nbd"] = {"seconds": s, "params": {k: float(v) for k, v in m.params_.items()}}
    if a.log:
        log = pd.read_csv(a.log, dtype={"customer": np.int64, "day": np.int64, "amount": np.int64})
        result, s = timed(lambda: summary(log, a.calibration_end))
        out["summary"] = {"seconds": s, "customers": int(len(result))}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
