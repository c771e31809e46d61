"""Distributions fitted to observed durations, with open incidents as right-censored observations.

For one sample (a phase's durations, some censored), each family (lognormal, gamma, Weibull, exponential)
is fitted by maximum likelihood: observed durations contribute their density, censored ones their survival
function (the phase lasted at least that long), and durations of 0 the probability of lasting less than
the clock's tick. The likelihood is scipy.stats' log-density, log-survival and log-CDF, maximised with
scipy.optimize over the logarithms of the parameters. The family with the lowest AIC (2k − 2 ln L) is chosen.

Goodness of fit is the Kolmogorov–Smirnov distance between the Kaplan–Meier estimate (the ECDF when nothing
is censored; scipy.stats.ecdf) and the fitted distribution function. Its p-value, and the 95% intervals of the
parameters, come from one parametric bootstrap: `bootstrap` samples drawn from the fit, each censored where
its incident was (at the time of the export) and refitted, so that the p-value accounts for the parameters
having been estimated from the same data (as Lilliefors' test does), and the intervals for the censoring. The
intervals are the basic (reflected) bootstrap intervals on the log scale, which keep a small sample's bias of
a shape or a sigma from shifting the interval further the same way (as percentile intervals do).

A phase with a fixed lag before its random part (nobody acknowledges in under three minutes, then some wait
longer) is also fitted with a shift (a location parameter): each family is refitted to the durations minus a
shift, the shift chosen by profile likelihood between 0 and the shortest duration less the gap to the next one
(never right at the shortest, where the likelihood of a shape below 1 grows without bound). The shifted fit
counts one parameter more in its AIC, and is chosen only when its AIC is SHIFT_EVIDENCE lower than the best
unshifted fit's, so it wins only where the lag is real. A family forced by name is fitted without a shift.
The bootstrap holds the shift at its estimate: its intervals are those of the random part given the lag.

A fit whose parameters are absurd (a shape outside SHAPE_RANGE, a sigma outside SIGMA_RANGE, a mean beyond
1,000 years, or a 99th percentile beyond TAIL_LIMIT times the longest duration seen) is not used: the next
family by AIC is, and when no family is sensible the durations themselves. Such a fit is never tested, so no
p-value is reported for it.

Fallbacks, each said in the fit's `reason` and `warnings`:
- every closed duration the same (to the clock's tick): that constant (a point mass no family holds);
- fewer than MIN_FIT closed durations: too few to choose a family; the durations themselves (empirical);
- fewer than SMALL_SAMPLE: fitted, with a warning that families are hard to tell apart and intervals wide;
- the chosen family fails the test (p < REJECT): empirical, the Kaplan–Meier quantiles;
- half or more of the durations are 0: empirical (a point mass no family here holds);
- no family with sensible parameters: empirical;
- nothing closed at all: no fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats

from simulator.history.likelihood import (  # noqa: F401  (log_terms and the families are part of fit's API)
    FAMILIES,
    PARAMETERS,
    _maximise,
    _profile_shift,
    _safe_maximise,
    _split,
    frozen,
    internal,
    log_terms,
    natural,
)
from simulator.history.phases import Sample
from simulator.limits import MAX_MINUTES
from simulator.results.survival import distribution_steps

MIN_FIT = 5
"""Closed durations below which no family is fitted (a family needs a few points to show its shape)."""
SMALL_SAMPLE = 20
"""Closed durations below which a fit carries a small-sample warning."""
REJECT = 0.01
"""Goodness-of-fit p-value below which the chosen family is replaced by the empirical distribution."""
BOOTSTRAP = 200
"""Default number of parametric bootstrap samples (intervals and p-value)."""
SHAPE_RANGE = (0.05, 50.0)
"""A gamma's or Weibull's shape outside this range is taken for a failed fit: below, nearly every draw is 0 and a
few are astronomically long; above, the durations are constant to within a few percent (a point mass, which is
written as one)."""
SIGMA_RANGE = (0.01, 4.0)
"""A lognormal's sigma (of ln minutes) outside this range is taken for a failed fit, for the same reasons."""
TAIL_LIMIT = 100.0
"""A fit whose 99th percentile is more than this many times the longest duration seen is taken for a failed fit."""
SHIFT_EVIDENCE = 4.0
"""How much lower (better) a shifted fit's AIC must be than the best unshifted one's to be chosen: a difference
of 4 or more is "considerably less support" for the other (Burnham & Anderson, Model Selection and Multimodel
Inference, 2002, §2.6). Below it, a gamma of large shape or a lognormal is not turned into a shifted family."""


