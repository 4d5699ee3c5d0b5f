"""The search filter language: what parses to which tree, and what is refused with which message."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from runwright.errors import FilterSyntaxError
from runwright.search import (
    EXPERIMENTS,
    RUNS,
    And,
    Comparison,
    Entity,
    Identifier,
    LikeToken,
    Not,
    Operator,
    Or,
    OrderKey,
    SearchTarget,
    like_tokens,
    parse_filter,
    parse_order_by,
)


def reason(error: FilterSyntaxError) -> str:
    """The message without the location that FilterSyntaxError appends."""
    return re.sub(r" \(at character \d+ of .*\)$", "", error.message, flags=re.DOTALL)


def metric(key: str) -> Identifier:
    return Identifier(Entity.METRICS, key)


def param(key: str) -> Identifier:
    return Identifier(Entity.PARAMS, key)


def tag(key: str) -> Identifier:
    return Identifier(Entity.TAGS, key)


def attr(key: str) -> Identifier:
    return Identifier(Entity.ATTRIBUTES, key)


def dataset(key: str) -> Identifier:
    return Identifier(Entity.DATASETS, key)


A = Comparison(attr("status"), Operator.EQ, "a")
B = Comparison(attr("status"), Operator.EQ, "b")
C = Comparison(attr("status"), Operator.EQ, "c")

VALID_RUN_FILTERS = [
    # entities and their aliases
    ("metrics.acc > 0.9", Comparison(metric("acc"), Operator.GT, 0.9)),
    ("metric.acc > 0.9", Comparison(metric("acc"), Operator.GT, 0.9)),
    ("METRICS.acc > 0.9", Comparison(metric("acc"), Operator.GT, 0.9)),
    ("params.lr = '0.1'", Comparison(param("lr"), Operator.EQ, "0.1")),
    ("param.lr = '0.1'", Comparison(param("lr"), Operator.EQ, "0.1")),
    ("parameter.lr = '0.1'", Comparison(param("lr"), Operator.EQ, "0.1")),
    ("Parameters.lr = '0.1'", Comparison(param("lr"), Operator.EQ, "0.1")),
    ("tags.team != 'nlp'", Comparison(tag("team"), Operator.NE, "nlp")),
    ("tag.team != 'nlp'", Comparison(tag("team"), Operator.NE, "nlp")),
    ("attributes.status = 'FINISHED'", Comparison(attr("status"), Operator.EQ, "FINISHED")),
    ("attribute.status = 'FINISHED'", Comparison(attr("status"), Operator.EQ, "FINISHED")),
    ("attr.status = 'FINISHED'", Comparison(attr("status"), Operator.EQ, "FINISHED")),
    ("run.status = 'FINISHED'", Comparison(attr("status"), Operator.EQ, "FINISHED")),
    ("status = 'FINISHED'", Comparison(attr("status"), Operator.EQ, "FINISHED")),
    ("datasets.name = 'mnist'", Comparison(dataset("name"), Operator.EQ, "mnist")),
    ("dataset.digest = 'abc'", Comparison(dataset("digest"), Operator.EQ, "abc")),
    ("datasets.context = 'training'", Comparison(dataset("context"), Operator.EQ, "training")),
    # attribute names and aliases
    ("`run name` = 'x'", Comparison(attr("run_name"), Operator.EQ, "x")),
    ("\"run name\" = 'x'", Comparison(attr("run_name"), Operator.EQ, "x")),
    ("attributes.`run name` = 'x'", Comparison(attr("run_name"), Operator.EQ, "x")),
    ("run_name = 'x'", Comparison(attr("run_name"), Operator.EQ, "x")),
    ("created > 5", Comparison(attr("start_time"), Operator.GT, 5)),
    ("run_id = 'abc'", Comparison(attr("run_id"), Operator.EQ, "abc")),
    ("user_id = 'u'", Comparison(attr("user_id"), Operator.EQ, "u")),
    ("artifact_uri = 'u'", Comparison(attr("artifact_uri"), Operator.EQ, "u")),
    ("lifecycle_stage = 'active'", Comparison(attr("lifecycle_stage"), Operator.EQ, "active")),
    ("end_time <= 10", Comparison(attr("end_time"), Operator.LE, 10)),
    # keys
    ("metrics.val.loss < 1", Comparison(metric("val.loss"), Operator.LT, 1)),
    ("metrics.a-b/c:d_2 < 1", Comparison(metric("a-b/c:d_2"), Operator.LT, 1)),
    ("metrics.1st >= 1", Comparison(metric("1st"), Operator.GE, 1)),
    ("metrics.`f1 score` >= 1", Comparison(metric("f1 score"), Operator.GE, 1)),
    ('metrics."f1 score" >= 1', Comparison(metric("f1 score"), Operator.GE, 1)),
    ("tags.`mlflow.runName` = 'x'", Comparison(tag("mlflow.runName"), Operator.EQ, "x")),
    ("tags.and = 'x'", Comparison(tag("and"), Operator.EQ, "x")),
    ("tags.notes = 'x'", Comparison(tag("notes"), Operator.EQ, "x")),
    # numbers
    ("metrics.m = -1", Comparison(metric("m"), Operator.EQ, -1)),
    ("metrics.m = +2", Comparison(metric("m"), Operator.EQ, 2)),
    ("metrics.m = .5", Comparison(metric("m"), Operator.EQ, 0.5)),
    ("metrics.m = 1e-3", Comparison(metric("m"), Operator.EQ, 0.001)),
    ("metrics.m = -2.5E3", Comparison(metric("m"), Operator.EQ, -2500.0)),
    ("metrics.m>-1", Comparison(metric("m"), Operator.GT, -1)),
    ("start_time >= 1700000000000", Comparison(attr("start_time"), Operator.GE, 1700000000000)),
    # strings
    ('tags.t = "double"', Comparison(tag("t"), Operator.EQ, "double")),
    ("tags.t = 'it''s'", Comparison(tag("t"), Operator.EQ, "it's")),
    ("tags.t = 'it\\'s'", Comparison(tag("t"), Operator.EQ, "it's")),
    ('tags.t = "say \\"hi\\""', Comparison(tag("t"), Operator.EQ, 'say "hi"')),
    ("tags.t = 'back\\\\slash'", Comparison(tag("t"), Operator.EQ, "back\\slash")),
    ("tags.t LIKE 'a\\_b%'", Comparison(tag("t"), Operator.LIKE, "a\\_b%")),
    ("tags.t = ''", Comparison(tag("t"), Operator.EQ, "")),
    ("tags.t = 'AND OR ( )'", Comparison(tag("t"), Operator.EQ, "AND OR ( )")),
    # string operators
    ("params.opt LIKE 'ad%'", Comparison(param("opt"), Operator.LIKE, "ad%")),
    ("params.opt ilike '%AM'", Comparison(param("opt"), Operator.ILIKE, "%AM")),
    ("params.opt IN ('adam', \"sgd\")", Comparison(param("opt"), Operator.IN, ("adam", "sgd"))),
    ("params.opt in ('adam')", Comparison(param("opt"), Operator.IN, ("adam",))),
    ("params.opt NOT IN ('adam')", Comparison(param("opt"), Operator.NOT_IN, ("adam",))),
    ("tags.t not  in('a','b')", Comparison(tag("t"), Operator.NOT_IN, ("a", "b"))),
    ("run_id IN ('a', 'b')", Comparison(attr("run_id"), Operator.IN, ("a", "b"))),
    ("datasets.name NOT IN ('a')", Comparison(dataset("name"), Operator.NOT_IN, ("a",))),
    ("params.opt IS NULL", Comparison(param("opt"), Operator.IS_NULL, None)),
    ("tags.t is not null", Comparison(tag("t"), Operator.IS_NOT_NULL, None)),
    # boolean structure and precedence
    ("status = 'a' AND status = 'b' AND status = 'c'", And((A, B, C))),
    ("status = 'a' OR status = 'b' OR status = 'c'", Or((A, B, C))),
    ("status = 'a' AND status = 'b' OR status = 'c'", Or((And((A, B)), C))),
    ("status = 'a' OR status = 'b' AND status = 'c'", Or((A, And((B, C))))),
    ("(status = 'a' OR status = 'b') AND status = 'c'", And((Or((A, B)), C))),
    ("NOT status = 'a' AND status = 'b'", And((Not(A), B))),
    ("NOT (status = 'a' OR status = 'b')", Not(Or((A, B)))),
    ("not not status = 'a'", Not(Not(A))),
    ("((status = 'a'))", A),
    ("status = 'a' and status = 'b' Or status = 'c'", Or((And((A, B)), C))),
    ("\n\tstatus = 'a'\n AND\tstatus = 'b'  ", And((A, B))),
]

VALID_EXPERIMENT_FILTERS = [
    ("name = 'exp'", Comparison(attr("name"), Operator.EQ, "exp")),
    ("attributes.name LIKE 'e%'", Comparison(attr("name"), Operator.LIKE, "e%")),
    ("name IN ('a', 'b')", Comparison(attr("name"), Operator.IN, ("a", "b"))),
    ("creation_time > 5", Comparison(attr("creation_time"), Operator.GT, 5)),
    ("last_update_time <= 5", Comparison(attr("last_update_time"), Operator.LE, 5)),
    ("tags.team ILIKE 'ML'", Comparison(tag("team"), Operator.ILIKE, "ML")),
    ("tags.team IS NULL", Comparison(tag("team"), Operator.IS_NULL, None)),
]

# (filter, first line of the message, position)
INVALID_RUN_FILTERS = [
    (
        "metrics.acc = 'abc'",
        "metrics.acc: metric values must be numbers, got 'abc'",
        14,
    ),
    ("metrics.acc LIKE '%1'", "operator LIKE is not allowed for metrics", 12),
    ("metrics.acc IN (1, 2)", "operator IN is not allowed for metrics", 12),
    ("metrics.acc IS NULL", "operator IS NULL is not allowed for metrics", 12),
    ("status IS NOT NULL", "operator IS NOT NULL is not allowed for attribute status", 7),
    ("datasets.name IS NULL", "operator IS NULL is not allowed for datasets", 14),
    ("start_time LIKE '1%'", "operator LIKE is not allowed for numeric attribute start_time", 11),
    ("start_time > '2024'", "start_time: attribute values must be numbers, got '2024'", 13),
    ("status < 'b'", "operator < is not allowed for attribute status", 7),
    ("tags.t > 'a'", "operator > is not allowed for tags", 7),
    ("datasets.name >= 'a'", "operator >= is not allowed for datasets", 14),
    ("params.p = 1", "params.p: param values must be quoted strings, got 1", 11),
    ("tags.t != 2.5", "tags.t: tag values must be quoted strings, got 2.5", 10),
    ("params.p IN 'a'", "params.p: IN needs a parenthesised list of quoted strings, got 'a'", 12),
    ("params.p NOT IN ()", "params.p: NOT IN needs at least one value", 16),
    ("params.p IN ('a', 2)", "params.p: list items must be quoted strings, got 2", 18),
    ("params.p = ('a', 'b')", "params.p: a list of values is only allowed with IN and NOT IN", 11),
    (
        "foo.bar = 'x'",
        "unknown entity 'foo' in 'foo.bar'; expected one of metrics, params, tags, attributes, "
        "datasets",
        0,
    ),
    (
        "foo.`bar` = 'x'",
        "unknown entity 'foo' in 'foo.`bar`'; expected one of metrics, params, tags, attributes, "
        "datasets",
        0,
    ),
    (
        "name = 'x'",
        "unknown attribute 'name' in 'name'; expected one of run_id, run_name, status, user_id, "
        "artifact_uri, lifecycle_stage, start_time, end_time",
        0,
    ),
    (
        "datasets.size = 'x'",
        "unknown dataset field 'size' in 'datasets.size'; expected one of name, digest, context",
        0,
    ),
    ("metrics. > 1", "missing key in 'metrics.'", 0),
    ("tags.`` = 'x'", "missing key in 'tags.``'", 0),
    (
        "status = 'a' AND AND run_id = 'b'",
        "unexpected token 'AND'; expected an identifier, NOT or '('",
        17,
    ),
    (
        "AND status = 'a'",
        "unexpected token 'AND'; expected an identifier, NOT or '('",
        0,
    ),
    (
        "status = 'a' status = 'b'",
        "unexpected token 'status'; expected AND, OR or the end",
        13,
    ),
    (
        "status = 'a')",
        "unexpected token ')'; expected AND, OR or the end",
        12,
    ),
    ("(status = 'a'", "unexpected end of filter; expected AND, OR or ')'", 13),
    ("status IN ('a'", "unexpected end of filter; expected ',' or ')'", 14),
    ("status = 'a' OR", "unexpected end of filter; expected an identifier, NOT or '('", 15),
    ("NOT", "unexpected end of filter; expected an identifier, NOT or '('", 3),
    (
        "metrics.acc >",
        "unexpected end of filter; expected a quoted string, a number or '('",
        13,
    ),
    (
        "params.p = adam",
        "unexpected token 'adam'; expected a quoted string, a number or '('",
        11,
    ),
    (
        "status == 'a'",
        "unexpected token '='; expected a quoted string, a number or '('",
        8,
    ),
    ("status ~ 'a'", "unexpected character '~'; expected an operator", 7),
    ("status = 'a'; DROP TABLE runs", "unexpected character ';'; expected AND, OR or the end", 12),
    ("status = 'a", "missing closing ' for the quote opened here", 9),
    ("metrics.`f1 = 1", "missing closing ` for the quote opened here", 8),
    (
        "status = 'a' AND " + "NOT " * 70 + "status = 'b'",
        "filter nests deeper than 64 levels",
        17 + 4 * 64,
    ),
]

INVALID_EXPERIMENT_FILTERS = [
    (
        "metrics.acc > 1",
        "metrics cannot be used when searching experiments; expected one of attributes, tags",
        0,
    ),
    (
        "datasets.name = 'x'",
        "datasets cannot be used when searching experiments; expected one of attributes, tags",
        0,
    ),
    (
        "experiment_id = '1'",
        "unknown attribute 'experiment_id' in 'experiment_id'; expected one of name, "
        "creation_time, last_update_time",
        0,
    ),
    ("name > 'a'", "operator > is not allowed for attribute name", 5),
    (
        "creation_time = 'yesterday'",
        "creation_time: attribute values must be numbers, got 'yesterday'",
        16,
    ),
]


@pytest.mark.parametrize(("text", "expected"), VALID_RUN_FILTERS)
def test_run_filter_parses_to_its_tree(text: str, expected: object) -> None:
    assert parse_filter(text, target=RUNS) == expected


@pytest.mark.parametrize(("text", "expected"), VALID_EXPERIMENT_FILTERS)
def test_experiment_filter_parses_to_its_tree(text: str, expected: object) -> None:
    assert parse_filter(text, target=EXPERIMENTS) == expected


@pytest.mark.parametrize(
    ("target", "text", "message", "position"),
    [(RUNS, *case) for case in INVALID_RUN_FILTERS]
    + [(EXPERIMENTS, *case) for case in INVALID_EXPERIMENT_FILTERS],
)
def test_bad_filter_is_refused_saying_where_and_why(
    target: SearchTarget, text: str, message: str, position: int
) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text, target=target)
    assert reason(caught.value) == message
    assert caught.value.position == position
    assert caught.value.text == text


def test_error_message_says_where_in_the_text() -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter("metrics.acc LIKE '%1'", target=RUNS)
    assert "at character 13 of" in caught.value.message


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_empty_filter_is_no_filter(text: str | None) -> None:
    assert parse_filter(text, target=RUNS) is None


def test_whole_numbers_stay_integers_and_others_are_floats() -> None:
    whole = parse_filter("start_time > 1700000000001", target=RUNS)
    fraction = parse_filter("metrics.m > 1.0", target=RUNS)
    assert isinstance(whole, Comparison) and type(whole.value) is int
    assert isinstance(fraction, Comparison) and type(fraction.value) is float


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (None, ()),
        ([], ()),
        (["metrics.acc"], (OrderKey(metric("acc")),)),
        (["metrics.acc ASC"], (OrderKey(metric("acc")),)),
        (["metrics.acc desc"], (OrderKey(metric("acc"), descending=True),)),
        (
            ["metrics.`f1 score` DESC", "start_time asc"],
            (OrderKey(metric("f1 score"), descending=True), OrderKey(attr("start_time"))),
        ),
        (["params.lr", "tags.t DESC"], (OrderKey(param("lr")), OrderKey(tag("t"), True))),
        (["`run name` DESC"], (OrderKey(attr("run_name"), descending=True),)),
        (["attributes.created"], (OrderKey(attr("start_time")),)),
        (
            ["end_time", "status", "run_id", "user_id", "artifact_uri"],
            tuple(
                OrderKey(attr(name))
                for name in ("end_time", "status", "run_id", "user_id", "artifact_uri")
            ),
        ),
    ],
)
def test_run_order_by_parses_to_keys(items: list[str] | None, expected: object) -> None:
    assert parse_order_by(items, target=RUNS) == expected


def test_experiment_order_by_parses_to_keys() -> None:
    keys = parse_order_by(
        ["name", "experiment_id DESC", "creation_time", "last_update_time desc"],
        target=EXPERIMENTS,
    )
    assert keys == (
        OrderKey(attr("name")),
        OrderKey(attr("experiment_id"), descending=True),
        OrderKey(attr("creation_time")),
        OrderKey(attr("last_update_time"), descending=True),
    )


@pytest.mark.parametrize(
    ("target", "items", "message", "position"),
    [
        (
            RUNS,
            ["datasets.name"],
            "cannot order runs by datasets; expected one of metrics, params, tags, attributes",
            0,
        ),
        (
            RUNS,
            ["lifecycle_stage"],
            "cannot order runs by attribute 'lifecycle_stage' in 'lifecycle_stage'; expected one "
            "of start_time, end_time, run_name, status, run_id, user_id, artifact_uri",
            0,
        ),
        (
            RUNS,
            ["metrics.acc UP"],
            "unexpected token 'UP'; expected ASC or DESC or the end",
            12,
        ),
        (
            RUNS,
            ["metrics.acc DESC ASC"],
            "unexpected token 'ASC'; expected the end",
            17,
        ),
        (
            RUNS,
            ["metrics.acc > 1"],
            "unexpected token '>'; expected ASC or DESC or the end",
            12,
        ),
        (
            RUNS,
            ["metrics.acc", "metrics.acc DESC"],
            "order_by names metrics.acc more than once",
            None,
        ),
        (RUNS, ["  "], "order_by items must not be empty", None),
        (
            EXPERIMENTS,
            ["tags.team"],
            "cannot order experiments by tags; expected one of attributes",
            0,
        ),
        (
            EXPERIMENTS,
            ["start_time"],
            "cannot order experiments by attribute 'start_time' in 'start_time'; expected one of "
            "name, experiment_id, creation_time, last_update_time",
            0,
        ),
    ],
)
def test_bad_order_by_is_refused_saying_where_and_why(
    target: SearchTarget, items: list[str], message: str, position: int | None
) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_order_by(items, target=target)
    assert reason(caught.value) == message
    assert caught.value.position == position


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("abc", ["abc"]),
        ("a%b_c", ["a", LikeToken.ANY_RUN, "b", LikeToken.ANY_ONE, "c"]),
        ("%%", [LikeToken.ANY_RUN, LikeToken.ANY_RUN]),
        ("a\\%b\\_c", ["a%b_c"]),
        ("a\\\\%", ["a\\", LikeToken.ANY_RUN]),
        ("a\\x", ["ax"]),
        ("trailing\\", ["trailing\\"]),
        ("", []),
    ],
)
def test_like_pattern_splits_into_literals_and_wildcards(
    pattern: str, expected: list[object]
) -> None:
    assert like_tokens(pattern) == expected


def test_identifier_prints_as_it_would_be_written() -> None:
    assert str(metric("acc")) == "metrics.acc"
    assert str(metric("f1 score")) == "metrics.`f1 score`"
    assert str(attr("start_time")) == "start_time"


def test_importing_the_package_does_not_import_lark() -> None:
    code = "import sys, runwright.search; print('lark' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
