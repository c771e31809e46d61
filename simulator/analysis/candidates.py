"""What a comparison compares: scenario files, their `variants:`, and variants made on the command line.

    drillsim compare --set PATH=VALUE        the bundled scenario ('baseline') and one variant of it
    drillsim compare ours.yaml -V fast       the scenario as written ('baseline') and its variant 'fast'
    drillsim compare before.yaml after.yaml  two files, named 'before' and 'after'; the first is the baseline
    --set PATH=VALUE --name N                a variant of the first scenario, named N
    --set A:PATH=VALUE --set B:PATH=VALUE    two more, A and B: several ad-hoc variants on one command line
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from simulator.errors import DrillsimError, Problem, ScenarioError
from simulator.scenario.bundled import default_scenario
from simulator.scenario.model import BASELINE, VARIANT_NAME, Scenario
from simulator.scenario.variants import load_source


def comparison_scenarios(files: Sequence[str | Path] = (), *, variants: Sequence[str] | None = None,
                         sets: Sequence[str] = (), name: str | None = None) -> dict[str, Scenario]:
    """What `drillsim compare` compares, by name, the baseline first.

    One file (or none: the bundled default): the scenario as written ('baseline'), then its `variants:` (all
    of them unless `variants` names some). Several files: each file, named by its file name without
    `.yaml`, the first being the baseline; then the first file's variants named in `variants`. Either way,
    the `sets` ('PATH=VALUE') make variants of the first file: 'NAME:PATH=VALUE' adds to variant NAME, and
    the options without a name make one variant, named `name` (default: the options themselves). Every
    problem of every file and variant is reported at once."""
    paths = [Path(file) for file in files] or [default_scenario()]
    sources, problems = [], []
    for path in paths:
        try:
            sources.append(load_source(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    first = sources[0]
    if len(sources) == 1:
        chosen = first.variants(variants, sets=())
    else:
        names = file_names(paths)
        chosen = {names[0]: first.scenario, **{n: source.scenario for n, source in zip(names[1:], sources[1:],
                                                                                        strict=True)}}
        named = first.variants(variants or [], sets=())
        chosen.update((n, scenario) for n, scenario in named.items() if n != BASELINE)
    for variant, options in grouped_sets(sets, name).items():
        if variant in chosen:
            problems.append(Problem(f"a variant named {variant!r} is there already; give the --set variant another "
                                    "name", file="--set"))
            continue
        try:
            chosen[variant] = first.variants([], sets=options, set_name=variant)[variant]
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    if len(chosen) < 2:
        raise DrillsimError("nothing to compare: the scenario has no `variants:`; give a second scenario file, or "
                            "make a variant with --set PATH=VALUE (e.g. --set policy.mitigation=debug-first)")
    return chosen


def grouped_sets(sets: Sequence[str], name: str | None = None) -> dict[str, list[str]]:
    """`--set` options by the variant they make: 'NAME:PATH=VALUE' goes to NAME (the option kept as
    'PATH=VALUE'); options without a name make one variant, named `name` or after the options themselves."""
    named: dict[str, list[str]] = {}
    plain: list[str] = []
    for text in sets:
        left = text.partition("=")[0]
        prefix, colon, _ = left.partition(":")
        if colon and VARIANT_NAME.fullmatch(prefix.strip()):
            named.setdefault(prefix.strip(), []).append(text.partition(":")[2].strip())
        else:
            plain.append(text)
    if plain:
        key = name or ", ".join(plain)
        return {key: plain + named.pop(key, []), **named}
    return named


def file_names(paths: Sequence[Path]) -> list[str]:
    """A name for each scenario file: its name without the extension, or the path as given where two share it."""
    stems = [path.stem for path in paths]
    return [stem if stems.count(stem) == 1 else str(path) for stem, path in zip(stems, paths, strict=True)]
