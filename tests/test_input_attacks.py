"""Issue 19, items 6, 7 and 8 (input side): every hostile or careless input gets one readable line,
exit 2, an empty stdout and nothing written; numbers are read as a person means them, the same way
in ``--set``, ``--params`` files and command-line flags; any output encoding prints something
readable; a closed pipe ends the command quietly.

Each attack runs the real command line in a subprocess (``python -m sorabook`` of this checkout,
so the test does not depend on which ``sorabook`` script is installed), from an empty folder with
its own cache, and checks that the folder is unchanged afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sorabook.params import ParamError, params_sha256, parse_set, resolve
from sorabook.params.literals import Unbounded, one_line, quote, read_number

from conftest import ROOT, tree_snapshot

BIG = "9" * 400  # past a float: OverflowError before issue 19
HUGE = "9" * 5000  # past Python's 4,300-digit int conversion limit: ValueError before issue 19
DEEP_LIST = "[" * 20_000 + "]" * 20_000  # RecursionError before issue 19
DEEP_MAP = "{a: " * 5_000 + "1" + "}" * 5_000
LONG_NAME = "x" * 100_000


def sorabook(*args: str, cwd: Path, env: dict | None = None, binary: bool = False) -> subprocess.CompletedProcess:
    """Run ``python -m sorabook ARGS`` of this checkout in ``cwd`` with its own cache folder."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "SORABOOK_CACHE": str(cwd / "cache"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "sorabook", *args], capture_output=True, text=not binary,
                          cwd=cwd, env=full_env, timeout=300)


