"""Reference Holt-Winters (statsmodels ExponentialSmoothing) for the forecast benchmark.

Reads JSON from stdin: {"series": [{"name", "values", "splits": [{"origin", "horizon"}], "history": int}]}
and prints JSON {name: [{"origin", "horizon", "mean": [...]}]}. Additive damped trend, additive weekly
season (168 h), parameters estimated by statsmodels' own optimiser; fitted on the `history` hours
before each origin.
"""
import json
import sys
import warnings

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

warnings.filterwarnings("ignore")
req = json.load(sys.stdin)
out = {}
for s in req["series"]:
    y = np.asarray(s["values"], dtype=float)
    res = []
    for sp in s["splits"]:
        o, h = sp["origin"], sp["horizon"]
        train = y[max(0, o - s["history"]):o]
        model = ExponentialSmoothing(
            train, trend="add", damped_trend=True, seasonal="add", seasonal_periods=168,
            initialization_method="estimated",
        )
        fit = model.fit(optimized=True)
        res.append({"origin": o, "horizon": h, "mean": [float(v) for v in fit.forecast(h)]})
    out[s["name"]] = res
print(json.dumps(out))
