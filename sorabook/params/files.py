"""Parameter sets from files: the shipped scenarios (``scenarios/*.yaml``), a user's ``--params``
file, ``--set NAME=VALUE`` overrides, and :func:`resolve`, which layers them on the article's values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from sorabook.params.param import ParamError, show
from sorabook.params.table import defaults
from sorabook.params.values import Params, check_together, validate

__all__ = ["Scenario", "load_params_file", "load_scenario", "parse_set", "resolve", "scenario_names"]

#: The shipped scenarios (package data).
SCENARIOS_DIR = Path(__file__).parent / "scenarios"

#: A params file larger than this is refused before it is parsed (bytes).
MAX_PARAMS_FILE_BYTES = 1_000_000

_SCENARIO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

# --- scenarios and params files -------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A named parameter set: overrides on top of the article's values."""

    name: str
    description: str
    overrides: dict


def _load_yaml_text(text: str, origin: str) -> Any:
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise ParamError(f"{origin}: key {key!r} appears twice (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return loader.construct_mapping(node)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or "not valid YAML"
        raise ParamError(f"{origin}: YAML syntax error{where}: {problem}") from None


def _parse_parameter_file(data: Any, origin: str, need_description: bool) -> tuple[str, dict]:
    if not isinstance(data, dict):
        raise ParamError(f"{origin}: expected a YAML mapping (parameters: ...), got {show(data)}")
    if "parameters" in data:
        extra = set(data) - {"description", "parameters", "uncertainty"}
        if extra:
            raise ParamError(
                f"{origin}: unexpected top-level key {sorted(map(str, extra))[0]!r}; "
                "expected only 'description', 'parameters' and 'uncertainty'"
            )
        description = data.get("description", "")
        overrides = data["parameters"] if data["parameters"] is not None else {}
        if not isinstance(overrides, dict):
            raise ParamError(f"{origin}: parameters: expected a mapping of name: value, got {show(overrides)}")
        if data.get("uncertainty") is not None:  # the block is the parameter 'distribution_overrides'
            if "distribution_overrides" in overrides:
                raise ParamError(f"{origin}: distributions given twice (uncertainty: and "
                                 "parameters: distribution_overrides)")
            overrides = {**overrides, "distribution_overrides": data["uncertainty"]}
    else:
        description, overrides = "", data
    if not isinstance(description, str) or (need_description and not description.strip()):
        raise ParamError(f"{origin}: expected a 'description' text")
    return " ".join(description.split()), validate(overrides, origin)


def scenario_names() -> list[str]:
    """The shipped scenarios, ``article`` first."""
    names = sorted(f.stem for f in SCENARIOS_DIR.glob("*.yaml"))
    return sorted(names, key=lambda n: n != "article")


def load_scenario(name: str) -> Scenario:
    """A shipped scenario by name (validated)."""
    if not isinstance(name, str) or not _SCENARIO_RE.match(name):
        raise ParamError(
            f"scenario {name!r} is not a scenario name; expected letters, digits, '-' or '_' "
            f"(one of: {', '.join(scenario_names())})"
        )
    names = scenario_names()
    if name not in names:
        import difflib

        near = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise ParamError(f"unknown scenario {name!r}{hint}; expected one of: {', '.join(names)}")
    text = (SCENARIOS_DIR / f"{name}.yaml").read_text()
    origin = f"scenario '{name}'"
    description, overrides = _parse_parameter_file(_load_yaml_text(text, origin), origin, True)
    return Scenario(name, description, overrides)


def load_params_file(path: str | Path) -> Scenario:
    """A user's parameter file: a YAML mapping of ``name: value`` (or a scenario's shape)."""
    path = Path(path)
    origin = f"params file '{path}'"
    if not path.is_file():
        raise ParamError(f"{origin}: no such file")
    size = path.stat().st_size
    if size > MAX_PARAMS_FILE_BYTES:
        raise ParamError(f"{origin}: {size:,} bytes; expected at most {MAX_PARAMS_FILE_BYTES:,}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ParamError(f"{origin}: cannot be read as UTF-8 text ({err.__class__.__name__})") from None
    description, overrides = _parse_parameter_file(_load_yaml_text(text, origin), origin, False)
    return Scenario("custom", description or f"parameters from {path.name}", overrides)


def parse_set(text: str) -> tuple[str, Any]:
    """Parse one ``NAME=VALUE`` override; VALUE is read as YAML (numbers, true/false, text)."""
    if not isinstance(text, str) or "=" not in text:
        raise ParamError(f"--set {text!r}: expected NAME=VALUE, e.g. --set fps=30")
    name, raw = (s.strip() for s in text.split("=", 1))
    if not name:
        raise ParamError(f"--set {text!r}: expected NAME=VALUE with a parameter name before '='")
    value = _load_yaml_text(raw, f"--set {name}") if raw else None
    if isinstance(value, str):
        try:  # YAML reads 1e21, nan and inf as text; Python reads them as numbers
            value = float(value)
        except ValueError:
            pass
    return name, value


def resolve(
    scenario: str | None = None,
    params_file: str | Path | None = None,
    sets: Iterable[str] = (),
) -> tuple[Params, Scenario]:
    """The complete, validated parameter set of a build or a results query.

    The article's defaults, then the scenario (or the user's file), then each
    ``--set`` override, each layer validated with its origin in the message.
    """
    if scenario is not None and params_file is not None:
        raise ParamError("--scenario and --params: expected one of them, not both")
    base = load_params_file(params_file) if params_file is not None else load_scenario("article" if scenario is None else scenario)
    values = {**defaults(), **base.overrides}
    for item in sets:
        name, value = parse_set(item)
        values.update(validate({name: value}, "--set"))
    check_together(values)
    return Params(values), base