def absurd(family: str, params: dict[str, float], dist, longest: float) -> str | None:
    """Why a fit's parameters cannot describe a phase of an incident (None when they can)."""
    shape = params.get("shape")
    if shape is not None and not SHAPE_RANGE[0] <= shape <= SHAPE_RANGE[1]:
        return f"{family} shape {shape:.3g} is outside {SHAPE_RANGE[0]:g}–{SHAPE_RANGE[1]:g}"
    sigma = params.get("sigma")
    if sigma is not None and not SIGMA_RANGE[0] <= sigma <= SIGMA_RANGE[1]:
        return f"lognormal sigma {sigma:.3g} is outside {SIGMA_RANGE[0]:g}–{SIGMA_RANGE[1]:g}"
    with np.errstate(all="ignore"):
        mean, p99 = float(dist.mean()), float(dist.ppf(0.99))
    if not (math.isfinite(mean) and mean <= MAX_MINUTES):
        return f"{family} mean is beyond 1,000 years"
    if not math.isfinite(p99) or (longest > 0 and p99 > TAIL_LIMIT * longest):
        return f"{family} 99th percentile is over {TAIL_LIMIT:g} times the longest duration seen"
    return None


# ── Empirical distribution functions ──────────────────────────────────────────────────────────────────────


def ks_distance(times: np.ndarray, levels: np.ndarray, cdf) -> float:
    """The largest gap between a step function (times, levels) and a continuous distribution function, up to
    the last step."""
    if len(times) == 0:
        return math.nan
    fitted = cdf(times)
    before = np.concatenate([[0.0], levels[:-1]])
    return float(max(np.max(np.abs(levels - fitted)), np.max(np.abs(before - fitted))))


def empirical_values(values: np.ndarray, censored: np.ndarray, tick: float) -> tuple[np.ndarray, str | None]:
    """Durations that stand for the sample when resampled with equal weight: the closed durations themselves
    when nothing is censored; otherwise the Kaplan–Meier quantiles at (i − ½)/n, with a warning when the
    estimate stops short of the top levels (those are set to the longest time seen)."""
    if not np.any(censored):
        return np.sort(values), None
    times, levels = distribution_steps(values, censored, tick)
    n = len(values)
    wanted = (np.arange(n) + 0.5) / n
    index = np.searchsorted(levels, wanted - 1e-12, side="left")
    longest = float(values.max())
    out = np.where(index < len(times), times[np.minimum(index, len(times) - 1)], longest)
    short = int(np.count_nonzero(index >= len(times)))
    warning = None
    if short:
        warning = (f"the slowest {short} of {n} are still open: the empirical values stop at the longest "
                   "time seen, which understates the tail")
    return np.where(out < tick / 2 + 1e-12, 0.0, out), warning


# ── Fits ──────────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Candidate:
    """One family fitted by maximum likelihood."""

    family: str
    params: dict[str, float]
    loglik: float
    shift: float = 0.0
    """A fixed lag (minutes) before the family's random part; 0 for none."""
    absurd: str | None = None
    """Why the parameters cannot be used, when they cannot."""

    @property
    def aic(self) -> float:
        return 2 * (len(PARAMETERS[self.family]) + (self.shift > 0)) - 2 * self.loglik

    @property
    def label(self) -> str:
        return f"{self.family} + shift" if self.shift > 0 else self.family

    def dist(self):
        return frozen(self.family, internal(self.family, self.params), self.shift)


