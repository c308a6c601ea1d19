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
    from sorabook import __version__

    top = Parser(prog="sorabook", description="Re-derive the compute economics of video generation.")
    top.add_argument("--version", action="version", version=f"sorabook {__version__}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    build.add(sub)
    results.add(sub)
    params.add(sub)
    predict.add(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as err:
        text = str(err)
        print(text if text.startswith("sorabook") else f"sorabook: {text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as err:
        from sorabook.params import ParamError
        from sorabook.results.specs import DomainError

        if isinstance(err, ParamError):
            print(f"sorabook: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if isinstance(err, DomainError):
            print(f"sorabook: {err}", file=sys.stderr)
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
