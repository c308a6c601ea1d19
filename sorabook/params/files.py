"""Parameter sets from files: the shipped scenarios (``scenarios/*.yaml``), a user's ``--params``
file, ``--set NAME=VALUE`` overrides, and :func:`resolve`, which layers them on the article's values."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from sorabook.params.literals import NUMBER_RE, PATH_LIMIT, one_line, quote, read_number
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


#: How deep lists and mappings may nest in a params file or a ``--set`` value (a parameter file
#: needs three levels; PyYAML's composer recurses once per level and overflows near 1,000).
MAX_NESTING = 64

_YAML = "tag:yaml.org,2002:"

#: YAML 1.1's booleans (a person writing ``yes`` for a boolean means true).
_BOOLEANS = {w: v for v, words in ((True, ("yes", "true", "on")), (False, ("no", "false", "off")))
             for word in words for w in (word, word.title(), word.upper())}


def _loader_class(origin: str) -> type:
    """A PyYAML safe loader that reads scalars with :func:`read_number` (YAML 1.2-like: ``050`` is
    50, ``1:30`` is text, ``1e21`` a number), refuses duplicate keys, keys that are lists or
    mappings, aliases, nesting deeper than :data:`MAX_NESTING` and every tag but the plain ones
    (text, numbers, booleans, null, lists, mappings: no dates, no Python objects), each with
    :class:`ParamError` naming ``origin`` and the line."""
    import yaml
    from yaml.constructor import SafeConstructor

    def line(node_or_event) -> str:
        """``line N`` of a node or event (1-based)."""
        return f"line {node_or_event.start_mark.line + 1}"

    class _Loader(yaml.SafeLoader):
        """The loader (resolvers and constructors of its own, not SafeLoader's YAML 1.1 ones)."""

        yaml_implicit_resolvers: dict = {}
        yaml_constructors: dict = {}
        depth = 0

        def compose_node(self, parent, index):
            """One node, refusing an alias and counting the nesting."""
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise ParamError(f"{origin}: {line(event)}: an alias {quote('*' + event.anchor)}; "
                                 "expected plain values (anchors and aliases are not read)")
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise ParamError(f"{origin}: {line(self.peek_event())}: lists or mappings nested more than "
                                 f"{MAX_NESTING} levels deep; expected name: value lines")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    def number(loader, node):
        """A scalar resolved or tagged as a number, read by :func:`read_number`."""
        text = loader.construct_scalar(node)
        value = read_number(text)
        if value is None:
            raise ParamError(f"{origin}: {line(node)}: {quote(text)} is tagged as a number; expected a number")
        return value

    def boolean(loader, node):
        """A scalar resolved or tagged as a boolean (YAML 1.1's words: yes/no, true/false, on/off)."""
        text = loader.construct_scalar(node)
        if text not in _BOOLEANS:
            raise ParamError(f"{origin}: {line(node)}: {quote(text)} is tagged as a boolean; expected true or false")
        return _BOOLEANS[text]

    def mapping(loader, node):
        """A mapping whose keys are scalars, each once."""
        seen = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                raise ParamError(f"{origin}: {line(key_node)}: {kind} as a key; expected a parameter name")
            key = loader.construct_object(key_node)
            if key in seen:
                raise ParamError(f"{origin}: {line(key_node)}: key {quote(str(key))} appears twice")
            seen.add(key)
        return loader.construct_mapping(node)

    def undefined(loader, node):
        """Any other tag (a date, binary, a set, a Python object): refused."""
        mark = node.start_mark
        raise ParamError(f"{origin}: YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: the tag "
                         f"{quote(node.tag)} is not accepted; expected plain values (text, numbers, true/false, "
                         "lists, mappings)")

    # The number resolver tags every number as a float; :func:`number` returns an int for a whole
    # number written without a point or exponent, as read_number does everywhere.
    _Loader.add_implicit_resolver(_YAML + "bool", re.compile("^(?:" + "|".join(_BOOLEANS) + ")$"),
                                  list("yYnNtTfFoO"))
    _Loader.add_implicit_resolver(_YAML + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
    _Loader.add_implicit_resolver(_YAML + "float", re.compile(f"^(?:{NUMBER_RE.pattern})$"),
                                  list("-+.0123456789iInN"))
    for tag, constructor in ((None, undefined), ("str", SafeConstructor.construct_yaml_str),
                             ("seq", SafeConstructor.construct_yaml_seq), ("map", mapping),
                             ("null", SafeConstructor.construct_yaml_null), ("bool", boolean),
                             ("int", number), ("float", number)):
        _Loader.add_constructor(None if tag is None else _YAML + tag, constructor)
    return _Loader


def _load_yaml_text(text: str, origin: str) -> Any:
    """``text`` read as YAML by :func:`_loader_class`'s loader; any problem is one
    :class:`ParamError` line naming ``origin``, the line and column."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader_class(origin))  # noqa: S506 - a SafeLoader subclass
    except yaml.reader.ReaderError as err:  # a control character (an escape, a NUL) in the text
        char = chr(err.character) if isinstance(err.character, int) else str(err.character)
        raise ParamError(f"{origin}: the character {quote(char)} at position {err.position + 1:,} is not "
                         "allowed; expected printable text") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or "not valid YAML"
        raise ParamError(f"{origin}: YAML syntax error{where}: {one_line(problem, 120)}") from None
    except RecursionError:  # the nesting guard stops this first; kept as a last resort
        raise ParamError(f"{origin}: lists or mappings nested too deeply; expected name: value lines") from None


def _parse_parameter_file(data: Any, origin: str, need_description: bool) -> tuple[str, dict]:
    """The description and validated overrides of a loaded file (flat ``name: value`` or a scenario's
    ``description``/``parameters``/``uncertainty`` shape)."""
    if not isinstance(data, dict):
        raise ParamError(f"{origin}: expected a YAML mapping (parameters: ...), got {show(data)}")
    if "parameters" in data:
        extra = set(data) - {"description", "parameters", "uncertainty"}
        if extra:
            raise ParamError(
                f"{origin}: unexpected top-level key {quote(sorted(map(str, extra))[0])}; "
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
    if not isinstance(name, str) or not _SCENARIO_RE.fullmatch(name):
        raise ParamError(
            f"scenario {quote(name)} is not a scenario name; expected letters, digits, '-' or '_' "
            f"(one of: {', '.join(scenario_names())})"
        )
    names = scenario_names()
    if name not in names:
        import difflib

        near = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise ParamError(f"unknown scenario {quote(name)}{hint}; expected one of: {', '.join(names)}")
    text = (SCENARIOS_DIR / f"{name}.yaml").read_text()
    origin = f"scenario '{name}'"
    description, overrides = _parse_parameter_file(_load_yaml_text(text, origin), origin, True)
    return Scenario(name, description, overrides)


def load_params_file(path: str | Path) -> Scenario:
    """A user's parameter file: a YAML mapping of ``name: value`` (or a scenario's shape).

    A missing file, a folder, an unreadable file, one over :data:`MAX_PARAMS_FILE_BYTES` or one
    that is not UTF-8 text is refused with one line naming the file. A pipe or device (``--params
    <(...)``, ``/dev/stdin``) is read up to the size limit.
    """
    # the origin is also the source recorded with the file's distributions: the whole path when
    # it is of a usual length, its end when longer; always one line
    origin = f"params file {quote(str(path), limit=PATH_LIMIT, end=True)}"
    try:
        path = Path(path)
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError, ValueError):
        raise ParamError(f"{origin}: no such file") from None
    except OSError as err:
        raise ParamError(f"{origin}: cannot be read ({(err.strerror or type(err).__name__).lower()})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ParamError(f"{origin}: is a directory; expected a YAML file of parameter: value lines")
    if stat.S_ISREG(info.st_mode) and info.st_size > MAX_PARAMS_FILE_BYTES:
        raise ParamError(f"{origin}: {info.st_size:,} bytes; expected at most {MAX_PARAMS_FILE_BYTES:,}")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_PARAMS_FILE_BYTES + 1)
    except OSError as err:
        raise ParamError(f"{origin}: cannot be read ({(err.strerror or type(err).__name__).lower()})") from None
    if len(data) > MAX_PARAMS_FILE_BYTES:
        raise ParamError(f"{origin}: more than {MAX_PARAMS_FILE_BYTES:,} bytes; expected at most "
                         f"{MAX_PARAMS_FILE_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ParamError(f"{origin}: cannot be read as UTF-8 text (byte {err.start + 1:,} is not UTF-8); "
                         "expected a YAML file") from None
    description, overrides = _parse_parameter_file(_load_yaml_text(text, origin), origin, False)
    return Scenario("custom", description or f"parameters from {path.name}", overrides)


def parse_set(text: str) -> tuple[str, Any]:
    """Parse one ``NAME=VALUE`` override; VALUE is read as YAML by the loader of parameter files
    (the same numbers as everywhere: ``050`` is 50, ``1e21`` a number, ``1:30`` text)."""
    if not isinstance(text, str) or "=" not in text:
        raise ParamError(f"--set {quote(str(text))}: expected NAME=VALUE, e.g. --set fps=30")
    name, raw = (s.strip() for s in text.split("=", 1))
    if not name:
        raise ParamError(f"--set {quote(text)}: expected NAME=VALUE with a parameter name before '='")
    value = _load_yaml_text(raw, f"--set {quote(name)}") if raw else None
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

