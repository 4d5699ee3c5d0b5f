"""Parse search filters and order_by items into :mod:`runwright.search.ast` trees.

The language is MLflow's search filter language plus OR, NOT and parentheses::

    filter      := or_expr
    or_expr     := and_expr ("OR" and_expr)*
    and_expr    := not_expr ("AND" not_expr)*
    not_expr    := "NOT" not_expr | "(" or_expr ")" | comparison
    comparison  := identifier operator value | identifier "IS" ["NOT"] "NULL"
    operator    := = | != | < | <= | > | >= | LIKE | ILIKE | IN | NOT IN
    value       := 'string' | "string" | number | "(" string ("," string)* ")"
    identifier  := [entity "."] key
    order_item  := identifier ["ASC" | "DESC"]

- Entities (case-insensitive): metric(s); param(s), parameter(s); tag(s);
  attribute(s), attr, run; dataset(s). A key without an entity is an attribute.
- A key is bare (letters, digits, ``_ - . / :``; everything after the first dot belongs
  to the key, so ``metrics.val.loss`` is the metric ``val.loss``), backticked
  (``metrics.`f1 score```) or double-quoted (``metrics."f1 score"``). On the right of
  an operator a double-quoted string is a value.
- Keywords (AND OR NOT LIKE ILIKE IN IS NULL ASC DESC) are case-insensitive and
  reserved: a bare attribute cannot be named like one.
- Strings: a backslash escapes a quote or a backslash, a doubled quote is a quote; any
  other backslash stays in the value, so LIKE sees ``\\%`` and ``\\_`` as literals.
- Metrics and numeric attributes take ``= != < <= > >=`` and a number. Params, tags,
  string attributes and datasets take ``= != LIKE ILIKE`` with a quoted string and
  ``IN`` / ``NOT IN`` with a list of quoted strings. Only params and tags take
  ``IS NULL`` / ``IS NOT NULL`` (the key is absent / present).
- Precedence: NOT binds tighter than AND, which binds tighter than OR.

Every mistake raises :class:`~runwright.errors.FilterSyntaxError` saying why, with the
0-based position of the offending character. The lark parser is built on first use and
kept, so importing this module does not import lark.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeGuard

from runwright.errors import FilterSyntaxError
from runwright.search.ast import (
    NUMERIC_OPERATORS,
    PRESENCE_OPERATORS,
    STRING_OPERATORS,
    And,
    Comparison,
    Entity,
    Expression,
    Identifier,
    Not,
    Operator,
    Or,
    OrderKey,
    SearchTarget,
    Value,
    ValueKind,
)

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

__all__ = ["parse_filter", "parse_order_by"]

# Deeper trees (NOT, and AND/OR groups in parentheses) are refused before they can
# exhaust Python's stack here or in the SQL compiler; redundant parentheses do not count.
MAX_NESTING = 64

# A keyword ends where an identifier could not continue, so `notes` and `in.x` stay names.
_KW = r"(?![\w.\-\/:])"
_KEYWORDS = ("and", "or", "not", "is", "null", "in", "like", "ilike", "asc", "desc")

_GRAMMAR = rf"""
filter: or_expr
order_item: identifier DIRECTION?

?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND not_expr)*
?not_expr: negation
         | "(" or_expr ")"
         | comparison
         | null_check
negation: NOT not_expr
comparison: identifier operator value
null_check: identifier IS NOT? NULL
operator: EQ | NE | LT | LE | GT | GE | LIKE | ILIKE | IN | NOT IN

identifier: IDENT
          | ENTITY_DOT quoted_key
          | quoted_key
quoted_key: BACKTICKED | DQ_STRING

?value: SQ_STRING | DQ_STRING | NUMBER | list
list: "(" [value ("," value)*] ")"

AND.3: /and{_KW}/i
OR.3: /or{_KW}/i
NOT.3: /not{_KW}/i
IS.3: /is{_KW}/i
NULL.3: /null{_KW}/i
IN.3: /in{_KW}/i
LIKE.3: /like{_KW}/i
ILIKE.3: /ilike{_KW}/i
DIRECTION.3: /(?:asc|desc){_KW}/i
EQ: "="
NE: "!="
LT: "<"
LE: "<="
GT: ">"
GE: ">="
ENTITY_DOT.2: /[A-Za-z_]+\.(?=[`"])/
IDENT: /(?!(?:{"|".join(_KEYWORDS)}){_KW})[A-Za-z_][A-Za-z0-9_\-.\/:]*/i
BACKTICKED: /`[^`]*`/
SQ_STRING: /'(?:[^'\\]|\\.|'')*'/s
DQ_STRING: /"(?:[^"\\]|\\.|"")*"/s
NUMBER: /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/

