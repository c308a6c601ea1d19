"""The command line: ``sorabook build | results | params | scenarios | predict`` (the top layer).

One module per command (:mod:`.build`, :mod:`.results`, :mod:`.params` for ``params`` and
``scenarios``, :mod:`.predict`); :mod:`.common` holds what they share. Commands only parse
arguments and call the layers below. Bad input prints one line to stderr and exits 2, before
anything is written; a result outside its domain or a failed build exits 1 and leaves the
previous site. Heavy modules are imported only by the commands that need them.
"""

from __future__ import annotations

import sys
from typing import Sequence

from sorabook.cli import build, params, predict, results
from sorabook.cli.common import Parser, UsageError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "main"]

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1

COMMANDS = {"build": build.run, "results": results.run, "params": params.run_params,
            "scenarios": params.run_scenarios, "predict": predict.run}


def _parser() -> Parser:
    """The top-level parser with one subparser per command."""
    from sorabook import __version__

    top = Parser(prog="sorabook", description="Re-derive the compute economics of video generation.")
    top.add_argument("--version", action="version", version=f"sorabook {__version__}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    build.add(sub)
    results.add(sub)
    params.add(sub)
    predict.add(sub)
    return top


#: What a terminal that cannot show the report's typography gets instead (an ASCII-only output
#: encoding, ``PYTHONIOENCODING=ascii`` or ``LANG=C`` on an old Python).
_ASCII = {"\u00d7": "x", "\u2212": "-", "\u2013": "-", "\u2014": "--", "\u2026": "...", "\u2192": "->",
          "\u2190": "<-", "\u2248": "~", "\u2264": "<=", "\u2265": ">=", "\u00b1": "+/-", "\u00a7": "S",
          "\u00b5": "u", "\u03bc": "u", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
          "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u00b7": "."}
_SUPERSCRIPTS = dict(zip("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b", "0123456789-"))


def _plain_ascii(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler ``sorabook-ascii``: the characters an output encoding cannot hold, in
    ASCII a person reads (``× 10²¹`` as ``x 10^21``, ``…`` as ``...``, ``é`` as ``e``), anything
    else as a backslash escape (``\\u4e2d``). Nothing raises, nothing is dropped silently."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    import unicodedata

    out, i, text = [], err.start, err.object
    while i < err.end:
        c = text[i]
        if c in _SUPERSCRIPTS:
            run = ""
            while i < err.end and text[i] in _SUPERSCRIPTS:
                run += _SUPERSCRIPTS[text[i]]
                i += 1
            out.append("^" + run)
            continue
        folded = _ASCII.get(c) or unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode("ascii")
        out.append(folded or c.encode("ascii", "backslashreplace").decode("ascii"))
        i += 1
    return "".join(out), err.end


def _readable_output() -> None:
    """Make stdout and stderr print something readable in any encoding: characters the encoding
    lacks go through :func:`_plain_ascii` instead of raising UnicodeEncodeError. (Chosen over
    ``errors='replace'``, which prints ``?`` for the × of every number, and plain
    ``backslashreplace``, which prints ``\\xd7 10\\xb2\\xb9``.) A UTF-8 terminal is unaffected."""
    import codecs

    try:
        codecs.lookup_error("sorabook-ascii")
    except LookupError:
        codecs.register_error("sorabook-ascii", _plain_ascii)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="sorabook-ascii")
        except (AttributeError, ValueError, OSError):  # not a text file (a test's capture): leave it
            pass


def _quiet_broken_pipe() -> int:
    """``sorabook results | head``: the reader left. Point stdout at /dev/null so the interpreter's
    last flush cannot print a second error, and exit 141 (128 + SIGPIPE), as ``cat`` or ``seq``
    killed by a closed pipe do, with no message: a pipeline under ``set -o pipefail`` sees what it
    sees for any Unix tool, and nothing is printed."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    return 128 + 13


def _say(text: str) -> None:
    """Print one message to stderr as one line (control characters escaped, bounded length)."""
    from sorabook.params.literals import one_line

    text = text if text.startswith("sorabook") else f"sorabook: {text}"
    try:
        print(one_line(text), file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    _readable_output()
    try:
        args = _parser().parse_args(argv)
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below
        return code
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except UsageError as err:
        _say(str(err))
        return EXIT_BAD_INPUT
    except Exception as err:
        from sorabook.params import ParamError
        from sorabook.results.specs import DomainError

        if isinstance(err, ParamError):
            _say(str(err))
            return EXIT_BAD_INPUT
        if isinstance(err, DomainError):
            _say(str(err))
            return EXIT_FAILED
        from sorabook.book.publish import BuildError

        if isinstance(err, BuildError):
            print(f"sorabook: build failed: {err}", file=sys.stderr)
            print("sorabook: the previous site, if any, is unchanged", file=sys.stderr)
            return EXIT_FAILED
        raise
    except KeyboardInterrupt:
        print("sorabook: interrupted; the previous site, if any, is unchanged", file=sys.stderr)
        return 130
