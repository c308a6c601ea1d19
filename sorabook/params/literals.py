"""How the command line reads a number a person typed, and how it echoes a person's text back.

- :func:`read_number` is the one number reader of ``--set``, ``--params`` files, scenarios and the
  numeric command-line flags (``--gpus``, ``--steps``, ``--draws``, ``--jobs``, ...). It reads numbers
  as a person means them, close to YAML 1.2's core schema: ``050`` is fifty (not octal 40), ``1:30``
  is not a number (not YAML 1.1's sexagesimal 90), ``1e21`` and ``1E21`` are numbers, ``1_000`` is a
  thousand, ``0x1F`` and ``0o17`` are hexadecimal and octal as written, and ``inf``/``.inf``/``nan``
  are read as the non-finite numbers they name (then refused by the parameter check). A number too
  large to hold (``1e309``, or a whole number past Python's 4,300-digit conversion limit) is read as
  an :class:`Unbounded` infinity that remembers how it was written, so the message can show it.
- :func:`quote` shows a person's text inside a one-line message: control characters escaped, at most
  :data:`QUOTE_LIMIT` characters, with the full length when it was cut.
- :func:`one_line` makes any message one line of bounded length (the command line's last guard).
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata

__all__ = ["NUMBER_RE", "PATH_LIMIT", "QUOTE_LIMIT", "Unbounded", "digits_text", "int_digits", "one_line", "quote",
           "read_number"]

#: At most this many characters of a person's text are echoed in a message.
QUOTE_LIMIT = 60

#: At most this many characters of a file's path are echoed (its end: the file name).
PATH_LIMIT = 200

#: A message longer than this is cut in the middle by :func:`one_line`.
LINE_LIMIT = 800

_DIGITS = r"[0-9](?:_?[0-9])*"
_SPECIAL = r"\.?(?:inf|Inf|INF)|infinity|Infinity|INFINITY|\.?(?:nan|NaN|NAN)"

#: Everything :func:`read_number` reads as a number (YAML's resolver uses the same pattern).
NUMBER_RE = re.compile(
    rf"[-+]?(?:0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*|0[oO][0-7](?:_?[0-7])*"
    rf"|(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][-+]?{_DIGITS})?"
    rf"|{_SPECIAL})"
)
_INT_RE = re.compile(rf"[-+]?{_DIGITS}")
_SPECIAL_RE = re.compile(rf"[-+]?(?:{_SPECIAL})")


class Unbounded(float):
    """A number too large to hold, read as an infinity of its sign; ``text`` is how it was written.

    ``whole`` says it was written as a whole number (past Python's digit limit): the parameter check
    refuses it as out of range, any other as not finite, showing :func:`digits_text` of ``text``.
    """

    text: str
    whole: bool

    def __new__(cls, text: str, whole: bool = False) -> "Unbounded":
        """An infinity with the sign of ``text``, remembering ``text`` and ``whole``."""
        value = super().__new__(cls, -math.inf if text.lstrip().startswith("-") else math.inf)
        value.text = text
        value.whole = whole
        return value


def read_number(text: str) -> int | float | None:
    """``text`` as a person means it as a number: an ``int`` for a whole number written without a
    point or exponent, a ``float`` otherwise, ``None`` when it is not a number at all.

    Leading zeros are decimal (``050`` is 50), there is no sexagesimal (``1:30`` is not a number),
    ``1e21`` is a float, ``inf``/``.inf``/``nan`` are the non-finite floats, and a number beyond what
    a float or Python's integer conversion holds is an :class:`Unbounded` infinity.
    """
    if not isinstance(text, str):
        return None
    t = text.strip()
    if not NUMBER_RE.fullmatch(t):
        return None
    if _SPECIAL_RE.fullmatch(t):
        name = t.lstrip("+-").lstrip(".").lower()
        value = math.nan if name == "nan" else math.inf
        return -value if t.startswith("-") else value
    body = t.lstrip("+-")
    if body[:2].lower() in ("0x", "0o"):
        return int(t, 0)  # a power-of-two base has no digit limit
    if _INT_RE.fullmatch(t):
        try:
            return int(t, 10)
        except ValueError:  # past sys.get_int_max_str_digits()
            return Unbounded(t, whole=True)
    value = float(t)
    return Unbounded(t) if math.isinf(value) else value


def digits_text(text: str) -> str:
    """How a number written as ``text`` is shown in a message: as written when short, else its size
    in digits (``a 400-digit number``)."""
    t = text.strip()
    if len(t) <= 24:
        return t
    digits = sum(c.isdigit() for c in t.split("e")[0].split("E")[0])
    return f"{'minus ' if t.startswith('-') else ''}a {digits:,}-digit number"


def _escape(text: str, backslash: bool = True) -> str:
    """``text`` with every control, format or separator character (newline, escape, bidi
    overrides, ...) written as a Python escape, so it prints as one inert line; with ``backslash``
    a backslash is doubled too (so a typed ``\\n`` is not taken for a newline)."""
    out = []
    for c in text:
        if c == "\\" and backslash:
            out.append("\\\\")
        elif unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp"):
            out.append(c.encode("unicode_escape", "backslashreplace").decode("ascii"))
        else:
            out.append(c)
    return "".join(out)


def quote(text: object, limit: int = QUOTE_LIMIT, end: bool = False) -> str:
    """A person's text as shown in a message: in single quotes, one line (control characters
    escaped), at most ``limit`` characters with ``...`` and the full length when longer; ``end``
    keeps the end instead of the start (a path's file name)."""
    text = str(text)
    shown = _escape(text[: limit + 1])
    if len(text) <= limit and len(shown) <= limit:
        return f"'{shown}'"
    if end:
        shown = "..." + _escape(text[-limit:])[-max(limit - 3, 1):]
    else:
        shown = _escape(text[:limit])[: max(limit - 3, 1)] + "..."
    return f"'{shown}' ({len(text):,} characters)"


def one_line(message: str, limit: int = LINE_LIMIT) -> str:
    """``message`` as one line of at most about ``limit`` characters: control characters escaped,
    the middle of a longer message replaced by `` ... `` (its start says what, its end what was
    expected)."""
    text = _escape(message if len(message) <= 50 * limit else message[: 25 * limit] + message[-25 * limit:],
                   backslash=False)
    if len(text) > limit:
        head = limit * 3 // 5
        tail = limit - head - 5
        text = f"{text[:head]} ... {text[-tail:]}"
    return text


def int_digits(n: int) -> int:
    """How many decimal digits the whole number ``n`` has (without converting it to text, which
    Python refuses past 4,300 digits)."""
    n = abs(n)
    if n < 10**15:
        return len(str(n))
    if n.bit_length() < sys.get_int_max_str_digits() * 3:
        return len(str(n))
    estimate = int(n.bit_length() * math.log10(2))
    return estimate + (n >= 10**estimate)
