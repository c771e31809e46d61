"""Every command output, file excerpt and figure that the README and the documentation show, made from the
bundled scenarios and examples with fixed seeds, so that none can drift from what the code does.

    python scripts/excerpts.py            regenerate docs/excerpts/, docs/figures/ and the README's excerpts
    python scripts/excerpts.py --check    exit 1, naming each excerpt that differs from what the code gives today

`make excerpts` runs the first; tests/test_docs.py runs the check. Each step below runs in a scratch folder
that holds copies of scenarios/ and examples/, in order (a later step may read what an earlier one wrote, as
the guides do), with a fixed terminal width and no colour. A text excerpt is the command as typed, then what
it printed (stdout and stderr in the order written); the docs include it with `--8<-- "NAME.txt"` inside a
code block, and the README holds a copy between `<!-- excerpt:NAME -->` and `<!-- /excerpt:NAME -->`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXCERPTS = ROOT / "docs" / "excerpts"
FIGURES = ROOT / "docs" / "figures"
README = ROOT / "README.md"
WIDTH = 150


@dataclass(frozen=True)
class Run:
    """`drillsim ARGS` (or `python ARGS` when `python` is set): its output becomes excerpt `name` (None: run
    only for the files it writes). `keep` abridges it to the lines from each start pattern to its stop pattern
    (inclusive), with '…' where lines were left out."""

    name: str | None
    args: str
    status: int = 0
    keep: tuple[tuple[str, str | None], ...] = ()
    python: bool = False
    width: int = WIDTH


@dataclass(frozen=True)
class Lines:
    """The lines of a file from `start` to `stop` (regular expressions; `stop` exclusive, end of file if None)."""

    name: str
    path: str
    start: str | None = None
    stop: str | None = None
    count: int | None = None
    """At most this many lines (then '…')."""


@dataclass(frozen=True)
class Figure:
    """A figure a step wrote, shown as docs/figures/NAME."""

    name: str
    path: str


@dataclass
class Made:
    texts: dict[str, str] = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)


STEPS: tuple[Run | Lines | Figure, ...] = (
    # README and getting started: the default scenario, as `make demo` runs it, and its report's figures.
    Run("run-default", "run"),
    Run(None, "run --quiet --report --out results/"),
    Figure("mttr.png", "results/mttr.png"),
    Figure("phases.png", "results/phases.png"),
    Figure("timeline.png", "results/timeline.png"),
    Figure("on-call-load.png", "results/on-call-load.png"),
    Figure("availability.png", "results/availability.png"),
    Run("run-by-mode", "run scenarios/payment-outage.yaml --replications 100 --seed 7 --by mode",
        keep=(("^Per failure mode", "^└"),)),
    # The scenario format.
    Lines("broken-yaml", "examples/broken.yaml"),
    Run("validate-broken", "validate examples/broken.yaml", status=2),
    Lines("default-team", "scenarios/default.yaml", r"^team:", r"^policy:"),
    Lines("default-config-push", "scenarios/default.yaml", r"^  - name: config-push", r"^    rate:"),
    # The lead's guide: compare, sweep, detectability, maturity.
    Lines("our-checkout-variants", "examples/our-checkout.yaml", r"^# The policies under discussion", None),
    Run("compare-our-checkout", "compare examples/our-checkout.yaml --out compare/", width=160),
    Figure("differences.png", "compare/differences.png"),
    Figure("compare-on-call-load.png", "compare/on-call-load.png"),
    Run("compare-debug-first", "compare --set policy.mitigation=debug-first --name debug-first",
        keep=(("^debug-first is", "^debug-first is meaningfully worse: its median"),), width=160),
    Run("sweep-escalation", "sweep --set team.escalate_after=2m,5m,15m,30m --replications 100 --out sweep/",
        width=200),
    Figure("sweep-mttr.png", "sweep/sweep-mttr.png"),
    Run("detectability-default", "detectability --incidents-per-period 40 --improvement 25% --out noise/",
        width=160),
    Figure("detectability-mttr.png", "noise/detectability-mttr.png"),
    Run("maturity-default", "maturity --out maturity/", width=200),
    Figure("maturity.png", "maturity/maturity.png"),
    # The game-day team's guide: calibrate, plan, score.
    Lines("history-head", "examples/history.csv", count=6),
    Run("calibrate-history", "calibrate examples/history.csv --out ours.yaml"),
    Lines("ours-bad-deploy-detection", "ours.yaml", r"^    detection:", r"^    mitigations:"),
    Run("calibrate-pagerduty", "calibrate examples/pagerduty-incidents.csv --bootstrap 100 --quiet --out ours-pd.yaml"),
    Figure("calibration-fit.png", "ours-fits/fit-bad-deploy-mitigation.png"),
    Run("gameday-plan", "gameday plan ours.yaml --inject bad-deploy --at 2026-04-14T14:00+02:00"),
    Figure("plan.png", "gameday-bad-deploy/plan.png"),
    Lines("drill-csv", "examples/drill.csv"),
    Run("score-drill", "score examples/drill.csv examples/journal.json --scenario ours.yaml --out score "
        "--fail-above 90", status=1),
    Figure("score.png", "score/score.png"),
    # The trainer's guide: a drill from an answers file, its debrief and report.
    Lines("drill-answers", "examples/drill-answers.txt"),
    Run("drill-answers-run", "drill --answers examples/drill-answers.txt",
        keep=(("^# Debrief", "^## What cost the most time"), ("^## Decisions that differed", "^- You tried"))),
    Run("report-drill", "report drill/"),
    # The library: the same numbers from Python.
    Lines("library-py", "examples/library.py", r"^from simulator", None),
    Run("library-run", "examples/library.py", python=True),
)


def _abridge(lines: list[str], keep: tuple[tuple[str, str | None], ...]) -> list[str]:
    if not keep:
        return lines
    out: list[str] = []
    for start, stop in keep:
        first = next((i for i, line in enumerate(lines) if re.search(start, line)), None)
        if first is None:
            raise SystemExit(f"no line matches {start!r} in:\n" + "\n".join(lines))
        last = len(lines) - 1
        if stop is not None:
            last = next((i for i in range(first + 1, len(lines)) if re.search(stop, lines[i])), None)
            if last is None:
                raise SystemExit(f"no line after {start!r} matches {stop!r}")
        if first > 0 or out:
            out.append("…")
        out += lines[first:last + 1]
    if out and out[-1] != lines[-1]:
        out.append("…")
    return out


def _run(step: Run, work: Path) -> str:
    env = {**os.environ, "COLUMNS": str(step.width), "LINES": "50", "TERM": "dumb", "NO_COLOR": "1",
           "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0", "TZ": "UTC"}
    env.pop("FORCE_COLOR", None)
    words = step.args.split()
    if step.python:
        command, shown = [sys.executable, *words], f"$ python {step.args}"
    else:
        command, shown = [sys.executable, "-m", "simulator", *words], f"$ drillsim {step.args}"
    done = subprocess.run(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, encoding="utf-8", timeout=600)
    if done.returncode != step.status:
        raise SystemExit(f"`{shown[2:]}` exited {done.returncode}, not {step.status}:\n{done.stdout}")
    lines = [line.rstrip() for line in done.stdout.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join([shown, *_abridge(lines, step.keep)]) + "\n"


def _lines(step: Lines, work: Path) -> str:
    lines = (work / step.path).read_text(encoding="utf-8").splitlines()
    first = 0 if step.start is None else next(i for i, line in enumerate(lines) if re.search(step.start, line))
    last = len(lines)
    if step.stop is not None:
        last = next((i for i in range(first + 1, len(lines)) if re.search(step.stop, lines[i])), len(lines))
    chosen = lines[first:last]
    if step.count is not None and len(chosen) > step.count:
        chosen = [*chosen[:step.count], "…"]
    while chosen and not chosen[-1].strip():
        chosen.pop()
    return "\n".join(chosen) + "\n"


def make(verbose: bool = False) -> Made:
    """Run every step in a scratch folder and return what it made (each excerpt's text, each figure's bytes)."""
    made = Made()
    with tempfile.TemporaryDirectory(prefix="drillsim-excerpts-") as scratch:
        work = Path(scratch)
        for folder in ("scenarios", "examples"):
            shutil.copytree(ROOT / folder, work / folder)
        for step in STEPS:
            if verbose:
                print(f"{os.times().children_user:7.1f}s CPU so far · {step}", file=sys.stderr)
            if isinstance(step, Run):
                text = _run(step, work)
                if step.name is not None:
                    made.texts[step.name] = text
            elif isinstance(step, Lines):
                made.texts[step.name] = _lines(step, work)
            else:
                path = work / step.path
                if not path.exists():
                    raise SystemExit(f"{step.path} was not written; {path.parent.name}/ holds "
                                     f"{', '.join(sorted(p.name for p in path.parent.iterdir()))}")
                made.figures[step.name] = path.read_bytes()
    return made


_MARKED = re.compile(r"(<!-- excerpt:(?P<name>[\w.-]+) -->\n```(?P<lang>\w*)\n)(?P<body>.*?)"
                     r"(```\n<!-- /excerpt:(?P=name) -->)", re.DOTALL)


def readme_with(texts: dict[str, str], readme: str) -> str:
    """The README with each marked excerpt replaced by its text today."""

    def fill(match: re.Match) -> str:
        name = match["name"]
        if name not in texts:
            raise SystemExit(f"README.md marks an excerpt {name!r} that scripts/excerpts.py does not make")
        return match.group(1) + texts[name] + match.group(5)

    return _MARKED.sub(fill, readme)


def write(made: Made) -> None:
    EXCERPTS.mkdir(parents=True, exist_ok=True)
    FIGURES.mkdir(parents=True, exist_ok=True)
    for path in EXCERPTS.glob("*.txt"):
        if path.stem not in made.texts:
            path.unlink()
    for name, text in made.texts.items():
        (EXCERPTS / f"{name}.txt").write_text(text, encoding="utf-8")
    for name, data in made.figures.items():
        (FIGURES / name).write_bytes(data)
    README.write_text(readme_with(made.texts, README.read_text(encoding="utf-8")), encoding="utf-8")


def differences(made: Made) -> list[str]:
    """What differs between the committed excerpts and `made`, one line each."""
    out = []
    for name, text in made.texts.items():
        path = EXCERPTS / f"{name}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(f"docs/excerpts/{name}.txt differs from what the code prints today")
    for path in EXCERPTS.glob("*.txt"):
        if path.stem not in made.texts:
            out.append(f"docs/excerpts/{path.name} is no longer made by scripts/excerpts.py")
    for name, data in made.figures.items():
        path = FIGURES / name
        if not path.exists() or path.read_bytes() != data:
            out.append(f"docs/figures/{name} differs from the figure the code draws today")
    readme = README.read_text(encoding="utf-8")
    if readme_with(made.texts, readme) != readme:
        out.append("README.md: an excerpt between <!-- excerpt:NAME --> markers differs from docs/excerpts/NAME.txt")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    parser.add_argument("--verbose", "-v", action="store_true", help="name each step as it runs")
    args = parser.parse_args(argv)
    made = make(verbose=args.verbose)
    if args.check:
        found = differences(made)
        for line in found:
            print(line, file=sys.stderr)
        if found:
            print("Regenerate them with `make excerpts` and review the diff.", file=sys.stderr)
        return 1 if found else 0
    write(made)
    print(f"Wrote {len(made.texts)} excerpts to {EXCERPTS.relative_to(ROOT)}/ and {len(made.figures)} figures to "
          f"{FIGURES.relative_to(ROOT)}/; README.md updated.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
