"""Lexical path safety, the real-path check and URI joining."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from runwright.artifacts.paths import (
    ensure_inside_real_root,
    is_inside_real_root,
    join_uri,
    normalize_artifact_path,
)
from runwright.errors import ArtifactPathError, InvalidArgumentError


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        (None, ""),
        ("", ""),
        (".", ""),
        ("./", ""),
        ("a", "a"),
        ("a/b.txt", "a/b.txt"),
        ("./a/./b", "a/b"),
        ("a//b/", "a/b"),
        ("a/../b", "b"),
        ("a/b/..", "a"),
        ("a/..", ""),
        ("a\\b.txt", "a/b.txt"),
        ("...", "..."),
        ("a..b", "a..b"),
        ("a[1]*.png", "a[1]*.png"),
    ],
)
def test_normalize_gives_a_relative_posix_path(given: str | None, normalized: str) -> None:
    assert normalize_artifact_path(given) == normalized


ESCAPING = [
    "..",
    "../x",
    "a/../../x",
    "./../x",
    "a/b/../../../x",
    "..\\x",
    "a\\..\\..\\x",
    "/abs",
    "/etc/passwd",
    "//server/share/x",
    "C:\\x",
    "C:/x",
    "c:x",
    "\\\\server\\share\\x",
    "\\x",
    "file:///etc/passwd",
    "s3://bucket/x",
    "a\x00b",
]


@pytest.mark.parametrize("path", ESCAPING)
def test_normalize_refuses_paths_that_leave_the_root(path: str) -> None:
    with pytest.raises(ArtifactPathError):
        normalize_artifact_path(path)


@pytest.mark.parametrize("path", ["/etc/passwd", "a/../../x", "C:\\x", "a\x00b"])
def test_refusal_message_names_the_path(path: str) -> None:
    with pytest.raises(ArtifactPathError, match=re.escape(repr(path))):
        normalize_artifact_path(path)


def test_normalize_refuses_a_non_string_as_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError):
        normalize_artifact_path(b"a.txt")  # type: ignore[arg-type]


def test_artifact_path_error_is_an_invalid_argument_error() -> None:
    with pytest.raises(InvalidArgumentError):
        normalize_artifact_path("../x")


def test_a_missing_path_under_the_root_is_inside(tmp_path: Path) -> None:
    assert is_inside_real_root(str(tmp_path), str(tmp_path / "not" / "yet.txt"))


def test_the_root_itself_is_inside(tmp_path: Path) -> None:
    assert is_inside_real_root(str(tmp_path), str(tmp_path))


def test_a_sibling_with_the_root_as_name_prefix_is_outside(tmp_path: Path) -> None:
    assert not is_inside_real_root(str(tmp_path / "root"), str(tmp_path / "root2" / "x"))


def test_a_link_to_outside_is_outside(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", tmp_path / "root" / "link")
    assert not is_inside_real_root(str(tmp_path / "root"), str(tmp_path / "root" / "link" / "x"))


def test_a_link_to_inside_is_inside(tmp_path: Path) -> None:
    (tmp_path / "root" / "real").mkdir(parents=True)
    os.symlink(tmp_path / "root" / "real", tmp_path / "root" / "link")
    assert is_inside_real_root(str(tmp_path / "root"), str(tmp_path / "root" / "link" / "x"))


def test_a_root_reached_through_a_link_contains_its_children(tmp_path: Path) -> None:
    (tmp_path / "real_root").mkdir()
    os.symlink(tmp_path / "real_root", tmp_path / "root")
    assert is_inside_real_root(str(tmp_path / "root"), str(tmp_path / "root" / "x"))


def test_ensure_inside_real_root_names_the_artifact_path(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    os.symlink(tmp_path, tmp_path / "root" / "up")
    with pytest.raises(ArtifactPathError, match="'up/x'"):
        ensure_inside_real_root(str(tmp_path / "root"), str(tmp_path / "root" / "up" / "x"), "up/x")


@pytest.mark.parametrize(
    ("base", "parts", "joined"),
    [
        ("/data/artifacts", ("1", "abc", "artifacts"), "/data/artifacts/1/abc/artifacts"),
        ("/data/artifacts/", ("1",), "/data/artifacts/1"),
        ("/", ("x",), "/x"),
        ("relative/dir", ("x",), "relative/dir/x"),
        ("s3://bucket", ("1", "abc"), "s3://bucket/1/abc"),
        ("s3://bucket/prefix/", ("1/abc",), "s3://bucket/prefix/1/abc"),
        ("file:///data", ("x",), "file:///data/x"),
        ("file:///", ("x",), "file:///x"),
        ("memory://", ("x",), "memory://x"),
        ("memory://root", ("a/./b/",), "memory://root/a/b"),
        ("s3://bucket/p", ("", "x", ""), "s3://bucket/p/x"),
        ("s3://bucket/p", (), "s3://bucket/p"),
    ],
)
def test_join_uri(base: str, parts: tuple[str, ...], joined: str) -> None:
    assert join_uri(base, *parts) == joined


@pytest.mark.parametrize("part", ["..", "a/../../x", "/abs"])
def test_join_uri_refuses_parts_that_climb_out(part: str) -> None:
    with pytest.raises(ArtifactPathError):
        join_uri("s3://bucket/p", part)


def test_join_uri_refuses_an_empty_base() -> None:
    with pytest.raises(InvalidArgumentError):
        join_uri("", "x")
