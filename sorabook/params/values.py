"""Validated parameter sets: :func:`validate` for a (partial) mapping, :class:`Params` for a complete
or a chapter's restricted set, and the SHA-256 that identifies a set.

Notebooks declare the parameters they use in their papermill ``parameters`` cell (literals only)
and turn them into a :class:`Params` view with :func:`from_namespace`; the view refuses any name
the cell did not declare, so a chapter cannot silently read a default that a build overrode.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from sorabook.params.distributions import parse_uncertainty
from sorabook.params.literals import quote
from sorabook.params.param import ParamError, show
from sorabook.params.table import REGISTRY, suggest

__all__ = ["Params", "check_together", "from_namespace", "params_sha256", "validate"]


def validate(values: Mapping[str, Any], origin: str = "") -> dict[str, Any]:
    """Check a (partial) set of parameter values and return them normalised.

    Raises :class:`ParamError` at the first problem: an unknown name (with the
    nearest valid name), a value of the wrong type, NaN or infinity, or a value
    outside the parameter's range.
    """
    if not isinstance(values, Mapping):
        raise ParamError(f"{origin or 'parameters'}: expected a mapping of name: value, got {show(values)}")
    out = {}
    for name, value in values.items():
        if not isinstance(name, str) or name not in REGISTRY:
            where = f" in {origin}" if origin else ""
            raise ParamError(
                f"unknown parameter {quote(str(name))}{where}{suggest(str(name))}; "
                "`sorabook params` lists them all"
            )
        param = REGISTRY[name]
        if param.kind == "mapping" and isinstance(value, Mapping):
            parse_uncertainty(value, origin or f"parameter '{name}'")
        out[name] = param.check(value, origin)
    return out


def check_together(values: Mapping[str, Any]) -> None:
    """Constraints that involve several parameters (each checked when all its names are present)."""
    if all(k in values for k in ("vae_spatial_compression", "patch_size")):
        side = values["vae_spatial_compression"] * values["patch_size"]
    else:
        side = 1
    for name in ("image_size", "frame_width", "frame_height"):
        if side > 1 and name in values and values[name] % side:
            raise ParamError(
                f"parameter '{name}': got {values[name]}; expected a multiple of "
                f"vae_spatial_compression x patch_size = {side} (next valid: {-(-values[name] // side) * side})"
            )
    if values.get("gpu") == "A100-SXM" and values.get("precision") == "fp8":
        raise ParamError("parameter 'precision': got 'fp8'; the A100-SXM has no FP8 units, expected bf16")


class Params(Mapping):
    """A validated, read-only set of parameter values; attribute access by name.

    A view made by :func:`from_namespace` holds only the names a chapter
    declared: reading any other raises ``AttributeError`` naming the chapter's
    parameters cell.
    """

    __slots__ = ("_values", "_complete")

    def __init__(self, values: Mapping[str, Any], _complete: bool = True):
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_complete", _complete)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        if name in REGISTRY:
            raise AttributeError(
                f"parameter '{name}' is used but not declared in this chapter's parameters cell"
            )
        raise AttributeError(f"no parameter named {name!r}{suggest(name)}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params is read-only; use .replace(name=value)")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Params({self._values!r})"

    def replace(self, **changes: Any) -> "Params":
        """A new set with ``changes`` applied and validated."""
        values = {**self._values, **validate(changes)}
        if self._complete:
            check_together(values)
        return Params(values, self._complete)

    def differences(self) -> dict[str, Any]:
        """The parameters whose value differs from the article's."""
        return {k: v for k, v in self._values.items() if v != REGISTRY[k].default}

    @property
    def sha256(self) -> str:
        """Hash of the canonical JSON of every value: the identity of a parameter set."""
        return params_sha256(self._values)


def params_sha256(values: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a parameter mapping (sorted keys; ``-0.0`` is ``0.0``, the
    same number, so the same hash)."""
    text = json.dumps(_canonical(dict(values)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """``value`` with every float ``-0.0`` (in lists and mappings too) replaced by ``0.0``."""
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def from_namespace(namespace: Mapping[str, Any]) -> Params:
    """The parameters a notebook declared, validated, as a restricted :class:`Params`.

    Call it right after the ``parameters`` cell (``p = from_namespace(globals())``):
    every registry name defined in the namespace is taken, checked and returned;
    names the cell did not declare stay unreadable.
    """
    declared = {k: namespace[k] for k in REGISTRY if k in namespace}
    values = validate(declared, "the parameters cell")
    check_together(values)
    return Params(values, _complete=False)

