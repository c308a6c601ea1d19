"""Every number in a chapter's prose comes from a computation (glued), not typed by hand (issue 15).

The prose of each chapter (code cells, math, roles such as ``{glue:text}``, ``{cite:p}`` and
``{numref}``, inline code, labels and comments removed) may contain only the digits of a short,
reviewed list: chapter and section numbers, years, and the article's or a paper's printed values
where the text quotes them. Each chapter keeps its own list in a MyST comment line::

    % allowed-numbers: 524 708 15.3 (the article's printed values, quoted)

Everything after ``(`` on that line is the reviewer's reason and is not read as numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.md"))

#: Numbers any chapter may print: years, and small counts written in digits by the style guide's
#: habit (none: counts up to ten are written in words).
GLOBAL_ALLOWED = {str(y) for y in range(2012, 2027)}

_NUMBER = re.compile(r"(?<![\w.])\d(?:\d|,(?=\d))*(?:\.\d+)?")

#: Names that contain digits but are not quantities: model and GPU names, tables, figures, sections.
_NAMES = re.compile(r"\b[Cc]hapters?\s+\d+(?:(?:\s+to|,|\s+and)\s+\d+)*|\b10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+|\b[1-4]D\b|"
                    r"\bWan\s+\d+(?:\.\d+)?(?:\s+\d+(?:\.\d+)?B)?|\b(?:Wan|Sora|Veo|Gen|Llama|GPT|Table|Figure|Fig\.|Open-Sora|Movie Gen|Mochi|section|Section|"
                    r"Step-Video-T2V|HunyuanVideo|CogVideoX|LTX-Video|Seaweed|version|v)[- ]?\d[\w.-]*|"
                    r"\b[\w-]*[A-Za-z]-\d[\w./-]*|\b[A-Z]{1,4}/\d+\b|§\s?\d+")


def prose(text: str) -> str:
    """The prose of a MyST notebook: front matter, code cells, math, roles, inline code, labels,
    comments, figure and table options removed."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    text = re.sub(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1\s*$", "", text, flags=re.S | re.M)  # fenced blocks
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)  # display math
    text = re.sub(r"\$[^$\n]+\$", "", text)  # inline math
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", "", text)  # roles: {glue:text}`x`, {cite:p}`y`, {numref}`z`
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code
    text = re.sub(r"^\([\w-]+\)=\s*$", "", text, flags=re.M)  # labels
    text = re.sub(r"^%.*$", "", text, flags=re.M)  # MyST comments
    text = re.sub(r"^#+ \d+\.", "#", text, flags=re.M)  # the chapter number in the title
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    return _NAMES.sub("", text)


def allowed(text: str) -> set[str]:
    """The numbers a chapter's ``% allowed-numbers:`` lines list (before any parenthesis)."""
    out = set(GLOBAL_ALLOWED)
    for line in re.findall(r"^% allowed-numbers:(.*)$", text, flags=re.M):
        out.update(_NUMBER.findall(line.split("(", 1)[0]))
    return out


def typed_numbers(text: str) -> list[str]:
    """The numbers in the prose that the chapter does not allow, in order."""
    ok = allowed(text)
    return [n for n in _NUMBER.findall(prose(text)) if n not in ok]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_number_typed_by_hand_in_the_prose(path):
    stray = typed_numbers(path.read_text())
    assert not stray, f"{path.name}: numbers typed in the prose (glue them, or list a quoted value in " \
                      f"'% allowed-numbers:' with a reason): {sorted(set(stray))}"


def test_the_scanner_sees_typed_numbers_and_skips_glue_math_and_code():
    """Hand-made chapter: 1,875 s typed in prose is found; glue, math, code and comments are not."""
    text = ("---\njupytext: {}\n---\n(x)=\n# 6. Title\n\nThe measured 1,875 s and {glue:text}`a:.3f` "
            "and $10^{21}$ and `fps=30`.\n\n```{code-cell} ipython3\nx = 42\n```\n"
            "% allowed-numbers: 708 (printed)\nPrinted 708 in 2024.\n")
    assert typed_numbers(text) == ["1,875"]
