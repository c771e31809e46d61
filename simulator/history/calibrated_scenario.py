"""A calibration as a scenario: the commented scenario YAML written from the fits (each field with what it
rests on), and the fields calibration writes read back from a scenario (to check a calibration against the
scenario a history was simulated from).
"""

from __future__ import annotations

import json
import math
import re

from scipy import stats

from simulator.errors import DrillsimError, ScenarioError
from simulator.history import fit as fitting
from simulator.history.calibrate import (
    WAIT_RISK,
    Calibration,
    ModeFit,
)
from simulator.history.fit import Fit, RateFit
from simulator.history.phases import Phase
from simulator.history.timestamps import format_time
from simulator.scenario.failures import REPORTS
from simulator.units import format_duration

# ── The scenario YAML ─────────────────────────────────────────────────────────────────────────────────────

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _.()/-]*$")


def _text(value: str) -> str:
    """A YAML scalar for a name: plain when safe, else double-quoted."""
    if _PLAIN.match(value) and value.strip() == value and ": " not in value and " #" not in value and \
            value.lower() not in ("yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"):
        return value
    return json.dumps(value, ensure_ascii=False)


def duration_text(minutes: float) -> str:
    """A duration precise enough to write back: to the second ('1h 2m 3s'), three significant figures under
    ten seconds ('2.35s')."""
    seconds = minutes * 60
    if seconds <= 0:
        return "0s"
    if seconds < 10:
        return f"{float(f'{seconds:.3g}'):g}s"
    whole = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if whole >= size:
            parts.append(f"{whole // size}{unit}")
            whole %= size
    return " ".join(parts)


def _number(value: float) -> str:
    return f"{float(f'{value:.4g}'):g}"


def distribution_yaml(found: Fit) -> str:
    """The fit as a scenario distribution, in YAML flow style (a constant as its duration, '2m')."""
    text = _family_yaml(found)
    if found.fitted and found.shift > 0:
        text = text[:-1] + f", shift: {duration_text(found.shift)}}}"
    return text


def _family_yaml(found: Fit) -> str:
    p = found.params
    if found.family == "constant":
        return duration_text(found.value)
    if found.family == "lognormal":
        p95 = p["median"] * math.exp(stats.norm.ppf(0.95) * p["sigma"])
        median, upper = duration_text(p["median"]), duration_text(p95)
        if upper == median or p["median"] * 60 < 1:  # too narrow (or too short) to write as median and p95
            return f"{{kind: lognormal, mu: {_number(math.log(p['median']))}, sigma: {_number(p['sigma'])}}}"
        return f"{{kind: lognormal, median: {median}, p95: {upper}}}"
    if found.family == "gamma":
        return f"{{kind: gamma, shape: {_number(p['shape'])}, mean: {duration_text(p['mean'])}}}"
    if found.family == "weibull":
        return f"{{kind: weibull, shape: {_number(p['shape'])}, scale: {duration_text(p['scale'])}}}"
    if found.family == "exponential":
        return f"{{kind: exponential, mean: {duration_text(p['mean'])}}}"
    if found.family == "empirical":
        return f"{{kind: empirical, values: [{', '.join(duration_text(v) for v in found.values)}]}}"
    return "0s"


def _interval(key: str, low: float, high: float) -> str:
    if key in ("shape", "sigma"):
        return f"{key} {_number(low)}–{_number(high)}"
    return f"{key} {format_duration(low)}–{format_duration(high)}"


def fit_comments(found: Fit | None, phase: Phase | None, what: str, default: float | None = None) -> list[str]:
    """Comment lines (without '#') saying what was fitted, how well and on how many incidents (or, where the
    history cannot tell it, the `default` minutes that stand in)."""
    if default is not None and (found is None or found.family == "none"):
        why = "not in the history" if phase is None or found is None else found.reason
        return [f"{what}: {why}; drillsim's default {format_duration(default)} stands in (not calibrated)"]
    if phase is None or found is None:
        return [f"{what}: not in the history; 0s"]
    n = found.sample.count
    lines = [f"{what} ({phase.span}): {n} incident{'s' if n != 1 else ''}, {found.sample.open} still open"]
    if found.fitted:
        others = ", ".join(f"{c.label} +{c.aic - found.candidates[0].aic:.1f}" for c in found.candidates
                           if (c.family, c.shift) != (found.family, found.shift) and c.absurd is None)
        lines.append(f"{found.family} ({found.reason}; AIC of the others: {others})")
        lines.append(f"fit: Kolmogorov–Smirnov distance {found.ks:.3f}, p = {found.p_value:.2f} "
                     f"({found.bootstrap} parametric bootstrap samples)")
        shown = [k for k in dict.fromkeys((*fitting.PARAMETERS[found.family], "median", "p90"))
                 if k in found.intervals]
        if shown:
            lines.append("95% intervals: " + ", ".join(_interval(k, *found.intervals[k]) for k in shown))
    elif found.family == "empirical":
        lines.append(f"empirical: {found.reason}")
        if found.best is not None and math.isfinite(found.p_value):
            lines.append(f"(the best family by AIC was {found.best.label}; KS p = {found.p_value:.3f})")
        lines.append(f"median {format_duration(found.quantile(0.5))}, p90 {format_duration(found.quantile(0.9))}")
    else:
        lines.append(f"{found.family}: {found.reason}")
    lines.extend(f"warning: {w}" for w in found.warnings)
    return lines


