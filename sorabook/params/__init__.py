"""The parameters: every assumption of the book, validated in one place (the bottom layer).

- :mod:`~sorabook.params.param`: one parameter and its check (:class:`Param`, :class:`ParamError`);
- :mod:`~sorabook.params.table`: the registry, every parameter with its default, unit, range, source;
- :mod:`~sorabook.params.distributions`: what the Monte Carlo draws for each uncertain parameter;
- :mod:`~sorabook.params.values`: validated sets (:class:`Params`) and their SHA-256;
- :mod:`~sorabook.params.files`: scenarios, ``--params`` files, ``--set`` overrides, :func:`resolve`.

Scenarios (``scenarios/*.yaml``), a user's ``--params FILE`` and ``--set NAME=VALUE`` overrides
are all checked here before anything runs. Nothing here imports from the rest of the package.
"""

from sorabook.params.distributions import DISTRIBUTION_KINDS, DISTRIBUTIONS, Distribution, distributions, parse_uncertainty
from sorabook.params.files import Scenario, load_params_file, load_scenario, parse_set, resolve, scenario_names
from sorabook.params.param import Param, ParamError
from sorabook.params.table import REGISTRY, defaults
from sorabook.params.values import Params, from_namespace, params_sha256, validate

__all__ = [
    "DISTRIBUTIONS",
    "DISTRIBUTION_KINDS",
    "Distribution",
    "Param",
    "ParamError",
    "Params",
    "REGISTRY",
    "Scenario",
    "defaults",
    "distributions",
    "from_namespace",
    "load_params_file",
    "load_scenario",
    "params_sha256",
    "parse_set",
    "parse_uncertainty",
    "resolve",
    "scenario_names",
    "validate",
]
