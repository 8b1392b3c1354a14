"""A strict, iterative JSON reader that remembers where every value and key is.

``json.loads`` recurses once per nesting level (a 1,000-deep array is a
RecursionError), silently keeps the last of duplicate keys, accepts ``NaN``
and tells nothing about where a value came from. Device files need all four
fixed, so :func:`parse` reads RFC 8259 JSON with an explicit stack and
returns the value with a :class:`Spans` map from a path (``("qubits", 3,
"t1")``) to the offset of that member's key (objects) or of the element
(arrays). Errors are raised through the caller's ``fail(message, offset)``.
"""

from __future__ import annotations

import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}

Path = tuple[str | int, ...]


@dataclass
class Spans:
    """Offsets into the JSON text: ``at[path]`` is where the member/element at ``path`` starts."""

    at: dict[Path, int] = field(default_factory=dict)

    def offset(self, path: Path) -> int | None:
        """The offset of ``path``, or of its closest recorded ancestor."""
        while True:
            if path in self.at:
                return self.at[path]
            if not path:
                return None
            path = path[:-1]


Fail = Callable[[str, int], Exception]


def parse(text: str, fail: Fail, max_depth: int = 1000, max_digits: int = 40) -> tuple[Any, Spans]:
    """Parse ``text``; raises ``fail(message, offset)`` on bad JSON, duplicate keys, depth > ``max_depth``
    or a number with more than ``max_digits`` digits before its fraction/exponent."""
    spans = Spans()
    n = len(text)
    # Each frame: [container, its path, key of the member being read (objects)]
    stack: list[list[Any]] = []

    def die(message: str, at: int) -> NoReturn:
        raise fail(message, min(at, n))

    def ws(i: int) -> int:
        return _WS.match(text, i).end()  # type: ignore[union-attr]

    def read_key(i: int) -> int:
        """Read ``"key" :`` of the innermost object at ``i``; returns the offset of its value."""
        frame = stack[-1]
        if i >= n or text[i] != '"':
            die("expected a string key in double quotes", i)
        try:
            key, j = json.decoder.scanstring(text, i + 1, True)
        except json.JSONDecodeError as exc:
            die(f"invalid JSON string: {exc.msg}", exc.pos)
        if key in frame[0]:
            die(f"duplicate key '{key}'", i)
        spans.at[(*frame[1], key)] = i
        j = ws(j)
        if j >= n or text[j] != ":":
            die("expected ':' after the key", j)
        frame[2] = key
        return ws(j + 1)

    i = ws(0)
    while True:
        # ---- one value at i
        if i >= n:
            die("unexpected end of JSON", i)
        if stack:
            top = stack[-1]
            path: Path = (*top[1], top[2]) if isinstance(top[0], dict) else (*top[1], len(top[0]))
        else:
            path = ()
        spans.at.setdefault(path, i)
        c = text[i]
        if c in "{[":
            if len(stack) >= max_depth:
                die(f"JSON nested deeper than {max_depth} levels", i)
            container: Any = {} if c == "{" else []
            j = ws(i + 1)
            if j < n and text[j] == ("}" if c == "{" else "]"):
                value, i = container, j + 1
            else:
                stack.append([container, path, None])
                i = read_key(j) if c == "{" else j
                continue
        elif c == '"':
            try:
                value, i = json.decoder.scanstring(text, i + 1, True)
            except json.JSONDecodeError as exc:
                die(f"invalid JSON string: {exc.msg}", exc.pos)
        else:
            m = _NUMBER.match(text, i)
            if m is not None and m.end() > i:
                s = m.group(0)
                int_part = re.match(r"-?[0-9]*", s).group(0).lstrip("-")  # type: ignore[union-attr]
                if len(int_part) > max_digits:
                    die(f"number with {len(int_part)} digits is longer than the limit of {max_digits}", i)
                value = float(s) if any(ch in s for ch in ".eE") else int(s)
                i = m.end()
            else:
                for word, lit in _LITERALS.items():
                    if text.startswith(word, i):
                        value, i = lit, i + len(word)
                        break
                else:
                    die(f"unexpected character {c!r}", i)
        # ---- attach the value, closing every container that ends here
        while True:
            if not stack:
                i = ws(i)
                if i != n:
                    die("extra data after the JSON value", i)
                return value, spans
            top = stack[-1]
            if isinstance(top[0], dict):
                top[0][top[2]] = value
            else:
                top[0].append(value)
            i = ws(i)
            closer = "}" if isinstance(top[0], dict) else "]"
            if i < n and text[i] == ",":
                i = ws(i + 1)
                if isinstance(top[0], dict):
                    i = read_key(i)
                break
            if i < n and text[i] == closer:
                value = top[0]
                stack.pop()
                i += 1
                continue
            die(f"expected ',' or '{closer}'", i)


__all__ = ["Spans", "parse"]