def _comment(lines: list[str], indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}# {line}" for line in lines]


def window_text(minutes: float) -> str:
    """A window as the period of a rate: in days to the hundredth ('89.75d'), or hours under two days."""
    if minutes >= 2880:
        return f"{round(minutes / 1440, 2):g}d"
    return f"{round(minutes / 60, 2):g}h"


def _rate_text(rate: RateFit) -> str:
    return f"{rate.count}/{window_text(rate.window)}"


def _rate_comments(mode: ModeFit) -> list[str]:
    rate = mode.rate
    low, high = rate.interval
    every = format_duration(1 / rate.rate)
    slow = format_duration(1 / low) if low > 0 else "∞"
    line = (f"{rate.count} onset{'s' if rate.count != 1 else ''} in {format_duration(rate.window)}: one every "
            f"{every} (95% interval {format_duration(1 / high)} to {slow})")
    lines = [line]
    if rate.count < len(mode.incidents):
        lines.append("(its first incident opened the observation window, so it is not counted)")
    if not math.isnan(rate.gaps_p_value):
        verdict = "look exponential" if rate.gaps_p_value >= 0.05 else "do not look exponential (bursts?)"
        lines.append(f"gaps between onsets {verdict}: Kolmogorov–Smirnov p = {rate.gaps_p_value:.2f} "
                     f"over {rate.gaps} gaps")
    lines.extend(f"note: {n}" for n in mode.notes)
    return lines


