"""The likelihood of the four families fitted to phase durations (fit.py chooses among them): each family's
scipy.stats distribution at internal parameters (logarithms of the positive ones), the log-density, log-survival
and log-CDF terms of a sample with open incidents right-censored and durations of 0 below the clock's tick, and
their maximisation (closed forms where they exist, BFGS then Nelder–Mead otherwise; for a shift, a bounded
search over the profile likelihood).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

FAMILIES = ("lognormal", "gamma", "weibull", "exponential")
PARAMETERS = {
    "lognormal": ("median", "sigma"),
    "gamma": ("shape", "mean"),
    "weibull": ("shape", "scale"),
    "exponential": ("mean",),
}
"""Each family's parameters as the scenario format writes them (durations in minutes; sigma of ln minutes)."""


# ── Families ──────────────────────────────────────────────────────────────────────────────────────────────


def frozen(family: str, theta: np.ndarray, shift: float = 0.0):
    """The scipy.stats distribution of `family` at internal parameters `theta` (logs of positive ones), after
    a lag of `shift` minutes."""
    if family == "lognormal":
        return stats.lognorm(s=math.exp(theta[0]), scale=math.exp(theta[1]), loc=shift)
    if family == "gamma":
        return stats.gamma(a=math.exp(theta[0]), scale=math.exp(theta[1]), loc=shift)
    if family == "weibull":
        return stats.weibull_min(c=math.exp(theta[0]), scale=math.exp(theta[1]), loc=shift)
    if family == "exponential":
        return stats.expon(scale=math.exp(theta[0]), loc=shift)
    raise ValueError(f"unknown family {family!r}")


def natural(family: str, theta: np.ndarray) -> dict[str, float]:
    """Internal parameters → the scenario format's (median and sigma, shape and mean, …)."""
    if family == "lognormal":
        return {"median": math.exp(theta[1]), "sigma": math.exp(theta[0])}
    if family == "gamma":
        return {"shape": math.exp(theta[0]), "mean": math.exp(theta[0] + theta[1])}
    if family == "weibull":
        return {"shape": math.exp(theta[0]), "scale": math.exp(theta[1])}
    return {"mean": math.exp(theta[0])}


def internal(family: str, params: dict[str, float]) -> np.ndarray:
    """The scenario format's parameters → internal ones (the inverse of `natural`)."""
    if family == "lognormal":
        return np.array([math.log(params["sigma"]), math.log(params["median"])])
    if family == "gamma":
        return np.array([math.log(params["shape"]), math.log(params["mean"] / params["shape"])])
    if family == "weibull":
        return np.array([math.log(params["shape"]), math.log(params["scale"])])
    return np.array([math.log(params["mean"])])


@dataclass(frozen=True)
class _Data:
    """A sample split the way the likelihood reads it."""

    observed: np.ndarray  # closed durations above the tick
    right: np.ndarray  # censored: lasted at least this long
    below: int  # durations of 0: shorter than the tick
    tick: float


def _split(values: np.ndarray, censored: np.ndarray, tick: float, shift: float = 0.0) -> _Data:
    """The sample as the likelihood of the part after a lag of `shift` reads it."""
    closed = values[~censored] - shift
    right = values[censored] - shift
    # An incident censored at 0 (open at the very moment of the export), or before the lag is over, says
    # nothing about the phase.
    return _Data(closed[closed > 0], right[right > 0], int(np.count_nonzero(closed <= 0)), tick)


def _start(family: str, data: _Data) -> np.ndarray:
    """A starting point: the exact maximum-likelihood estimate for uncensored lognormal and exponential
    samples, moment estimates otherwise."""
    x = data.observed if len(data.observed) else np.maximum(data.right, data.tick)
    logs = np.log(x)
    spread = float(logs.std()) if len(x) > 1 and logs.std() > 0 else 1.0
    if family == "lognormal":
        return np.array([math.log(spread), float(logs.mean())])
    if family == "exponential":
        total = float(data.observed.sum() + data.right.sum()) + data.below * data.tick / 2
        return np.array([math.log(max(total / max(len(data.observed) + data.below, 1), 1e-9))])
    mean = float(x.mean())
    if family == "gamma":
        variance = float(x.var()) if len(x) > 1 and x.var() > 0 else mean**2
        shape = mean**2 / variance
        return np.array([math.log(shape), math.log(mean / shape)])
    shape = min(max(1.2 / spread, 0.05), 50.0)
    return np.array([math.log(shape), float(logs.mean()) + 0.5772 / shape])


