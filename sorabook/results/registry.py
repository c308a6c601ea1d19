"""Every headline result and every claim of the article, defined once, in reading order.

:data:`RESULTS` maps each permanent result key to its :class:`~sorabook.results.specs.ResultSpec`
(unit, description, chapter, format, domain and the function of the parameters that computes
it), gathered from the chapter modules ``ch01_latent`` to ``ch08_uncertainty``. :data:`CLAIMS`
lists the numbers the article prints, each with its recomputation from the article's own inputs.
``sorabook results``, the chapters (which record a result by its key), the build's
``results.json`` and the live page all evaluate these definitions through :func:`compute`.

Keys are permanent: a renamed result keeps its old key in ``aliases``.
"""

from __future__ import annotations

from typing import Iterable

from sorabook.params import Params, defaults
from sorabook.results import (ch01_latent, ch02_dit, ch03_training, ch04_inference, ch05_fleet, ch06_calibration,
                              ch07_corrections, ch08_uncertainty, ch09_evidence)
from sorabook.results.specs import Claim, ResultSpec

__all__ = ["ALIASES", "CHAPTERS", "CLAIMS", "RESULTS", "check_claims", "compute", "evaluate", "lookup"]

_CHAPTERS = (ch01_latent.ch, ch02_dit.ch, ch03_training.ch, ch04_inference.ch, ch05_fleet.ch, ch06_calibration.ch,
             ch07_corrections.ch, ch08_uncertainty.ch, ch09_evidence.ch)

#: Chapter notebooks, in reading order (file stems under ``notebooks/``).
CHAPTERS: tuple[str, ...] = tuple(c.stem for c in _CHAPTERS)

RESULTS: dict[str, ResultSpec] = {key: spec for c in _CHAPTERS for key, spec in c.results.items()}
assert len(RESULTS) == sum(len(c.results) for c in _CHAPTERS), "result keys are unique"

CLAIMS: list[Claim] = [claim for c in _CHAPTERS for claim in c.claims]

ALIASES: dict[str, str] = {alias: spec.key for spec in RESULTS.values() for alias in spec.aliases}
assert not set(ALIASES) & set(RESULTS), "an alias is never also a key"


def lookup(key: str) -> ResultSpec:
    """The spec of a result by key or by a retired alias (KeyError otherwise)."""
    return RESULTS[ALIASES.get(key, key)]


def evaluate(key: str, params: Params) -> float:
    """One result for a parameter set, checked against its domain (DomainError outside it)."""
    return lookup(key).evaluate(params)


def compute(params: Params, chapters: Iterable[str] | None = None) -> dict[str, float]:
    """Every headline result (of ``chapters``, default all) for a complete parameter set, each
    checked against its domain: the first value outside raises
    :class:`~sorabook.results.specs.DomainError`, so no wrong number is ever returned."""
    wanted = set(chapters) if chapters is not None else None
    return {key: spec.evaluate(params) for key, spec in RESULTS.items() if wanted is None or spec.chapter in wanted}


def check_claims(chapter: str | None = None) -> list[dict]:
    """The article's printed numbers recomputed from its own stated inputs (the defaults)."""
    article = Params(defaults())
    return [c.check(article) for c in CLAIMS if chapter is None or c.chapter == chapter]