def _shares(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return ", ".join(f"{k} {v}/{total}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def responder_names(calibration: Calibration) -> list[str]:
    """The history's people (most acknowledgements first), then as many spare responders as the team needs so
    that pages do not wait: none when the history names enough people."""
    named = sorted(calibration.people, key=lambda n: (-calibration.people[n], n))
    if not named:
        return []
    taken = set(named)
    spares: list[str] = []
    number = 1
    while len(named) + len(spares) < calibration.responders:
        name = f"spare responder {number}"
        if name not in taken:
            spares.append(name)
        number += 1
    return named + spares


def _team_people(cal: Calibration) -> list[str]:
    """Who is paged: the rotation the history shows when one person on call would practically never be busy
    at a page; otherwise a pool of responders, named after the history's people, large enough not to queue."""
    out: list[str] = []
    rotation = cal.rotation
    if rotation is not None:
        turns = "weekly" if rotation.shift == 10080 else "daily"
        out += _comment([f"the history shows a rotation: {turns} turns handed over at {rotation.handoff} of "
                         f"{', '.join(rotation.people)} ({rotation.matched} of {rotation.total} acknowledgements "
                         "by whoever's turn it was)"], 2)
    if cal.uses_rotation:
        assert rotation is not None
        names = ", ".join(_text(n) for n in rotation.people)
        out += _comment([f"one person on call: a page finds them busy with a chance of {cal.one_on_call_busy:.2g}, "
                         f"below {WAIT_RISK:g}, so pages do not wait on top of the fitted acknowledgement"], 2)
        return [*out,
            f"  people: [{names}]",
            "  rotations:",
            f"    primary: {{people: [{names}], shift: {duration_text(rotation.shift)}, "
            f"handoff: \"{rotation.handoff}\"}}",
            "  escalation:",
            "    levels:",
            "      - rotation: primary   # one level: the history's acknowledgement times include escalations",
        ]
    if rotation is not None:
        out += _comment([f"not paged as a rotation: one person on call would be busy at a page with a chance of "
                         f"{cal.one_on_call_busy:.2g}, a wait the fitted acknowledgement already includes; the "
                         "pool below never waits"], 2)
    out += _comment([f"enough responders that a page finds them all busy with a chance below {WAIT_RISK:g}: the "
                     f"fitted acknowledgement already includes the history's waits (mean load {cal.load:.2f} "
                     f"busy at once; the history had at most {cal.concurrency} incidents open at once)"], 2)
    out.append(f"  responders: {cal.responders}")
    names_ = responder_names(cal)
    if names_:
        out += _comment([f"people who acknowledged in the history: {_shares(cal.people)}"]
                        + (["spare responders stand for the people the history does not name, so that pages do "
                            "not wait"] if len(names_) > len(cal.people) else []), 2)
        out.append(f"  names: [{', '.join(_text(n) for n in names_)}]")
    return out


def _written(calibration: Calibration, found: Fit | None, key: str) -> str:
    """A quantity's distribution: the fit, or where the history cannot tell it the documented default standing
    in (calibrate.DEFAULTS), or 0s where a neighbouring phase holds its time."""
    if found is not None and found.family != "none":
        return distribution_yaml(found)
    minutes = calibration.defaults.get(key)
    return "0s" if minutes is None else duration_text(minutes)


def scenario_yaml(calibration: Calibration, *, name: str | None = None, replications: int = 200,
                  seed: int | None = None) -> str:
    """The calibrated scenario as YAML text, its comments saying what each field was fitted to, how well and
    on how many incidents. The text is checked like any scenario file before it is returned."""
    cal = calibration
    history = cal.history
    file = history.file.replace("\\", "/").rsplit("/", 1)[-1]
    zone = history.zone
    start = cal.since.astimezone(zone) if zone is not None else cal.since
    title = name or f"Calibrated from {file}"
    total = len(history.incidents)
    out = [
        f"# Calibrated by `drillsim calibrate` from {file}: {total} incidents from {format_time(cal.since)} to "
        f"{format_time(cal.until)}.",
        "# Every fitted field says below what it was fitted to, how well and on how many incidents.",
        f"# Failure modes: one per {'failure mode' if cal.grouped_by == 'mode' else cal.grouped_by} of the history"
        + ("" if cal.grouped_by != "all" else " (the history names neither modes nor severities: one mode)") + ".",
    ]
    if history.skipped:
        out.append(f"# {len(history.skipped_lines)} bad rows were left out (--skip-bad).")
    out += [f"# note: {n}" for n in cal.notes]
    out += [
        f"name: {_text(title)}",
        "description: >",
        f"  Calibrated from {total} incidents of {file} over {format_duration(cal.window)}.",
        f"horizon: {math.ceil(cal.window / 1440)}d" + "   # one replication spans the history's window (whole days)",
        f"replications: {replications}",
        f"seed: {cal.seed if seed is None else seed}",
        *((f"start: {start.replace(tzinfo=None).isoformat(timespec='seconds')}   # minute 0: the start of the "
           "history's window", f"timezone: {zone_name}")
          if (zone_name := getattr(zone, "key", None)) else
          (f"start: {format_time(start)}   # minute 0: the start of the history's window (give `timezone` for "
           "rotations and hours)",)),
        "",
        "team:",
    ]
    out += _team_people(cal)
    ack = cal.team.get("acknowledgement")
    out += _comment(fit_comments(ack, cal.phases["acknowledgement"], "time to acknowledge",
                                 cal.defaults.get("acknowledgement")), 2)
    per_mode = [(m.name, m.acknowledgement_median) for m in cal.modes if not math.isnan(m.acknowledgement_median)]
    if len(per_mode) > 1:
        medians = ", ".join(f"{n} {format_duration(v)}" for n, v in per_mode)
        test = ("" if math.isnan(cal.acknowledgement_p_value) else
                f"; Kruskal–Wallis p = {cal.acknowledgement_p_value:.2f}"
                + (": they differ" if cal.acknowledgement_p_value < 0.05 else ""))
        out += _comment([f"medians by mode: {medians}{test}",
                         "(the scenario format gives the team one acknowledgement time for every mode)"], 2)
    out += [
        f"  acknowledge: {_written(cal, ack, 'acknowledgement')}",
        "  miss_probability: 0   # the history's acknowledgement times already include missed pages",
        *(() if cal.uses_rotation else
          ("  secondary: null   # and escalations: no second level adds to them (escalate_after keeps its "
           "default)",)),
        "  assemble: 0s   # the history's time to mitigate includes bringing in the roles",
        "",
        "policy:",
    ]
    declaration = cal.team.get("declaration")
    out += _comment(fit_comments(declaration, cal.phases["declaration"], "time to declare",
                                 cal.defaults.get("declaration")), 2)
    out.append(f"  declare_after: {_written(cal, declaration, 'declaration')}")
    out.append("  mitigation: rollback-first   # each mode below has one fitted mitigation; see there")
    confirmation = cal.team.get("confirmation")
    out += _comment(fit_comments(confirmation, cal.phases["confirmation"], "time to confirm",
                                 cal.defaults.get("confirmation")), 2)
    out.append(f"  confirm: {_written(cal, confirmation, 'confirmation')}")
    out += _comment(["cleanup and postmortems are not in the history: drillsim's defaults"], 2)
    out += ["", "failure_modes:"]
    for mode in cal.modes:
        out.append(f"  - name: {_text(mode.name)}")
        out.append(f"    description: {len(mode.incidents)} incidents in the history.")
        cause_note = f"   # {_shares(mode.causes)}" if len(mode.causes) > 1 else (
            "" if mode.causes else "   # the history gives no causes")
        out.append(f"    cause: {mode.cause}{cause_note}")
        out += _comment(_rate_comments(mode), 4)
        out.append(f"    rate: {_rate_text(mode.rate)}")
        if mode.severities:
            if len(mode.severities) == 1:
                out.append(f"    severity: {next(iter(mode.severities))}")
            else:
                weights = ", ".join(f"{k}: {v}" for k, v in sorted(mode.severities.items()))
                out.append(f"    severity: {{{weights}}}   # counts in the history")
        out.append("    detection:")
        channel_note = ([f"{mode.channel} detected {mode.channels[mode.channel]} of {sum(mode.channels.values())}; "
                         "one channel carries the whole time to detect"] if mode.channels else
                        ["one channel carries the whole time to detect (the first alert, whatever raised it)"])
        out += _comment(fit_comments(mode.detection, cal.phases["detection"], "time to detect") + channel_note, 6)
        delay = distribution_yaml(mode.detection) if mode.detection else "0s"
        fitted = ", exponent: 0" if mode.channel in REPORTS else ""  # the delay as observed, whatever the reach
        out.append(f"      {mode.channel}: {{probability: 1, delay: {delay}{fitted}}}")
        out.append("    mitigations:")
        lines = fit_comments(mode.mitigation, cal.phases["mitigation"], "time to mitigate",
                             cal.defaults.get("mitigation"))
        lines.append("one mitigation that always works carries the whole time to mitigate"
                     + (f" (the history's: {_shares(mode.mitigations)})" if mode.mitigations else ""))
        out += _comment(lines, 6)
        duration = _written(cal, mode.mitigation, "mitigation")
        out.append(f"      debug: {{duration: {duration}}}")
    text = "\n".join(out) + "\n"
    from simulator.scenario import parse_scenario

    try:
        parse_scenario(text, file="<calibrated scenario>")
    except ScenarioError as exc:  # a bug: what calibration writes must always be a valid scenario
        raise DrillsimError("the calibrated scenario is not valid:\n" + "\n".join(map(str, exc.problems))) from None
    return text


# ── Reading a scenario back ──


def fitted_fields(scenario) -> dict[tuple[str, str], object]:
    """(scope, quantity) → the scenario's distribution where calibration writes that quantity (scope: a mode's
    name, or 'all modes'): so a calibration can be checked against the scenario a history was simulated from.
    A mode's detection is read from its one channel."""
    out = {}
    for mode in scenario.failure_modes:
        channels = mode.detection.channels()
        if len(channels) == 1:
            out[(mode.name, "detection")] = channels[0][1].delay
        out[(mode.name, "mitigation")] = mode.mitigations["debug"].duration
    out[("all modes", "acknowledgement")] = scenario.team.acknowledge
    out[("all modes", "declaration")] = scenario.policy.declare_after
    out[("all modes", "confirmation")] = scenario.policy.confirm
    return out


def parameters_of(dist) -> dict[str, float]:
    """A scenario distribution's parameters as calibration names them (fit.PARAMETERS)."""
    if dist.kind == "lognormal":
        return {"median": math.exp(dist.log_mu), "sigma": dist.log_sigma}
    if dist.kind == "gamma":
        return {"shape": dist.shape, "mean": dist.mean - dist.shift}
    if dist.kind == "weibull":
        return {"shape": dist.shape, "scale": dist.scale}
    if dist.kind == "exponential":
        return {"mean": dist.mean - dist.shift}
    return {}
