"""The Lucene query-string subset the portal's `advancedQuery` takes from tools, and the words
of free text.

`field:value` (`*` wildcards, quoted phrases), `field:[a TO b]` / `{a TO b}` ranges (`*` for
an open end; dates compare by their written precision, so `[2020-01 TO 2020-12]` covers all
of 2020, as Elasticsearch rounds partial dates), `_exists_:field`, `AND` / `OR` / `NOT` /
`-term` / `+term`, parentheses, and bare words (matched against the item's text). Terms
side by side are ANDed, the portal's default operator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from encode_accession.localportal.problems import HTTPProblem

Values = Callable[[str | None], list[str]]  # field (None: the item's text) -> its terms

_TOKEN = re.compile(r'\s*([^\s()":]+:[\[{][^\]}]*[\]}]|\(|\)|"(?:[^"\\]|\\.)*"'
                    r'|[^\s()"]+(?:"[^"]*")?)')
_WORD = re.compile(r"[0-9A-Za-z*]+(?:[._:'-][0-9A-Za-z*]+)*")


def words(text: str, *, keep_stars: bool = False) -> list[str]:
    """Lower-case words of `text` (dotted and hyphenated names kept whole, and split)."""
    found: list[str] = []
    for word in _WORD.findall(text or ""):
        word = word.lower() if keep_stars else word.lower().replace("*", "")
        found.append(word)
        parts = re.split(r"[._:'-]", word)
        if len(parts) > 1:
            found += [p for p in parts if p]
    return found


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _compare(value: str, bound: str) -> int:
    """-1, 0, 1: numerically when both are numbers, else by the bound's precision (a date
    `2020-01` covers every day of that month)."""
    a, b = _number(value), _number(bound)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    cut = value[:len(bound)]
    return (cut > bound) - (cut < bound)


@dataclass(frozen=True)
class Query:
    """One node of a parsed query: `op` is term, range, exists, and, or, not."""

    op: str
    field: str | None = None
    value: str = ""
    low: str = "*"
    high: str = "*"
    inclusive: tuple[bool, bool] = (True, True)
    children: tuple[Query, ...] = ()

    def matches(self, values: Values) -> bool:
        if self.op == "and":
            return all(c.matches(values) for c in self.children)
        if self.op == "or":
            return any(c.matches(values) for c in self.children)
        if self.op == "not":
            return not self.children[0].matches(values)
        found = values(self.field)
        if self.op == "exists":
            return bool(found)
        if self.op == "range":
            return any(self._in_range(v) for v in found)
        if self.field is None:
            wanted = words(self.value, keep_stars=True)
            text = [w.lower() for w in found]
            return all(any(fnmatchcase(t, w) for t in text) for w in wanted)
        return any(fnmatchcase(v.lower(), self.value.lower()) for v in found)

    def _in_range(self, value: str) -> bool:
        if self.low != "*":
            order = _compare(value, self.low)
            if order < 0 or (order == 0 and not self.inclusive[0]):
                return False
        if self.high != "*":
            order = _compare(value, self.high)
            if order > 0 or (order == 0 and not self.inclusive[1]):
                return False
        return True


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [t for t in _TOKEN.findall(text) if t]
        self.pos = 0

    def fail(self, why: str) -> HTTPProblem:
        return HTTPProblem(400, f"advancedQuery {self.text!r}: {why}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise self.fail("ends too early")
        self.pos += 1
        return token

    def any_of(self) -> Query:
        parts = [self.all_of()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else Query("or", children=tuple(parts))

    def all_of(self) -> Query:
        parts = [self.unary()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else Query("and", children=tuple(parts))

    def unary(self) -> Query:
        token = self.peek()
        if token == "NOT" or (token and token.startswith("-") and len(token) > 1):
            self.take()
            if token != "NOT":
                self.tokens.insert(self.pos, token[1:])
            return Query("not", children=(self.unary(),))
        if token and token.startswith("+") and len(token) > 1:
            self.take()
            self.tokens.insert(self.pos, token[1:])
        if self.peek() == "(":
            self.take()
            inner = self.any_of()
            if self.take() != ")":
                raise self.fail("a parenthesis is not closed")
            return inner
        return self.term(self.take())

    def term(self, token: str) -> Query:
        if token in (")", "AND", "OR"):
            raise self.fail(f"unexpected {token!r}")
        field, sep, value = token.partition(":") if not token.startswith('"') else ("", "", "")
        if not sep:
            return Query("term", None, token.strip('"'))
        if not value:
            value = self.take()
        if field == "_exists_":
            return Query("exists", value)
        if value == "*":
            return Query("exists", field)
        if value[0] in "[{":
            match = re.fullmatch(r"([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])", value)
            if not match:
                raise self.fail(f"{value!r} is not a range like [A TO B]")
            return Query("range", field, low=match[2], high=match[3],
                         inclusive=(match[1] == "[", match[4] == "]"))
        return Query("term", field, value.strip('"'))


def parse_query(text: str) -> Query:
    """The query `text` names; 400 for what it cannot read."""
    parser = _Parser(text)
    if not parser.tokens:
        raise parser.fail("is empty")
    query = parser.any_of()
    if parser.peek() is not None:
        raise parser.fail(f"unexpected {parser.peek()!r}")
    return query