@dataclass(frozen=True)
class Fit:
    """The distribution chosen for one sample, with what it rests on.

    family      lognormal, gamma, weibull or exponential; 'empirical' (resample `values`); 'constant'
                (every duration the same: params['value']); 'none' (nothing closed to fit)
    params      the family's parameters (PARAMETERS), durations in minutes
    shift       a fixed lag before the family's random part (minutes; 0 for none)
    intervals   95% parametric-bootstrap intervals of the parameters and of the median and p90
    candidates  every family fitted, best AIC first
    ks, p_value the Kolmogorov–Smirnov distance to the Kaplan–Meier estimate and its bootstrap p-value
    """

    sample: Sample
    family: str
    reason: str
    params: dict[str, float] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    candidates: tuple[Candidate, ...] = ()
    ks: float = math.nan
    p_value: float = math.nan
    values: tuple[float, ...] = ()
    warnings: tuple[str, ...] = ()
    bootstrap: int = 0
    shift: float = 0.0

    @property
    def fitted(self) -> bool:
        return self.family in FAMILIES

    @property
    def best(self) -> Candidate | None:
        """The family the likelihood preferred, also when the fit fell back to the empirical distribution."""
        return self.candidates[0] if self.candidates else None

    def dist(self):
        """The fitted scipy.stats distribution (families only)."""
        return frozen(self.family, internal(self.family, self.params), self.shift)

    @property
    def value(self) -> float:
        """A constant's duration (minutes)."""
        return float(self.params.get("value", 0.0))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.fitted:
            return self.dist().cdf(x)
        if self.family == "constant":
            return (x >= self.value).astype(float)
        if self.family == "empirical":
            return np.searchsorted(np.sort(self.values), x, side="right") / len(self.values)
        return np.full_like(x, math.nan)

    def quantile(self, q: float) -> float:
        if self.fitted:
            return float(self.dist().ppf(q))
        if self.family == "constant":
            return self.value
        if self.family == "empirical":
            return float(np.quantile(np.asarray(self.values), q, method="inverted_cdf"))
        return math.nan

    @property
    def mean(self) -> float:
        if self.fitted:
            return float(self.dist().mean())
        if self.family == "empirical":
            return float(np.mean(self.values))
        return self.value if self.family == "constant" else math.nan

    @property
    def delta_aic(self) -> float:
        """How much better (lower) the best AIC is than the runner-up's."""
        if len(self.candidates) < 2:
            return math.nan
        return self.candidates[1].aic - self.candidates[0].aic