%ignore /\s+/
"""

_ENTITY_ALIASES: dict[str, Entity] = {
    "metric": Entity.METRICS,
    "metrics": Entity.METRICS,
    "param": Entity.PARAMS,
    "params": Entity.PARAMS,
    "parameter": Entity.PARAMS,
    "parameters": Entity.PARAMS,
    "tag": Entity.TAGS,
    "tags": Entity.TAGS,
    "attribute": Entity.ATTRIBUTES,
    "attributes": Entity.ATTRIBUTES,
    "attr": Entity.ATTRIBUTES,
    "run": Entity.ATTRIBUTES,
    "dataset": Entity.DATASETS,
    "datasets": Entity.DATASETS,
}

_OPERATOR_BY_TERMINAL: dict[str, Operator] = {
    "EQ": Operator.EQ,
    "NE": Operator.NE,
    "LT": Operator.LT,
    "LE": Operator.LE,
    "GT": Operator.GT,
    "GE": Operator.GE,
    "LIKE": Operator.LIKE,
    "ILIKE": Operator.ILIKE,
    "IN": Operator.IN,
}

_VALUE_NOUN: dict[Entity, str] = {
    Entity.METRICS: "metric",
    Entity.PARAMS: "param",
    Entity.TAGS: "tag",
    Entity.ATTRIBUTES: "attribute",
    Entity.DATASETS: "dataset",
}

# How "expected ..." lists describe terminals, in the order they are listed.
_EXPECTED_PHRASES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"IDENT", "ENTITY_DOT", "BACKTICKED"}), "an identifier"),
    (frozenset({"NOT_START"}), "NOT"),
    (frozenset({"EQ", "NE", "LT", "LE", "GT", "GE", "LIKE", "ILIKE", "IN", "IS"}), "an operator"),
    (frozenset({"SQ_STRING"}), "a quoted string"),
    (frozenset({"NUMBER"}), "a number"),
    (frozenset({"LPAR"}), "'('"),
    (frozenset({"NULL"}), "NULL"),
    (frozenset({"DIRECTION"}), "ASC or DESC"),
    (frozenset({"AND"}), "AND"),
    (frozenset({"OR"}), "OR"),
    (frozenset({"COMMA"}), "','"),
    (frozenset({"RPAR"}), "')'"),
    (frozenset({"$END"}), "the end"),
)

_NUMBER_IS_INT = re.compile(r"[+-]?\d+")
_SQ_ESCAPE = re.compile(r"\\([\\'\"])|''")
_DQ_ESCAPE = re.compile(r"\\([\\'\"])|\"\"")


@functools.cache
def _parser() -> Lark:
    from lark import Lark

    return Lark(
        _GRAMMAR,
        parser="lalr",
        start=["filter", "order_item"],
        propagate_positions=True,
        maybe_placeholders=False,
    )


def parse_filter(text: str | None, *, target: SearchTarget) -> Expression | None:
    """The filter as a tree, or None for an empty or blank filter (everything matches)."""
    if text is None or not text.strip():
        return None
    tree = _parse(text, start="filter", what="filter")
    return _Builder(text, target).expression(tree.children[0], depth=0)


def parse_order_by(items: Sequence[str] | None, *, target: SearchTarget) -> tuple[OrderKey, ...]:
    """The order_by items as keys, first key first; an empty tuple for no items."""
    keys: list[OrderKey] = []
    for item in items or ():
        if not item.strip():
            raise FilterSyntaxError("order_by items must not be empty")
        tree = _parse(item, start="order_item", what="order_by item")
        builder = _Builder(item, target)
        identifier = builder.order_identifier(tree.children[0])
        descending = len(tree.children) > 1 and str(tree.children[1]).lower() == "desc"
        if any(key.identifier == identifier for key in keys):
            raise FilterSyntaxError(f"order_by names {identifier} more than once", text=item)
        keys.append(OrderKey(identifier, descending))
    return tuple(keys)


def _parse(text: str, *, start: str, what: str) -> Tree[Token]:
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        return _parser().parse(text, start=start)
    except UnexpectedToken as exc:
        token = exc.token
        if token.type == "$END":
            expected = _describe_expected(_expected_at(text, start, len(text)))
            message = f"unexpected end of {what}; expected {expected}"
            raise FilterSyntaxError(message, text=text, position=len(text)) from None
        position = token.start_pos if token.start_pos is not None else 0
        expected = _describe_expected(_expected_at(text, start, position))
        message = f"unexpected token {str(token)!r}; expected {expected}"
        raise FilterSyntaxError(message, text=text, position=position) from None
    except UnexpectedCharacters as exc:
        position = exc.pos_in_stream or 0
        char = text[position]
        if char in "'\"`":
            message = f"missing closing {char} for the quote opened here"
        else:
            expected = _describe_expected(_expected_at(text, start, position))
            message = f"unexpected character {char!r}; expected {expected}"
        raise FilterSyntaxError(message, text=text, position=position) from None
    except UnexpectedInput as exc:  # pragma: no cover - LALR reports the two above
        raise FilterSyntaxError(f"cannot parse {what}: {exc}", text=text) from None


def _expected_at(text: str, start: str, position: int) -> set[str]:
    """The terminals the parser could take at `position`, having read everything before it.

    The error lark raises comes from the state after it reduced on the bad token, which
    has already given up on some continuations (AND and OR after a closed comparison), so
    the text is read again up to the bad spot and the parser asked there.
    """
    from lark.exceptions import UnexpectedInput

    interactive = _parser().parse_interactive(text, start=start)
    try:
        for token in interactive.iter_parse():
            if token.start_pos is not None and token.start_pos >= position:
                break
    except UnexpectedInput:
        pass
    accepted: set[str] = interactive.accepts()  # type: ignore[no-untyped-call]
    return accepted


def _describe_expected(terminals: Iterable[str]) -> str:
    names = set(terminals)
    # NOT after an identifier starts NOT IN, i.e. an operator; elsewhere it negates.
    if "NOT" in names and not names & {"EQ", "IS"}:
        names.add("NOT_START")
    if "DQ_STRING" in names and "SQ_STRING" not in names:
        names.add("IDENT")
    phrases = [phrase for group, phrase in _EXPECTED_PHRASES if group & names]
    if not phrases:
        return "something else"
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


class _Builder:
    """Turns one lark tree into AST nodes, checking it against the search target."""

    def __init__(self, text: str, target: SearchTarget) -> None:
        self.text = text
        self.target = target

    def error(self, message: str, position: int | None) -> FilterSyntaxError:
        return FilterSyntaxError(message, text=self.text, position=position)

    def expression(self, node: Tree[Token] | Token, *, depth: int) -> Expression:
        if depth > MAX_NESTING:
            raise self.error(f"filter nests deeper than {MAX_NESTING} levels", _start_of(node))
        assert _is_tree(node)
        rule = str(node.data)
        operands = [child for child in node.children if _is_tree(child)]
        if rule == "or_expr":
            return Or(tuple(self.expression(child, depth=depth + 1) for child in operands))
        if rule == "and_expr":
            return And(tuple(self.expression(child, depth=depth + 1) for child in operands))
        if rule == "negation":
            return Not(self.expression(operands[0], depth=depth + 1))
        identifier = self.filter_identifier(operands[0])
        if rule == "null_check":
            keywords = [child for child in node.children if _is_token(child)]
            op = Operator.IS_NOT_NULL if len(keywords) == 3 else Operator.IS_NULL
            self.check_operator(identifier, op, keywords[0].start_pos)
            return Comparison(identifier, op, None)
        operator_tokens = _tokens(operands[1])
        first = operator_tokens[0]
        op = Operator.NOT_IN if len(operator_tokens) == 2 else _OPERATOR_BY_TERMINAL[first.type]
        self.check_operator(identifier, op, first.start_pos)
        return Comparison(identifier, op, self.value(identifier, op, node.children[2]))

    def check_operator(self, identifier: Identifier, op: Operator, position: int | None) -> None:
        if op in PRESENCE_OPERATORS:
            allowed = identifier.entity in (Entity.PARAMS, Entity.TAGS)
        elif self.target.kind_of(identifier) is ValueKind.NUMBER:
            allowed = op in NUMERIC_OPERATORS
        else:
            allowed = op in STRING_OPERATORS
        if not allowed:
            raise self.error(
                f"operator {op.value} is not allowed for {_subject(identifier, self.target)}",
                position,
            )

    def value(self, identifier: Identifier, op: Operator, node: Tree[Token] | Token) -> Value:
        position = _start_of(node)
        shown = str(node) if _is_token(node) else "a list"
        noun = _VALUE_NOUN[identifier.entity]
        if self.target.kind_of(identifier) is ValueKind.NUMBER:
            if _is_token(node) and node.type == "NUMBER":
                return _number(node)
            raise self.error(f"{identifier}: {noun} values must be numbers, got {shown}", position)
        if op in (Operator.IN, Operator.NOT_IN):
            if not _is_tree(node):
                raise self.error(
                    f"{identifier}: {op.value} needs a parenthesised list of quoted strings, "
                    f"got {shown}",
                    position,
                )
            items: list[str] = []
            for item in node.children:
                if not _is_token(item) or item.type == "NUMBER":
                    raise self.error(
                        f"{identifier}: list items must be quoted strings, "
                        f"got {item if _is_token(item) else 'a list'}",
                        _start_of(item),
                    )
                items.append(_unquote(item))
            if not items:
                raise self.error(f"{identifier}: {op.value} needs at least one value", position)
            return tuple(items)
        if not _is_token(node):
            raise self.error(
                f"{identifier}: a list of values is only allowed with IN and NOT IN", position
            )
        if node.type == "NUMBER":
            raise self.error(
                f"{identifier}: {noun} values must be quoted strings, got {shown}", position
            )
        return _unquote(node)

    def filter_identifier(self, node: Tree[Token] | Token) -> Identifier:
        identifier, raw, position = self.identifier(node)
        target = self.target
        if identifier.entity is Entity.ATTRIBUTES and identifier.key not in target.attributes:
            raise self.error(
                f"unknown attribute {identifier.key!r} in {raw!r}; expected one of "
                + ", ".join(target.attributes),
                position,
            )
        if identifier.entity is Entity.DATASETS and identifier.key not in target.dataset_keys:
            raise self.error(
                f"unknown dataset field {identifier.key!r} in {raw!r}; expected one of "
                + ", ".join(target.dataset_keys),
                position,
            )
        return identifier

    def order_identifier(self, node: Tree[Token] | Token) -> Identifier:
        identifier, raw, position = self.identifier(node)
        target = self.target
        if identifier.entity not in target.orderable_entities:
            orderable = [entity.value for entity in target.orderable_entities]
            raise self.error(
                f"cannot order {target.name} by {identifier.entity.value}; "
                f"expected one of {', '.join(orderable)}",
                position,
            )
        if (
            identifier.entity is Entity.ATTRIBUTES
            and identifier.key not in target.orderable_attributes
        ):
            raise self.error(
                f"cannot order {target.name} by attribute {identifier.key!r} in {raw!r}; "
                f"expected one of {', '.join(target.orderable_attributes)}",
                position,
            )
        return identifier

    def identifier(self, node: Tree[Token] | Token) -> tuple[Identifier, str, int | None]:
        """The identifier (aliases resolved, not yet checked), its text and position."""
        tokens = _tokens(node)
        first = tokens[0]
        position = first.start_pos
        raw = "".join(tokens)
        entity_text: str | None
        if first.type == "IDENT":
            entity_text, dot, key = str(first).partition(".")
            if not dot:
                entity_text, key = None, str(first)
        elif first.type == "ENTITY_DOT":
            entity_text, key = str(first)[:-1], _unquote(tokens[1])
        else:
            entity_text, key = None, _unquote(first)

        entity = Entity.ATTRIBUTES
        if entity_text is not None:
            found = _ENTITY_ALIASES.get(entity_text.lower())
            expected = ", ".join(entity.value for entity in self.target.entities)
            if found is None:
                raise self.error(
                    f"unknown entity {entity_text!r} in {raw!r}; expected one of {expected}",
                    position,
                )
            if found not in self.target.entities:
                raise self.error(
                    f"{found.value} cannot be used when searching {self.target.name}; "
                    f"expected one of {expected}",
                    position,
                )
            entity = found
        if not key:
            raise self.error(f"missing key in {raw!r}", position)
        if entity is Entity.ATTRIBUTES:
            key = self.target.attribute_aliases.get(key, key)
        return Identifier(entity, key), raw, position


def _is_token(node: Tree[Token] | Token) -> TypeGuard[Token]:
    # Tokens are str subclasses; testing that keeps lark out of this module's imports.
    return isinstance(node, str)


def _is_tree(node: Tree[Token] | Token) -> TypeGuard[Tree[Token]]:
    return not isinstance(node, str)


def _tokens(node: Tree[Token] | Token) -> list[Token]:
    """The tokens under a node, left to right."""
    if _is_tree(node):
        return [token for child in node.children for token in _tokens(child)]
    assert _is_token(node)
    return [node]


def _subject(identifier: Identifier, target: SearchTarget) -> str:
    if identifier.entity is not Entity.ATTRIBUTES:
        return identifier.entity.value
    kind = "numeric " if target.kind_of(identifier) is ValueKind.NUMBER else ""
    return f"{kind}attribute {identifier.key}"


def _start_of(node: Tree[Token] | Token) -> int | None:
    if _is_tree(node):
        position: int | None = getattr(node.meta, "start_pos", None)
        return position
    assert _is_token(node)
    return node.start_pos


def _number(token: Token) -> int | float:
    text = str(token)
    if _NUMBER_IS_INT.fullmatch(text):
        whole = int(text)
        # Past 64 bits no column can hold it; compare as a float rather than overflow.
        return whole if -(2**63) <= whole < 2**63 else float(whole)
    return float(text)


def _unquote(token: Token) -> str:
    text = str(token)
    body = text[1:-1]
    if text[0] == "'":
        return _SQ_ESCAPE.sub(lambda match: match.group(1) or "'", body)
    if text[0] == '"':
        return _DQ_ESCAPE.sub(lambda match: match.group(1) or '"', body)
    return body