_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def log_terms(family: str, theta: np.ndarray, x: np.ndarray, kind: str) -> np.ndarray:
    """ln f(x) ("pdf"), ln S(x) ("sf") or ln F(x) ("cdf") of `family` at internal parameters `theta`, for
    x > 0: the textbook formulas on scipy.special, the same as scipy.stats' own but without building a
    distribution object at every step of the optimiser (tests check them against scipy.stats)."""
    logx = np.log(x)
    if family == "lognormal":
        sigma, mu = math.exp(theta[0]), theta[1]
        z = (logx - mu) / sigma
        if kind == "pdf":
            return -logx - theta[0] - _HALF_LOG_2PI - z * z / 2
        return special.log_ndtr(-z if kind == "sf" else z)
    if family == "gamma":
        shape, scale = math.exp(theta[0]), math.exp(theta[1])
        if kind == "pdf":
            return (shape - 1) * logx - x / scale - special.gammaln(shape) - shape * theta[1]
        with np.errstate(divide="ignore"):
            return np.log(special.gammaincc(shape, x / scale) if kind == "sf" else special.gammainc(shape, x / scale))
    if family == "weibull":
        shape = math.exp(theta[0])
        u = np.exp(shape * (logx - theta[1]))
        if kind == "pdf":
            return theta[0] - theta[1] + (shape - 1) * (logx - theta[1]) - u
        if kind == "sf":
            return -u
        with np.errstate(divide="ignore"):
            return np.log(-np.expm1(-u))
    u = x / math.exp(theta[0])
    if kind == "pdf":
        return -theta[0] - u
    if kind == "sf":
        return -u
    with np.errstate(divide="ignore"):
        return np.log(-np.expm1(-u))


def _loglik(family: str, theta: np.ndarray, data: _Data) -> float:
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        total = float(log_terms(family, theta, data.observed, "pdf").sum())
        if len(data.right):
            total += float(log_terms(family, theta, data.right, "sf").sum())
        if data.below:
            total += data.below * float(log_terms(family, theta, np.array([data.tick]), "cdf")[0])
    return total if math.isfinite(total) else -math.inf


def _closed_form(family: str, data: _Data) -> np.ndarray | None:
    """The maximum-likelihood estimate where no optimiser is needed: no durations of 0, and nothing censored
    (or, for the exponential, right-censoring only). scipy.stats' own `fit` (its closed forms and
    one-dimensional solvers, location fixed at 0) for gamma and Weibull."""
    if data.below or len(data.observed) < 2:
        return None
    if family == "exponential":
        return np.array([math.log((data.observed.sum() + data.right.sum()) / len(data.observed))])
    if len(data.right):
        return None
    logs = np.log(data.observed)
    if family == "lognormal":
        return np.array([math.log(max(float(logs.std()), 1e-9)), float(logs.mean())])
    if float(logs.std()) == 0:
        return None
    if family == "gamma":
        shape, _, scale = stats.gamma.fit(data.observed, floc=0)
    else:
        shape, _, scale = stats.weibull_min.fit(data.observed, floc=0)
    return np.array([math.log(shape), math.log(scale)])


def _maximise(family: str, data: _Data, start: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """(internal parameters, log-likelihood) at the maximum."""
    exact = _closed_form(family, data)
    if exact is not None and np.all(np.isfinite(exact)):
        return exact, _loglik(family, exact, data)
    x0 = _start(family, data) if start is None else start

    def objective(theta):
        if np.any(np.abs(theta) > 50):
            return 1e300
        value = _loglik(family, theta, data)
        return -value if math.isfinite(value) else 1e300

    with np.errstate(all="ignore"):
        best = optimize.minimize(objective, x0, method="BFGS")
    if not best.success or not math.isfinite(best.fun) or best.fun >= 1e300:
        with np.errstate(all="ignore"):
            retry = optimize.minimize(objective, best.x if math.isfinite(best.fun) else x0, method="Nelder-Mead",
                                      options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 4000})
        if retry.fun < best.fun:
            best = retry
    return np.asarray(best.x, dtype=float), -float(best.fun)


def _safe_maximise(family: str, data: _Data, start: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """_maximise, or a log-likelihood of −∞ (the family is then not a candidate) where scipy gives up on the
    data (durations all but identical, overflow): a history never ends in a traceback."""
    import warnings

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            theta, loglik = _maximise(family, data, start)
    except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError, RuntimeError):
        return np.full(len(PARAMETERS[family]), math.nan), -math.inf
    if not np.all(np.isfinite(theta)):
        return theta, -math.inf
    return theta, loglik


def _profile_shift(family: str, values: np.ndarray, censored: np.ndarray, tick: float,
                   upper: float) -> tuple[float, np.ndarray, float]:
    """(shift, internal parameters, log-likelihood) of `family` with the shift in [0, upper] that maximises
    the likelihood (bounded one-dimensional search over the profile likelihood)."""

    def negative(shift: float) -> float:
        _, loglik = _safe_maximise(family, _split(values, censored, tick, shift))
        return -loglik if math.isfinite(loglik) else 1e300

    found = optimize.minimize_scalar(negative, bounds=(0.0, upper), method="bounded",
                                     options={"xatol": max(tick / 10, upper * 1e-4)})
    shift = float(found.x)
    theta, loglik = _safe_maximise(family, _split(values, censored, tick, shift))
    return shift, theta, loglik