#: (id, arguments, files to create in the folder first {name: text}, environment, fragment of the message).
#: A file named in the arguments as ``@NAME`` is passed by its path.
ATTACKS = [
    # --- item 6: tracebacks where one line was promised -------------------------------------------
    ("list-key-file", ["results", "--params", "@p.yaml"], {"p.yaml": "? [1, 2]\n: 3\n"}, {},
     "line 1: a list as a key; expected a parameter name"),
    ("list-key-set", ["results", "--set", "fps=? [1, 2]"], {}, {}, "a list as a key"),
    ("mapping-key-file", ["results", "--params", "@p.yaml"], {"p.yaml": "parameters:\n  ? {a: 1}\n  : 2\n"}, {},
     "line 2: a mapping as a key"),
    ("deep-list-file", ["results", "--params", "@p.yaml"], {"p.yaml": f"fps: {DEEP_LIST}\n"}, {},
     "nested more than 64 levels deep"),
    ("deep-list-file-5000", ["results", "--params", "@p.yaml"], {"p.yaml": "fps: " + "[" * 5000 + "]" * 5000}, {},
     "nested more than 64 levels deep"),
    ("deep-map-file", ["results", "--params", "@p.yaml"], {"p.yaml": f"fps: {DEEP_MAP}\n"}, {},
     "nested more than 64 levels deep"),
    ("deep-block-file", ["results", "--params", "@p.yaml"],
     {"p.yaml": "".join(" " * i + "a:\n" for i in range(1000))}, {}, "nested more than 64 levels deep"),
    ("deep-list-set", ["results", "--set", f"fps={DEEP_LIST}"], {}, {}, "--set 'fps': line 1: lists or mappings"),
    ("deep-uncertainty-set", ["results", "--set", f"distribution_overrides={DEEP_MAP}"], {}, {},
     "nested more than 64 levels deep"),
    ("big-fps-file", ["results", "--params", "@p.yaml"], {"p.yaml": f"fps: {BIG}\n"}, {},
     "parameter 'fps' (from params file"),
    ("big-fps-set", ["results", "--set", f"fps={BIG}"], {}, {}, "got a 400-digit number, out of range"),
    ("big-seed-set", ["results", "--set", f"seed={BIG}"], {}, {}, "parameter 'seed' (from --set): got a 400-digit"),
    ("huge-seed-file", ["results", "--params", "@p.yaml"], {"p.yaml": f"seed: {HUGE}\n"}, {},
     "got a 5,000-digit number, out of range"),
    ("huge-fps-set", ["results", "--set", f"fps={HUGE}"], {}, {}, "got a 5,000-digit number, out of range"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("big-float-fps-set", ["results", "--set", f"fps={BIG}.5"], {}, {}, "which is not a finite number"),
    ("big-gpus", ["predict", "--model", "wan2.1-14b", "--gpus", BIG], {}, {},
     "parameter 'gpus_per_video' (from --gpus): got a 400-digit number, out of range"),
    ("big-steps", ["predict", "--model", "wan2.1-14b", "--steps", BIG], {}, {},
     "parameter 'diffusion_steps' (from --steps): got a 400-digit number, out of range"),
    ("huge-steps", ["predict", "--model", "wan2.1-14b", "--steps", HUGE], {}, {}, "got a 5,000-digit number"),
    ("huge-fps-flag", ["predict", "--model", "wan2.1-14b", "--fps", HUGE], {}, {}, "got a 5,000-digit number"),
    ("big-layers", ["predict", "--model", "wan2.1-14b", "--layers", BIG], {}, {},
     "argument --layers: got a 400-digit number, out of range"),
    ("huge-hidden", ["predict", "--model", "wan2.1-14b", "--hidden", HUGE], {}, {},
     "argument --hidden: got a 5,000-digit number, out of range"),
    ("big-patch", ["predict", "--model", "wan2.1-14b", "--patch", f"1,2,{BIG}"], {}, {},
     "expected three whole numbers from 1 to 4096"),
    ("huge-mlp-ratio", ["predict", "--model", "wan2.1-14b", "--mlp-ratio", BIG], {}, {}, "out of range"),
    ("big-draws", ["results", "--uncertainty", "--draws", BIG], {}, {}, "parameter 'draws' (from --draws)"),
    ("huge-seed-flag", ["results", "--uncertainty", "--seed", HUGE], {}, {},
     "parameter 'seed' (from --seed): got a 5,000-digit number, out of range"),
    ("big-jobs", ["build", "--jobs", BIG, "--out", "site"], {}, {},
     "argument --jobs: got a 400-digit number, out of range"),
    ("huge-jobs", ["build", "--jobs", HUGE, "--out", "site"], {}, {}, "got a 5,000-digit number, out of range"),
    ("alias-bomb", ["results", "--params", "@p.yaml"],
     {"p.yaml": "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
         f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
      + "uncertainty: {fps: {dist: choice, values: *i}}\n"}, {}, "line 2: an alias '*a'"),
    ("python-tag", ["results", "--params", "@p.yaml"], {"p.yaml": "fps: !!python/object/apply:os.system [ls]\n"},
     {}, "python/object/apply:os.system' is not accepted"),
    ("binary-tag", ["results", "--set", "fps=!!binary aGVsbG8="], {}, {}, "tag:yaml.org,2002:binary' is not accepted"),
    ("set-tag", ["results", "--params", "@p.yaml"], {"p.yaml": "distribution_overrides: !!set {a, b}\n"}, {},
     "tag:yaml.org,2002:set' is not accepted"),
    ("date-in-uncertainty", ["results", "--params", "@p.yaml"],
     {"p.yaml": "parameters:\nuncertainty:\n  fps: {dist: uniform, low: 2020-01-01, high: 30}\n"}, {},
     "got the text '2020-01-01'"),
    ("bad-bool-tag", ["results", "--set", "measured_utilization=!!bool maybe"], {}, {},
     "'maybe' is tagged as a boolean; expected true or false"),
    ("bad-int-tag", ["results", "--set", "fps=!!int 1:30"], {}, {}, "'1:30' is tagged as a number"),
    ("duplicate-key", ["results", "--params", "@p.yaml"], {"p.yaml": "fps: 24\nfps: 30\n"}, {},
     "line 2: key 'fps' appears twice"),
    # --- item 7: inputs silently misread (now refused where they are not numbers) -----------------
    ("sexagesimal-set", ["results", "--set", "fps=1:30"], {}, {}, "parameter 'fps' (from --set): got the text '1:30'"),
    ("sexagesimal-file", ["results", "--params", "@p.yaml"], {"p.yaml": "fps: 1:30\n"}, {}, "got the text '1:30'"),
    ("sexagesimal-flag", ["predict", "--model", "wan2.1-14b", "--fps", "1:30"], {}, {},
     "parameter 'fps' (from --fps): got the text '1:30'"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("1e309-file", ["results", "--params", "@p.yaml"], {"p.yaml": "fps: 1e309\n"}, {},
     "parameter 'fps' (from params file '"),
    ("1e309-file-message", ["results", "--params", "@p.yaml"], {"p.yaml": "fps: 1e309\n"}, {},
     "got 1e309, which is not a finite number"),
    ("1e309-set", ["results", "--set", "fps=1e309"], {}, {}, "got 1e309, which is not a finite number"),
    ("1e309-flag", ["predict", "--model", "wan2.1-14b", "--fps", "1e309"], {}, {}, "got 1e309, which is not a finite"),
    ("inf-file", ["results", "--params", "@p.yaml"], {"p.yaml": "fps: inf\n"}, {}, "got inf, which is not a finite"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("nan-set", ["results", "--set", "fps=.nan"], {}, {}, "got nan, which is not a finite number"),
    # --- item 8: messages -------------------------------------------------------------------------
    # guard: this one held before issue 19; kept so it keeps holding
    ("newline-in-name", ["results", "--set", "fp\ns=30"], {}, {}, "unknown parameter 'fp\\ns' in --set"),
    ("long-name", ["results", "--set", f"{LONG_NAME}=1"], {}, {}, "...' (100,000 characters)"),
    ("long-name-file", ["results", "--params", "@p.yaml"], {"p.yaml": f"? {LONG_NAME}\n: 1\n"}, {},
     "(100,000 characters)"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("escape-in-name", ["results", "--set", "\x1b]0;pwned\x07fps=30"], {}, {}, "'\\x1b]0;pwned\\x07fps'"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("bidi-in-name", ["results", "--set", "f\u202eps=30"], {}, {}, "'f\\u202eps'"),
    ("escape-in-file-name", ["results", "--params", "\x1b[31mred\x1b[0m.yaml"], {}, {},
     "params file '\\x1b[31mred\\x1b[0m.yaml': no such file"),
    ("newline-in-file-name", ["results", "--params", "a\nb.yaml"], {}, {}, "params file 'a\\nb.yaml': no such file"),
    ("escape-in-existing-file-name", ["results", "--params", "@\x1b[2Jp.yaml"], {"\x1b[2Jp.yaml": "fsp: 1\n"}, {},
     "did you mean 'fps'"),
    ("long-file-name", ["results", "--params", "d/" * 2000 + "p.yaml"], {}, {},
     "d/d/p.yaml' (4,006 characters): no such file"),
    ("params-directory", ["results", "--params", "@d"], {"d/x": "1\n"}, {}, "is a directory; expected a YAML file"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("params-missing", ["results", "--params", "nope.yaml"], {}, {}, "params file 'nope.yaml': no such file"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("params-under-a-file", ["results", "--params", "@f/p.yaml"], {"f": "x\n"}, {}, "no such file"),
    ("params-not-utf8", ["results", "--params", "@p.yaml"], {"p.yaml": b"fps: \xff\n"}, {},
     "cannot be read as UTF-8 text (byte 6 is not UTF-8)"),
    ("long-scenario", ["results", "--scenario", LONG_NAME + "\n"], {}, {}, "is not a scenario name"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("escape-scenario", ["results", "--scenario", "ar\x1b[8mticle"], {}, {}, "scenario 'ar\\x1b[8mticle'"),
    ("long-model", ["predict", "--model", LONG_NAME + "\nx"], {}, {}, "unknown model 'xxxx"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("escape-model", ["predict", "--model", "wan\x1b[31m"], {}, {}, "unknown model 'wan\\x1b[31m'"),
    ("long-unknown-key", ["results", "--params", "@p.yaml"],
     {"p.yaml": f"parameters:\nuncertainty:\n  fps:\n    dist: uniform\n    ? {LONG_NAME}\n    : 3\n"}, {},
     "unknown key 'xxxx"),
    ("escape-in-argv", ["results", "\x1b]0;pwned\x07", "a\nb"], {}, {},
     "unrecognized arguments: \\x1b]0;pwned\\x07 a\\nb"),
    ("long-argv", ["results", LONG_NAME], {}, {}, "unrecognized arguments"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("escape-in-choice", ["results", "--format", "\x1b[2J"], {}, {}, "invalid choice: '\\x1b[2J'"),
    ("escape-in-set-value", ["results", "--set", "gpu=H100\x1b[2J"], {}, {},
     "--set 'gpu': the character '\\x1b' at position 5 is not allowed"),
    ("long-text-value", ["results", "--set", "gpu=" + LONG_NAME], {}, {}, "(100,000 characters)"),
    # guard: this one held before issue 19; kept so it keeps holding
    ("escape-in-jobs", ["build", "--jobs", "\x1b[2J", "--out", "site"], {}, {}, "got '\\x1b[2J'"),
]


@pytest.mark.parametrize("name, args, files, env, fragment", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_is_one_line_exit_2_and_writes_nothing(tmp_path, name, args, files, env, fragment):
    """attack: each row of :data:`ATTACKS` (issue 19 items 6, 7 and 8, input side). Before the fix a
    traceback (TypeError, RecursionError, OverflowError, ValueError), a value silently misread, a
    two-line or 100 KB message, raw terminal escapes, or "no such file" for a directory; each row
    failed on the code before issue 19 except those marked "guard", which held and are kept."""
    work = tmp_path / "work"
    work.mkdir()
    for rel, text in files.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    argv = [str(work / a[1:]) if a.startswith("@") else a for a in args]
    before = tree_snapshot(work)
    proc = sorabook(*argv, cwd=work, env=env)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert proc.stdout == ""
    err = proc.stderr
    assert err.endswith("\n") and err.count("\n") == 1, err[:2000]
    assert "Traceback" not in err and "\x1b" not in err and "\x07" not in err
    assert len(err) < 1000, len(err)
    assert fragment in err, err
    assert tree_snapshot(work) == before  # nothing written: no cache, no site


# --- item 7: numbers read as a person means them, the same way everywhere ---------------------------

#: (text as typed, parameter, the value it means).
MEANT = [
    ("050", "diffusion_steps", 50),  # YAML 1.1: octal 40
    ("0050", "fps", 50.0),
    ("1e21", "dit_train_flops", 1e21),  # a params file refused it as "the text '1e21'"
    ("1E21", "dit_train_flops", 1e21),
    ("2.5e1", "fps", 25.0),
    ("1_000", "diffusion_steps", 1000),
    ("30.", "fps", 30.0),
    ("+30", "fps", 30.0),
    ("1e3", "diffusion_steps", 1000),
    ("-0.0", "tiktok_ai_share", 0.0),
    ("0x10", "diffusion_steps", 16),
    ("0o17", "diffusion_steps", 15),
]


@pytest.mark.parametrize("text, name, value", MEANT)
def test_numbers_read_the_same_in_set_files_and_flags(tmp_path, text, name, value):
    """attack: ``--set diffusion_steps=050`` became 40 (octal) and a params file refused ``1e21`` that
    ``--set`` accepted. Now ``--set``, a params file, a scenario-shaped file and the reader of the
    command-line flags give the same number."""
    from_set, _ = resolve(sets=[f"{name}={text}"])
    flat = tmp_path / "flat.yaml"
    flat.write_text(f"{name}: {text}\n")
    shaped = tmp_path / "shaped.yaml"
    shaped.write_text(f"description: x\nparameters:\n  {name}: {text}\n")
    for params in (from_set, resolve(params_file=flat)[0], resolve(params_file=shaped)[0]):
        assert params[name] == value and type(params[name]) is type(value)
        assert str(params[name]) == str(value)  # -0.0 is 0.0
    assert read_number(text) == value


def test_steps_050_in_predict_and_results_is_fifty(tmp_path):
    """attack: ``--set diffusion_steps=050`` became 40; ``predict --steps 050`` must agree with it."""
    doc = json.loads(sorabook("results", "--format", "json", "--set", "diffusion_steps=050", cwd=tmp_path).stdout)
    assert doc["parameters"]["diffusion_steps"] == 50
    pred = json.loads(sorabook("predict", "--model", "wan2.1-14b", "--steps", "050", "--format", "json",
                               cwd=tmp_path).stdout)
    assert pred["steps"] == 50


def test_minus_zero_and_zero_are_one_parameter_set():
    """attack: ``--set tiktok_ai_share=-0.0`` and ``=0.0`` gave different SHA-256s (one parameter set,
    two cache entries and two identities)."""
    a, _ = resolve(sets=["tiktok_ai_share=-0.0"])
    b, _ = resolve(sets=["tiktok_ai_share=0.0"])
    c, _ = resolve(sets=["tiktok_ai_share=0"])
    assert a.sha256 == b.sha256 == c.sha256
    assert params_sha256({"x": -0.0, "y": [-0.0], "z": {"w": -0.0}}) == params_sha256({"x": 0.0, "y": [0.0],
                                                                                       "z": {"w": 0.0}})
    d, _ = resolve(sets=["distribution_overrides={fps: {dist: uniform, low: 1, high: 2, source: x}, "
                         "tiktok_ai_share: {dist: uniform, low: -0.0, high: 0.5, source: x}}"])
    e, _ = resolve(sets=["distribution_overrides={fps: {dist: uniform, low: 1, high: 2, source: x}, "
                         "tiktok_ai_share: {dist: uniform, low: 0.0, high: 0.5, source: x}}"])
    assert d.sha256 == e.sha256


@pytest.mark.parametrize("text", ["1:30", "1:30:00", "0b101", "1,000", "12e", "1__0", "0x", "--1", "1.2.3", "yes"])
def test_what_is_not_a_number_is_not_read_as_one(text):
    """attack: YAML 1.1 read ``1:30`` as 90 (sexagesimal); these stay text (and are refused for a
    numeric parameter as "the text ...")."""
    assert read_number(text) is None
    with pytest.raises(ParamError, match="got the (text|boolean)"):
        resolve(sets=[f"fps={text}"])


def test_booleans_and_tags_as_before():
    """YAML's booleans (``yes``/``true``), null, quoted text and the refusal of Python tags and
    duplicate keys are kept."""
    assert parse_set("measured_utilization=yes") == ("measured_utilization", True)
    assert parse_set("measured_utilization=False") == ("measured_utilization", False)
    assert parse_set("fps=~") == ("fps", None)
    assert parse_set("fps='30'") == ("fps", "30")
    assert parse_set("fps=!!str 050") == ("fps", "050")
    with pytest.raises(ParamError, match="is not accepted"):
        parse_set("fps=!!python/name:os.system")
    with pytest.raises(ParamError, match="appears twice"):
        parse_set("distribution_overrides={fps: fixed, fps: fixed}")


def test_too_large_numbers_are_unbounded_and_remember_their_text():
    """attack: 1e309 was "text" in a file and "not finite" in --set; a 5,000-digit number raised
    ValueError. Both are now an infinity that remembers how it was written."""
    for text, whole in (("1e309", False), ("-1e309", False), (HUGE, True)):
        x = read_number(text)
        assert isinstance(x, Unbounded) and x.text == text and x.whole is whole
    assert read_number(BIG) == int(BIG)


# --- item 8: echoed text ------------------------------------------------------------------------------


def test_quote_and_one_line():
    """attack: a newline, a terminal escape, a bidi override or 100 KB of a person's text echoed raw."""
    assert quote("a\nb") == "'a\\nb'"
    assert quote("\x1b[31m") == "'\\x1b[31m'"
    assert quote("a\u202eb") == "'a\\u202eb'"
    assert quote("x" * 100_000) == "'" + "x" * 57 + "...' (100,000 characters)"
    assert quote("d/" * 50 + "p.yaml", end=True).endswith("d/p.yaml' (106 characters)")
    assert len(quote("\x1b" * 1000)) < 100
    assert one_line("a\nb\r\x1b") == "a\\nb\\r\\x1b"
    assert len(one_line("y" * 10**6)) < 1000


# --- item 6: output encodings and pipes ---------------------------------------------------------------


@pytest.mark.parametrize("args", [["results"], ["results", "--format", "csv"], ["params"], ["scenarios"],
                                  ["predict", "--model", "wan2.1-14b"], ["results", "--set", "fps=-1"]])
def test_an_ascii_only_output_encoding_prints_readable_ascii(tmp_path, args):
    """attack: ``PYTHONIOENCODING=ascii sorabook results`` raised UnicodeEncodeError on the × of
    "2.3 × 10²¹". Now every command prints ASCII a person reads: "2.3 x 10^21"."""
    proc = sorabook(*args, cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"}, binary=True)
    out, err = proc.stdout.decode("ascii"), proc.stderr.decode("ascii")  # raises if not ASCII
    assert "Traceback" not in err
    if args[-1] == "fps=-1":
        assert proc.returncode == 2 and err.count("\n") == 1 and out == ""
        return
    assert proc.returncode == 0, err
    if args[0] in ("results", "predict") and "csv" not in args:
        assert " x 10^" in out and "\\x" not in out


def test_ascii_fallback_of_the_typography():
    """The error handler behind the ASCII output: × and superscripts as ``x 10^-21``, typography as
    ASCII, accents folded, anything else as an escape."""
    import codecs

    from sorabook.cli import _readable_output

    _readable_output()
    text = "2.3 × 10⁻²¹ … é → ≤ 中"
    assert text.encode("ascii", "sorabook-ascii") == b"2.3 x 10^-21 ... e -> <= \\u4e2d"
    assert codecs.encode("×", "utf-8", "sorabook-ascii") == "×".encode()


@pytest.mark.parametrize("args", [["results", "--format", "json"], ["results"], ["params", "--format", "json"],
                                  ["predict", "--model", "wan2.1-14b"]])
def test_a_closed_pipe_ends_quietly(tmp_path, args):
    """attack: ``sorabook results | head`` ended in a BrokenPipeError traceback. The reader here
    closes the pipe before the command writes: no message, exit 141 (128 + SIGPIPE, as ``cat``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SORABOOK_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "sorabook", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path, env=env)
    proc.stdout.close()  # the reader is gone before the first byte
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert err == ""
