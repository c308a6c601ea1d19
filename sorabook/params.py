"""The parameter registry: every assumption of the book, validated in one place.

Each :class:`Param` has a name, the article's value as default, a unit, an allowed
range or set of choices, a one-line description and its source. Scenarios
(``sorabook/scenarios/*.yaml``), a user's ``--params FILE`` and ``--set NAME=VALUE``
overrides are all checked here before anything runs; a bad value raises
:class:`ParamError` with one line that names the parameter, the value and what was
expected (the command line turns it into exit code 2).

Notebooks declare the parameters they use in their papermill ``parameters`` cell
(literals only) and turn them into a :class:`Params` view with
:func:`from_namespace`; the view refuses any name the cell did not declare, so a
chapter cannot silently read a default that a build overrode.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

__all__ = [
    "Param",
    "ParamError",
    "Params",
    "REGISTRY",
    "Scenario",
    "defaults",
    "from_namespace",
    "load_params_file",
    "load_scenario",
    "parse_set",
    "resolve",
    "scenario_names",
    "validate",
    "DISTRIBUTIONS",
    "Distribution",
    "distributions",
    "parse_uncertainty",
]

#: The shipped scenarios (package data).
SCENARIOS_DIR = Path(__file__).parent / "scenarios"

#: A params file larger than this is refused before it is parsed (bytes).
MAX_PARAMS_FILE_BYTES = 1_000_000

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SCENARIO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class ParamError(ValueError):
    """A parameter set is invalid. ``str(err)`` is one line meant for a person."""


@dataclass(frozen=True)
class Param:
    """One assumption of the book.

    ``kind`` is ``"float"``, ``"int"``, ``"bool"``, ``"choice"`` or ``"mapping"`` (the
    Monte Carlo's distributions, validated by :func:`parse_uncertainty`). Numeric
    parameters lie in ``[low, high]``; ``low_open`` makes the lower bound
    exclusive (``> low``), which is how "zero where it divides" is refused.
    """

    name: str
    default: Any
    unit: str
    description: str
    source: str
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()

    def expectation(self) -> str:
        """What a valid value looks like, in words."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "mapping":
            return "a mapping of parameter: distribution (fixed, or dist, low, high and mode)"
        what = "an integer" if self.kind == "int" else "a number"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {_fmt(self.low)}")
        if self.high is not None:
            parts.append(f"<= {_fmt(self.high)}")
        return what + (" " + " and ".join(parts) if parts else "")

    def range_text(self) -> str:
        """Allowed values, compactly (for tables)."""
        if self.kind == "choice":
            return " | ".join(self.choices)
        if self.kind == "bool":
            return "true | false"
        if self.kind == "mapping":
            return "name: fixed | {dist, low, high[, mode]}"
        lo = "(" if self.low_open else "["
        return f"{lo}{_fmt(self.low)}, {_fmt(self.high)}]"

    def check(self, value: Any, origin: str = "") -> Any:
        """Return ``value`` normalised to this parameter's type, or raise ParamError."""
        where = f" (from {origin})" if origin else ""

        def fail(why: str = "") -> ParamError:
            return ParamError(
                f"parameter '{self.name}'{where}: {why or 'got ' + _show(value)}; "
                f"expected {self.expectation()}"
            )

        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise fail()
        if self.kind == "mapping":
            if value is None:
                return {}
            if not isinstance(value, Mapping):
                raise fail()
            parse_uncertainty(value, origin or f"parameter '{self.name}'")
            out = json.loads(json.dumps(value))  # a plain, JSON-able copy
            for spec in out.values():  # each distribution keeps where it was set
                if isinstance(spec, dict) and origin and "source" not in spec:
                    spec["source"] = origin
            return out
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            if isinstance(value, str):
                import difflib

                near = difflib.get_close_matches(value, self.choices, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                raise fail(f"got {_show(value)}{hint}")
            raise fail()
        # numbers
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail()
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(f"got {value}, which is not a finite number")
        if self.kind == "int":
            if isinstance(value, float):
                if not value.is_integer():
                    raise fail()
                value = int(value)
        else:
            value = float(value)
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise fail(f"got {_fmt(value)}, out of range")
        if self.high is not None and value > self.high:
            raise fail(f"got {_fmt(value)}, out of range")
        return value


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {text!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "an empty value"
    return repr(value)


_S_ART_LATENT = "article §02 Detail 1 (latent diffusion): 512x512 image -> 64x64 latent"
_S_ART_VIDEO = "article §04 Training: up to 1 minute at an assumed 24 fps, DiT's 8x in time"

_PARAMS: tuple[Param, ...] = (
    # --- chapter 1: latent compression -------------------------------------------------
    Param("image_size", 512, "px", "side of the square example image",
          _S_ART_LATENT, kind="int", low=8, high=16384),
    Param("pixel_channels", 3, "channels", "colour channels of a pixel (RGB)",
          "convention of the Stable Diffusion autoencoder used by DiT", kind="int",
          low=1, high=4),
    Param("vae_spatial_compression", 8, "x per side",
          "spatial downsampling of the autoencoder, per side",
          "DiT paper (Peebles & Xie 2023) §3: the Stable Diffusion VAE, f = 8", kind="int", low=1, high=64),
    Param("latent_channels", 4, "channels", "channels of the latent representation",
          "DiT paper (Peebles & Xie 2023) §3: latent 64x64x4 at 512x512", kind="int", low=1, high=256),
    Param("patch_size", 2, "latent positions per side",
          "side of the square patch that becomes one transformer token",
          "DiT paper Table 4: XL/2", kind="int", low=1, high=32),
    Param("video_seconds", 60.0, "s", "length of one generated video",
          _S_ART_VIDEO, low=0.0, low_open=True, high=3600.0),
    Param("fps", 24.0, "frames/s", "frame rate of the generated video",
          _S_ART_VIDEO, low=0.0, low_open=True, high=240.0),
    Param("frame_width", 512, "px", "frame width of the generated video",
          "article §04 prices every latent frame as one 512x512 DiT image; Sora ships up to 1920x1080 [S]",
          kind="int", low=16, high=8192),
    Param("frame_height", 512, "px", "frame height of the generated video",
          "article §04 prices every latent frame as one 512x512 DiT image; Sora ships up to 1920x1080 [S]",
          kind="int", low=16, high=8192),
    Param("temporal_compression", 8, "x", "frames per latent frame of the video autoencoder",
          _S_ART_VIDEO, kind="int", low=1, high=64),
    # --- chapter 2: DiT scaling -------------------------------------------------------------
    Param("flops_per_mac", 1.0, "FLOP per table flop",
          "floating-point operations per unit of the DiT paper's 'Gflops' (1 = the article's reading)",
          "article §04 uses Table 4's Gflops as FLOPs; chapter 2 derives what the table counts",
          low=0.5, high=4.0),
    Param("dit_batch_size", 256, "images", "DiT training batch size",
          "DiT paper §4: batch 256", kind="int", low=1, high=1_000_000),
    Param("dit_train_steps", 3_000_000, "steps", "training steps of DiT-XL/2 at 512x512",
          "DiT paper §4 / article §04: 3 million steps", kind="int", low=1, high=1e9),
    # --- chapter 3: training estimate ---------------------------------------------------------
    Param("dit_train_flops", 1e21, "table flop",
          "compute that trained DiT-XL (the article's base), in the DiT paper's unit",
          "article §04: DiT-XL trained with about 10^21 FLOPs", low=0.0, low_open=True, high=1e30),
    Param("model_scale", 30.0, "x", "Sora's compute per sample over DiT-XL's, from model size",
          "article §04: 20B parameters plausible -> '30x DiT'", low=0.0, low_open=True, high=1e4),
    Param("dataset_scale_low", 4.0, "x", "training compute increase from more data, conservative",
          "article §04: count 4x-10x more compute than DiT", low=0.0, low_open=True, high=1e4),
    Param("dataset_scale_high", 10.0, "x", "training compute increase from more data, optimistic",
          "article §04: count 4x-10x more compute than DiT", low=0.0, low_open=True, high=1e4),
    Param("video_data_fraction", 0.5, "share", "share of the training data that is video",
          "article §04: assume 50% images and 50% videos", low=0.0, high=1.0),
    Param("gpu", "H100-SXM", "catalogue name", "accelerator that GPU time is counted on",
          "article §04 counts H100s; chapter 3 shows which H100 figure reproduces it",
          kind="choice", choices=("A100-SXM", "H100-SXM", "H100-PCIe", "H200-SXM", "B200", "MI300X")),
    Param("precision", "bf16", "number format", "number format of training and inference (dense peak)",
          "article §04 (unstated); BF16 reproduces its GPU-months", kind="choice", choices=("bf16", "fp8")),
    Param("train_utilization", 1.0, "share of peak", "model FLOPs utilisation during training",
          "article §04 (unstated): its GPU-months imply 100% of peak", low=0.0, low_open=True, high=1.0),
    Param("days_per_month", 30.0, "days", "length of a month in GPU-months",
          "article §04 (unstated): 30 days reproduces its figures", low=28.0, high=31.0),
    Param("sora_params", 20e9, "parameters", "Sora's parameter count as the article assumes it",
          "article §04: 20B parameters plausible (its '30x DiT' follows from it)", low=0.0, low_open=True,
          high=1e14),
    Param("attention", "linear", "counting rule",
          "how a pass over the clip is counted: the article's linear extrapolation from DiT, or the "
          "Sora-class transformer with attention per latent frame or over the whole clip (full 3D)",
          "article §04: 524 x 10^9 x 30 x 180, linear in frames; open video models use full 3D attention [V]",
          kind="choice", choices=("linear", "per-frame", "full-3d")),
    Param("train_count_images", False, "switch",
          "count the image share of the training data at one DiT image each (the article leaves it out)",
          "article §04's (180 / 2) prices only the video half; its 50/50 mix implies 0.5 x 180 + 0.5 x 1",
          kind="bool"),
    Param("train_utilization_realistic", 0.4, "share of peak",
          "model FLOPs utilisation of a large, well-run training job (the sensitivity case)",
          "Llama 3 (Dubey et al. 2024) Table 4: 38-43% BF16 MFU on 8K-16K H100s [S]",
          low=0.0, low_open=True, high=1.0),
    # --- chapter 4: inference break-even ------------------------------------------------------
    Param("dit_flops_per_step", 524.6e9, "table flop", "DiT-XL/2-512 forward compute per step",
          "DiT paper Table 4: 524.60 Gflops (the article prints 524 x 10^9)",
          low=0.0, low_open=True, high=1e18),
    Param("diffusion_steps", 250, "steps", "denoising steps per generated image or video",
          "article §04 / DiT paper: 250 DDPM steps", kind="int", low=1, high=10_000),
    Param("cfg_passes", 1, "passes per step", "forward passes per step (2 with classifier-free guidance)",
          "article §04 counts 1; DiT samples with guidance (2 passes)", kind="int", low=1, high=4),
    Param("inference_utilization", 1.0, "share of peak", "model FLOPs utilisation during inference",
          "article §04: 'at most' 5 minutes per H100-hour, i.e. 100% of peak", low=0.0, low_open=True,
          high=1.0),
    Param("instagram_images_per_day", 95e6, "images/day", "photos and videos uploaded to Instagram per day",
          "article §04: ~95 million a day (Instagram, 2016)", low=0.0, low_open=True, high=1e12),
    Param("llm_tokens", 1000, "tokens", "tokens of one LLM output document",
          "article §04: a 1,000-token document", kind="int", low=1, high=10_000_000),
    Param("llama2_params", 70e9, "parameters", "parameters of Llama-2-70B (dense, all active)",
          "article §04: Llama-2-70B", low=0.0, low_open=True, high=1e14),
    Param("gpt4_expert_params", 220e9, "parameters", "parameters of one GPT-4 expert (unofficial)",
          "article §04: MoE with 220B-parameter experts (unofficial)", low=0.0, low_open=True, high=1e14),
    Param("gpt4_active_experts", 2, "experts", "GPT-4 experts active per forward pass (unofficial)",
          "article §04: 2 experts active", kind="int", low=1, high=128),
    # --- chapter 5: fleet forecast ------------------------------------------------------------
    Param("tiktok_minutes_per_day", 17e6, "min/day", "minutes of video uploaded to TikTok per day",
          "article §04: 34M videos x 30 s = 17M minutes", low=0.0, low_open=True, high=1e12),
    Param("tiktok_ai_share", 0.5, "share", "share of TikTok uploads generated by AI",
          "article §04: assume 50%", low=0.0, high=1.0),
    Param("youtube_minutes_per_day", 43e6, "min/day", "minutes of video uploaded to YouTube per day",
          "article §04: ~43M minutes a day (500 hours a minute)", low=0.0, low_open=True, high=1e12),
    Param("youtube_ai_share", 0.15, "share", "share of YouTube uploads generated by AI",
          "article §04: assume 15%", low=0.0, high=1.0),
    Param("fleet_utilization", 0.5, "share of peak", "FLOP utilisation of the serving fleet",
          "article §04: x2 for 50% FLOP utilisation", low=0.0, low_open=True, high=1.0),
    Param("peak_to_average", 2.0, "x", "peak over average serving demand",
          "article §04: x2 for peak vs average traffic", low=1.0, high=100.0),
    Param("generations_per_upload", 2.0, "generations", "videos generated per video uploaded",
          "article §04: x2, creators generate about 2 videos per upload", low=1.0, high=1000.0),
    # --- chapter 6: calibration against measured models -------------------------------------
    Param("measured_mfu_delavande", 0.456, "share of peak",
          "published model-FLOPs utilisation of video diffusion transformers in inference on H100",
          "Delavande et al. 2025 (arXiv 2509.19222): mu = 0.456 of 989 TFLOP/s [S]", low=0.0, low_open=True,
          high=1.0),
    Param("sora_width", 1920, "px", "frame width of the Sora-class video", "Sora (Dec 2024): up to 1080p [S]",
          kind="int", low=16, high=8192),
    Param("sora_height", 1080, "px", "frame height of the Sora-class video (padded to a multiple of 16)",
          "Sora (Dec 2024): up to 1080p [S]", kind="int", low=16, high=8192),
    Param("sora_seconds", 20.0, "s", "length of the Sora-class video", "Sora (Dec 2024): up to 20 s [S]",
          low=0.0, low_open=True, high=600.0),
    Param("sora_steps", 50, "steps", "denoising steps of the Sora-class prediction",
          "open video models sample with 50 steps (facts.md: Wan 2.1 [V])", kind="int", low=1, high=10_000),
    Param("sora_cfg_passes", 2, "passes per step", "forward passes per step of the Sora-class prediction",
          "classifier-free guidance: 2 passes, as the open video models", kind="int", low=1, high=4),
    # --- chapter 8: uncertainty ---------------------------------------------------------------
    Param("seed", 20240301, "integer", "seed of the Monte Carlo's random generator (same seed, same draws)",
          "this book's choice (the article's date); any seed is as good", kind="int", low=0, high=2**32 - 1),
    Param("draws", 200_000, "draws", "Monte Carlo draws of every uncertain parameter",
          "this book's choice: 5/50/95 percentiles then move by well under 1 % between seeds", kind="int",
          low=1, high=10_000_000),
    Param("distribution_overrides", {}, "distributions",
          "distributions that replace the Monte Carlo's defaults, by parameter (a scenario's uncertainty: block)",
          "empty: chapter 8's documented defaults (sorabook.params.DISTRIBUTIONS)", kind="mapping"),
)

#: Every parameter of the book, by name, in reading order.
REGISTRY: dict[str, Param] = {p.name: p for p in _PARAMS}
assert len(REGISTRY) == len(_PARAMS), "parameter names are unique"
assert all(_NAME_RE.match(n) for n in REGISTRY), "parameter names are snake_case"


def defaults() -> dict[str, Any]:
    """The article's values for every parameter."""
    return {name: p.default for name, p in REGISTRY.items()}


def _suggest(name: str) -> str:
    import difflib

    near = difflib.get_close_matches(name, list(REGISTRY), n=1, cutoff=0.6)
    return f" (did you mean '{near[0]}'?)" if near else ""


def validate(values: Mapping[str, Any], origin: str = "") -> dict[str, Any]:
    """Check a (partial) set of parameter values and return them normalised.

    Raises :class:`ParamError` at the first problem: an unknown name (with the
    nearest valid name), a value of the wrong type, NaN or infinity, or a value
    outside the parameter's range.
    """
    if not isinstance(values, Mapping):
        raise ParamError(f"{origin or 'parameters'}: expected a mapping of name: value, got {_show(values)}")
    out = {}
    for name, value in values.items():
        if not isinstance(name, str) or name not in REGISTRY:
            where = f" in {origin}" if origin else ""
            raise ParamError(
                f"unknown parameter {str(name)!r}{where}{_suggest(str(name))}; "
                "`sorabook params` lists them all"
            )
        out[name] = REGISTRY[name].check(value, origin)
    return out


def _check_together(values: Mapping[str, Any]) -> None:
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
        raise AttributeError(f"no parameter named {name!r}{_suggest(name)}")

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
            _check_together(values)
        return Params(values, self._complete)

    def differences(self) -> dict[str, Any]:
        """The parameters whose value differs from the article's."""
        return {k: v for k, v in self._values.items() if v != REGISTRY[k].default}

    @property
    def sha256(self) -> str:
        """Hash of the canonical JSON of every value: the identity of a parameter set."""
        return params_sha256(self._values)


def params_sha256(values: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a parameter mapping (sorted keys)."""
    text = json.dumps(dict(values), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def from_namespace(namespace: Mapping[str, Any]) -> Params:
    """The parameters a notebook declared, validated, as a restricted :class:`Params`.

    Call it right after the ``parameters`` cell (``p = from_namespace(globals())``):
    every registry name defined in the namespace is taken, checked and returned;
    names the cell did not declare stay unreadable.
    """
    declared = {k: namespace[k] for k in REGISTRY if k in namespace}
    values = validate(declared, "the parameters cell")
    _check_together(values)
    return Params(values, _complete=False)


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
        raise ParamError(f"{origin}: expected a YAML mapping (parameters: ...), got {_show(data)}")
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
            raise ParamError(f"{origin}: parameters: expected a mapping of name: value, got {_show(overrides)}")
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
    _check_together(values)
    return Params(values), base


# --- uncertainty: a distribution per uncertain parameter (chapter 8) --------------------------

#: The distributions a parameter can carry, with what each needs.
DISTRIBUTION_KINDS: tuple[str, ...] = ("fixed", "uniform", "log-uniform", "triangular")


@dataclass(frozen=True)
class Distribution:
    """What the Monte Carlo of chapter 8 draws for one parameter.

    ``kind`` is one of :data:`DISTRIBUTION_KINDS`. ``low``, ``high`` (and ``mode``
    for ``triangular``) are in the parameter's own unit and inside its allowed
    range. ``fixed`` takes the build's point value of the parameter (no bounds).
    Integer parameters are drawn as real numbers and rounded to the nearest whole
    number. ``source`` says where the range comes from.
    """

    name: str
    kind: str = "fixed"
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    source: str = ""

    def text(self) -> str:
        """The distribution in words, e.g. ``log-uniform [4, 10]``."""
        if self.kind == "fixed":
            return "fixed at the point value"
        if self.kind == "triangular":
            return f"triangular [{_fmt(self.low)}, {_fmt(self.high)}], mode {_fmt(self.mode)}"
        return f"{self.kind} [{_fmt(self.low)}, {_fmt(self.high)}]"


_DIT_XL_PARAMS = 675e6  # DiT paper Table 4: XL/2 has 675M parameters (the article's "30x" base)
_S_UTIL = ("this book's range of model FLOPs utilisation, 30-60 % of peak; it contains the 45.6 % measured "
           "for video DiTs on H100 (Delavande et al. 2025)")

#: Default distributions (parameters not listed are fixed at their point value).
DISTRIBUTIONS: dict[str, Distribution] = {d.name: d for d in (
    Distribution("model_scale", "log-uniform", 10e9 / _DIT_XL_PARAMS, 30e9 / _DIT_XL_PARAMS,
                 source="10B-30B parameters over DiT-XL's 675M (article: 20B -> 30x, compute in proportion "
                        "to parameters); open video models of 10B (Mochi 1) to 30B (Movie Gen, Step-Video)"),
    Distribution("sora_params", "log-uniform", 10e9, 30e9,
                 source="the same 10B-30B as model_scale, for the counted transformer of the architecture modes "
                        "(attention per-frame or full-3d; the linear count reads model_scale instead)"),
    Distribution("dataset_scale_low", "log-uniform", 4.0, 10.0,
                 source="article §04: 4x-10x more compute than DiT from data (one factor between its two ends)"),
    Distribution("video_data_fraction", "triangular", 0.25, 0.75, 0.5,
                 source="article §04 assumes 50 % video; this book's range around it (not disclosed)"),
    Distribution("diffusion_steps", "log-uniform", 50, 250,
                 source="DiT samples 250 steps (article); open video models sample 50 (Wan 2.1 and others)"),
    Distribution("cfg_passes", "uniform", 1, 2,
                 source="article counts 1 pass; DiT and open video models sample with guidance (2)"),
    Distribution("train_utilization", "uniform", 0.3, 0.6, source=_S_UTIL),
    Distribution("inference_utilization", "uniform", 0.3, 0.6, source=_S_UTIL),
    Distribution("fleet_utilization", "uniform", 0.3, 0.6, source=_S_UTIL + "; the article's 50 % inside"),
    Distribution("tiktok_minutes_per_day", "log-uniform", 17e6, 40e6,
                 source="article's 17M (34M x 30 s) to 40M (117M uploads x 20.5 s on 10 April 2024, "
                        "Steel, ..., Pfeffer 2025 [S])"),
    Distribution("tiktok_ai_share", "triangular", 0.1, 0.9, 0.5,
                 source="article §04 assumes 50 %; no measurement exists, this book's range around it"),
    Distribution("youtube_ai_share", "triangular", 0.05, 0.3, 0.15,
                 source="article §04 assumes 15 %; no measurement exists, this book's range around it"),
    Distribution("peak_to_average", "triangular", 1.5, 3.0, 2.0,
                 source="article §04 assumes x2; this book's range around it"),
    Distribution("generations_per_upload", "triangular", 1.0, 4.0, 2.0,
                 source="article §04 assumes about 2 generations per upload; this book's range around it"),
)}

_DIST_KEYS = ("dist", "low", "high", "mode", "source")


def parse_uncertainty(data: Any, origin: str = "uncertainty") -> dict[str, Distribution]:
    """Validate a scenario file's ``uncertainty:`` mapping and return its distributions.

    Each entry is ``name: fixed`` or ``name: {dist: KIND, low: X, high: Y[, mode: M][, source: TEXT]}``.
    Raises :class:`ParamError` (one line) for an unknown or non-numeric parameter,
    an unknown distribution or key, a missing or out-of-range bound, ``low > high``,
    a log-uniform bound that is not positive, or a mode outside ``[low, high]``.
    """
    if data is None:
        return {}
    where = f"{origin}, uncertainty"
    if not isinstance(data, Mapping):
        raise ParamError(f"{where}: expected a mapping of parameter: distribution, got {_show(data)}")
    out = {}
    for name, spec in data.items():
        if not isinstance(name, str) or name not in REGISTRY:
            raise ParamError(f"{where}: unknown parameter {str(name)!r}{_suggest(str(name))}; "
                             "`sorabook params` lists them all")
        param = REGISTRY[name]
        if param.kind not in ("float", "int") or name in ("seed", "draws"):
            raise ParamError(f"{where}: parameter '{name}' cannot carry a distribution; expected a numeric "
                             "model parameter")
        if spec == "fixed":
            spec = {"dist": "fixed"}
        if not isinstance(spec, Mapping):
            raise ParamError(f"{where}: parameter '{name}': got {_show(spec)}; expected 'fixed' or a mapping "
                             "with dist, low, high (and mode for triangular)")
        for key in spec:
            if key not in _DIST_KEYS:
                raise ParamError(f"{where}: parameter '{name}': unknown key {str(key)!r}; expected "
                                 + ", ".join(_DIST_KEYS))
        kind = spec.get("dist")
        if kind not in DISTRIBUTION_KINDS:
            import difflib

            near = difflib.get_close_matches(str(kind), DISTRIBUTION_KINDS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise ParamError(f"{where}: parameter '{name}': unknown distribution {_show(kind)}{hint}; expected "
                             "one of " + ", ".join(DISTRIBUTION_KINDS))
        source = spec.get("source", f"{origin}")
        if not isinstance(source, str):
            raise ParamError(f"{where}: parameter '{name}': source: expected a text, got {_show(source)}")
        needed = {"fixed": (), "triangular": ("low", "high", "mode")}.get(kind, ("low", "high"))
        for key in ("low", "high", "mode"):
            if key in spec and key not in needed:
                raise ParamError(f"{where}: parameter '{name}': '{key}' does not apply to a {kind} distribution")
            if key in needed and key not in spec:
                raise ParamError(f"{where}: parameter '{name}': a {kind} distribution needs '{key}'")
        bounds = {k: float(param.check(spec[k], f"{where}, {k}")) for k in needed}
        if bounds and bounds["low"] > bounds["high"]:
            raise ParamError(f"{where}: parameter '{name}': low {_fmt(bounds['low'])} > high "
                             f"{_fmt(bounds['high'])}; expected low <= high")
        if kind == "log-uniform" and bounds["low"] <= 0:
            raise ParamError(f"{where}: parameter '{name}': low {_fmt(bounds['low'])}; a log-uniform "
                             "distribution expects low > 0")
        if kind == "triangular" and not bounds["low"] <= bounds["mode"] <= bounds["high"]:
            raise ParamError(f"{where}: parameter '{name}': mode {_fmt(bounds['mode'])} outside "
                             f"[{_fmt(bounds['low'])}, {_fmt(bounds['high'])}]; expected low <= mode <= high")
        out[name] = Distribution(name, kind, bounds.get("low"), bounds.get("high"), bounds.get("mode"),
                                 " ".join(source.split()))
    return out


def distributions(params: Mapping[str, Any]) -> dict[str, Distribution]:
    """The Monte Carlo's distributions for a parameter set: :data:`DISTRIBUTIONS` updated by
    its parameter ``distribution_overrides`` (a scenario's ``uncertainty:`` block; ``name: fixed``
    removes that parameter's uncertainty)."""
    block = params.get("distribution_overrides") or None
    return {**DISTRIBUTIONS, **parse_uncertainty(block, "parameter 'distribution_overrides'")}