def _resample(dist, data_limits: np.ndarray, tick: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A sample drawn from `dist`, censored where each incident's phase would have been at the export, and
    written to the tick (a draw below it reads 0)."""
    draws = np.asarray(dist.rvs(size=len(data_limits), random_state=rng), dtype=float)
    censored = draws > data_limits
    values = np.where(censored, data_limits, draws)
    values = np.where(~censored & (values < tick), 0.0, values)
    return values, censored


def _ks(values: np.ndarray, censored: np.ndarray, tick: float, dist) -> float:
    times, levels = distribution_steps(values, censored, tick)
    return ks_distance(times, levels, dist.cdf)


def _point_mass(values: np.ndarray, censored: np.ndarray, tick: float) -> float | None:
    """The one duration every closed incident took (to the clock's tick), or None when they differ or an
    incident still open has already lasted longer."""
    closed = values[~censored]
    if len(closed) == 0 or float(np.ptp(closed)) >= tick / 2:
        return None
    value = float(np.median(closed))
    if np.any(values[censored] > value + tick):
        return None
    return value


def _candidates(values: np.ndarray, censored: np.ndarray, tick: float, families: tuple[str, ...]
                ) -> tuple[list[Candidate], dict[tuple[str, float], np.ndarray]]:
    """Every family fitted, without and (where the durations start after a lag) with a shift; best AIC first,
    those with absurd parameters marked."""
    data = _split(values, censored, tick)
    longest = float(values.max())
    candidates, thetas = [], {}

    def add(name: str, theta: np.ndarray, loglik: float, shift: float) -> None:
        if not math.isfinite(loglik):
            return
        params = natural(name, theta)
        with np.errstate(all="ignore"):
            why = absurd(name, params, frozen(name, theta, shift), longest)
        candidates.append(Candidate(name, params, loglik, shift, why))
        thetas[(name, shift)] = theta

    for name in families:
        theta, loglik = _safe_maximise(name, data)
        add(name, theta, loglik, 0.0)
    closed = np.sort(values[~censored])
    if data.below == 0 and len(closed) >= MIN_FIT:
        upper = float(closed[0]) - max(tick, float(closed[1] - closed[0]))
        if upper > tick:
            for name in families:
                shift, theta, loglik = _profile_shift(name, values, censored, tick, upper)
                if shift >= tick:  # a lag shorter than the clock's tick is no lag
                    add(name, theta, loglik, round(shift / tick) * tick)
    candidates.sort(key=lambda c: (c.aic if math.isfinite(c.aic) else math.inf, FAMILIES.index(c.family), c.shift))
    return candidates, thetas


def fit_sample(sample: Sample, *, family: str = "auto", bootstrap: int = BOOTSTRAP,
               rng: np.random.Generator | None = None) -> Fit:
    """Choose and fit a distribution for `sample` (see the module's docstring). `family` forces one of
    FAMILIES, or 'empirical'; 'auto' chooses by AIC."""
    if family not in ("auto", "empirical", *FAMILIES):
        raise ValueError(f"unknown family {family!r}; choose auto, empirical or one of {', '.join(FAMILIES)}")
    rng = np.random.default_rng(0) if rng is None else rng
    values, censored, tick = sample.values, sample.censored, sample.resolution
    closed = int(np.count_nonzero(~censored))
    warnings: list[str] = []
    if sample.count == 0:
        return Fit(sample, "none", "no incidents give this phase")
    if closed == 0:
        return Fit(sample, "none", f"all {sample.count} incidents are still open in this phase: nothing to fit")
    zeros = int(np.count_nonzero((values <= 0) & ~censored))
    if zeros == sample.count:
        return Fit(sample, "constant", f"every duration is 0 (shorter than the clock's tick of "
                   f"{_tick_text(tick)})", params={"value": 0.0})
    constant = _point_mass(values, censored, tick) if family in ("auto", "empirical") else None
    if constant is not None:
        what = "0 (shorter than the clock's tick of " + _tick_text(tick) + ")" if constant <= 0 else \
            f"{_minutes_text(constant)}"
        open_note = f"; {sample.open} still open" if sample.open else ""
        return Fit(sample, "constant", f"every one of the {closed} closed durations is {what}{open_note}",
                   params={"value": max(constant, 0.0)})
    if family == "empirical" or (family == "auto" and zeros * 2 >= closed):
        found, warning = empirical_values(values, censored, tick)
        reason = "asked for" if family == "empirical" else (
            f"{zeros} of {closed} durations are 0: a point mass at 0 that no fitted family holds")
        return Fit(sample, "empirical", reason, values=tuple(found.tolist()),
                   warnings=(warning,) if warning else ())
    if closed < MIN_FIT and family == "auto":
        found, warning = empirical_values(values, censored, tick)
        warnings.append(f"small sample: {closed} closed; too few to choose a family")
        if warning:
            warnings.append(warning)
        return Fit(sample, "empirical", f"only {closed} closed (fewer than {MIN_FIT}): the durations themselves",
                   values=tuple(found.tolist()), warnings=tuple(warnings))
    if closed < SMALL_SAMPLE:
        warnings.append(f"small sample: {closed} closed; families are hard to tell apart and intervals are wide")
    candidates, thetas = _candidates(values, censored, tick, FAMILIES)
    usable = [c for c in candidates if c.absurd is None and (family == "auto" or (c.family == family
                                                                               and c.shift == 0))]
    plain = [c for c in usable if c.shift == 0]
    if plain and usable[0].shift > 0 and usable[0].aic + SHIFT_EVIDENCE > plain[0].aic:
        usable = plain  # a lag that the likelihood does not clearly call for is not added
    if not usable:
        found, warning = empirical_values(values, censored, tick)
        why = "; ".join(dict.fromkeys(c.absurd for c in candidates if c.absurd)) or "no family could be fitted"
        reason = f"no family has sensible parameters ({why}): the durations themselves"
        return Fit(sample, "empirical", reason, values=tuple(found.tolist()), candidates=tuple(candidates),
                   warnings=(*warnings, *([warning] if warning else ())))
    choice = usable[0]
    chosen, shift = choice.family, choice.shift
    theta = thetas[(chosen, shift)]
    dist = frozen(chosen, theta, shift)
    distance = _ks(values, censored, tick, dist)
    limits = sample.limits if sample.limits is not None else np.where(censored, values, np.inf)
    distances, draws = [], []
    for _ in range(bootstrap):
        again, again_censored = _resample(dist, limits, tick, rng)
        resampled = _split(again, again_censored, tick, shift)
        if len(resampled.observed) == 0:
            continue
        theta_b, loglik_b = _safe_maximise(chosen, resampled, start=theta)
        if not math.isfinite(loglik_b):
            continue
        dist_b = frozen(chosen, theta_b, shift)
        distances.append(_ks(again, again_censored, tick, dist_b))
        params = natural(chosen, theta_b)
        params["median"], params["p90"] = float(dist_b.median()), float(dist_b.ppf(0.9))
        draws.append(params)
    p_value = (1 + sum(d >= distance for d in distances)) / (len(distances) + 1) if distances else math.nan
    params = natural(chosen, theta)
    estimates = {**params, "median": float(dist.median()), "p90": float(dist.ppf(0.9))}
    intervals = {}
    if draws:
        for key, estimate in estimates.items():
            # The basic (reflected) bootstrap interval on the log scale: the percentile interval would shift
            # the way the estimator is biased (a small sample's shape or sigma), doubling the bias.
            logs = np.log([d[key] for d in draws])
            low, high = np.percentile(logs, [2.5, 97.5]).tolist()
            intervals[key] = (math.exp(2 * math.log(estimate) - high), math.exp(2 * math.log(estimate) - low))
    reason = "lowest AIC" if family == "auto" else "asked for"
    if choice is not candidates[0] and family == "auto":
        top = candidates[0]
        reason = (f"lowest AIC of the families with sensible parameters ({top.absurd})" if top.absurd else
                  f"lowest AIC without a lag ({top.label} was better by only {choice.aic - top.aic:.1f}, "
                  f"less than {SHIFT_EVIDENCE:g})")
    if shift > 0:
        reason += f", after a lag of {_minutes_text(shift)}"
    fit = Fit(sample, chosen, reason, params=params, intervals=intervals, candidates=tuple(candidates),
              ks=distance, p_value=p_value, warnings=tuple(warnings), bootstrap=len(distances), shift=shift)
    if family == "auto" and p_value < REJECT:
        found, warning = empirical_values(values, censored, tick)
        reason = (f"the best family, {choice.label}, fits poorly (KS p = {p_value:.3f} < {REJECT}): "
                  "the durations themselves")
        return replace(fit, family="empirical", reason=reason, values=tuple(found.tolist()),
                       warnings=(*fit.warnings, *([warning] if warning else ())))
    return fit


def _minutes_text(minutes: float) -> str:
    from simulator.units import format_duration

    return format_duration(minutes)


def _tick_text(tick: float) -> str:
    return "a second" if tick < 1 else "a minute"


def quantile_interval(values: np.ndarray, q: float, level: float = 0.95) -> tuple[float, float]:
    """A distribution-free interval of the q-quantile of the population `values` were drawn from: the order
    statistics that the binomial distribution of the count below the quantile puts it between."""
    values = np.sort(np.asarray(values, dtype=float))
    n = len(values)
    low = int(stats.binom.ppf((1 - level) / 2, n, q))
    high = int(stats.binom.ppf(1 - (1 - level) / 2, n, q)) + 1
    return float(values[max(low - 1, 0)]), float(values[min(high - 1, n - 1)])


# ── Arrivals ──────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class RateFit:
    """Onsets of one failure mode over an observation window, as a Poisson process: the rate's maximum
    likelihood estimate (count ÷ window), its exact 95% interval (Garwood), and a check that the gaps
    between onsets look exponential (Kolmogorov–Smirnov with the mean estimated; Monte Carlo p-value)."""

    count: int
    window: float  # minutes
    gaps_p_value: float = math.nan
    gaps: int = 0

    @property
    def rate(self) -> float:
        """Onsets per minute."""
        return self.count / self.window

    @property
    def interval(self) -> tuple[float, float]:
        """95% interval of the rate (per minute)."""
        low = stats.chi2.ppf(0.025, 2 * self.count) / 2 if self.count else 0.0
        high = stats.chi2.ppf(0.975, 2 * self.count + 2) / 2
        return low / self.window, high / self.window


def fit_rate(onsets: np.ndarray, count: int, window: float, *, rng: np.random.Generator | None = None,
             samples: int = 999) -> RateFit:
    """`count` onsets in `window` minutes; `onsets` (minutes, any origin) are used to check the gaps."""
    onsets = np.sort(np.asarray(onsets, dtype=float))
    gaps = np.diff(onsets)
    gaps = gaps[gaps > 0]
    p_value = math.nan
    if len(gaps) >= MIN_FIT:
        rng = np.random.default_rng(0) if rng is None else rng
        result = stats.goodness_of_fit(stats.expon, gaps, known_params={"loc": 0.0}, statistic="ks",
                                       n_mc_samples=samples, random_state=rng)
        p_value = float(result.pvalue)
    return RateFit(count, window, p_value, len(gaps))
