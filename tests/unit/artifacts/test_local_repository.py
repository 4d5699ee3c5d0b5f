"""What only the local filesystem has: atomic writes, links, file modes, root forms."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from runwright.artifacts import ArtifactRepository
from runwright.artifacts.repository import PARTIAL_PREFIX
from runwright.entities import FileInfo
from runwright.errors import InvalidArgumentError


class SimulatedCrashError(Exception):
    """Stands in for the process dying in the middle of a write."""


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


# -- root forms ------------------------------------------------------------------------


def test_a_file_uri_root_writes_to_that_folder(tmp_path: Path) -> None:
    ArtifactRepository((tmp_path / "root").as_uri()).write_bytes("a.txt", b"a")
    assert (tmp_path / "root" / "a.txt").read_bytes() == b"a"


def test_a_relative_root_is_fixed_when_the_repository_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    repository = ArtifactRepository("root")
    monkeypatch.chdir(tmp_path.parent)
    repository.write_bytes("a.txt", b"a")
    assert (tmp_path / "root" / "a.txt").read_bytes() == b"a"


def test_the_root_is_not_created_until_something_is_written(
    local_repo: ArtifactRepository, local_root: Path
) -> None:
    local_repo.list()
    assert not local_root.exists()


# -- atomic writes ---------------------------------------------------------------------


@pytest.fixture
def failing_rename(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def interrupted_replace(source: str, target: str) -> None:
        raise SimulatedCrashError

    monkeypatch.setattr(os, "replace", interrupted_replace)
    yield


@pytest.fixture
def failing_copy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A copy that writes half of its source, then dies."""

    def half_copy(source: IO[bytes], target: IO[bytes], length: int = 0) -> None:
        data = source.read()
        target.write(data[: len(data) // 2])
        raise SimulatedCrashError

    monkeypatch.setattr(shutil, "copyfileobj", half_copy)
    yield


def test_an_interrupted_write_keeps_the_old_artifact(
    local_repo: ArtifactRepository, local_root: Path, failing_rename: None
) -> None:
    local_root.mkdir()
    (local_root / "model.bin").write_bytes(b"old")
    with pytest.raises(SimulatedCrashError):
        local_repo.write_bytes("model.bin", b"new")
    assert (local_root / "model.bin").read_bytes() == b"old"


def test_an_interrupted_write_leaves_no_partial_file(
    local_repo: ArtifactRepository, local_root: Path, failing_rename: None
) -> None:
    with pytest.raises(SimulatedCrashError):
        local_repo.write_bytes("meta/model.bin", b"new")
    assert _names(local_root / "meta") == []


def test_an_interrupted_copy_keeps_the_old_artifact(
    local_repo: ArtifactRepository, local_root: Path, tmp_path: Path, failing_copy: None
) -> None:
    (local_root / "meta").mkdir(parents=True)
    (local_root / "meta" / "model.bin").write_bytes(b"old")
    (tmp_path / "model.bin").write_bytes(b"new weights")
    with pytest.raises(SimulatedCrashError):
        local_repo.log_file(tmp_path / "model.bin", artifact_path="meta")
    assert (local_root / "meta" / "model.bin").read_bytes() == b"old"


def test_an_interrupted_copy_creates_no_artifact(
    local_repo: ArtifactRepository, local_root: Path, tmp_path: Path, failing_copy: None
) -> None:
    (tmp_path / "model.bin").write_bytes(b"new weights")
    with pytest.raises(SimulatedCrashError):
        local_repo.log_file(tmp_path / "model.bin")
    assert _names(local_root) == []


def test_a_partial_file_left_by_a_killed_writer_is_not_listed(
    local_repo: ArtifactRepository, local_root: Path
) -> None:
    local_repo.write_bytes("a.txt", b"a")
    (local_root / f"{PARTIAL_PREFIX}0123").write_bytes(b"half")
    assert local_repo.list() == [FileInfo(path="a.txt", is_dir=False, file_size=1)]


def test_a_partial_file_left_by_a_killed_writer_is_not_downloaded(
    local_repo: ArtifactRepository, local_root: Path, tmp_path: Path
) -> None:
    local_repo.write_bytes("a.txt", b"a")
    (local_root / f"{PARTIAL_PREFIX}0123").write_bytes(b"half")
    assert _names(local_repo.download("", tmp_path / "out")) == ["a.txt"]


def test_a_written_file_gets_the_mode_the_umask_allows(
    local_repo: ArtifactRepository, local_root: Path
) -> None:
    previous = os.umask(0o027)
    try:
        local_repo.write_bytes("a.txt", b"a")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((local_root / "a.txt").stat().st_mode) == 0o640


# -- refusals that only a real folder can produce -----------------------------------------


def test_writing_below_a_file_is_refused(local_repo: ArtifactRepository) -> None:
    local_repo.write_bytes("a.txt", b"a")
    with pytest.raises(InvalidArgumentError, match=r"a\.txt/b\.txt"):
        local_repo.write_bytes("a.txt/b.txt", b"b")


def test_writing_over_a_folder_is_refused(local_repo: ArtifactRepository) -> None:
    local_repo.write_bytes("meta/a.txt", b"a")
    with pytest.raises(InvalidArgumentError, match="folder"):
        local_repo.write_bytes("meta", b"b")


# -- links that stay inside the root --------------------------------------------------------


@pytest.fixture
def inner_links(local_repo: ArtifactRepository, local_root: Path) -> ArtifactRepository:
    """v2/model.bin, with the folder link `latest` -> v2 and the file link `best.bin`."""
    local_repo.write_bytes("v2/model.bin", b"weights")
    os.symlink(local_root / "v2", local_root / "latest")
    os.symlink(local_root / "v2" / "model.bin", local_root / "best.bin")
    return local_repo


def test_a_link_inside_the_root_can_be_read_through(inner_links: ArtifactRepository) -> None:
    assert inner_links.read_bytes("latest/model.bin") == b"weights"


def test_a_link_inside_the_root_is_listed_as_what_it_points_to(
    inner_links: ArtifactRepository,
) -> None:
    assert inner_links.list() == [
        FileInfo(path="best.bin", is_dir=False, file_size=7),
        FileInfo(path="latest", is_dir=True, file_size=None),
        FileInfo(path="v2", is_dir=True, file_size=None),
    ]


def test_deleting_a_link_inside_the_root_keeps_its_target(
    inner_links: ArtifactRepository, local_root: Path
) -> None:
    inner_links.delete("latest")
    assert (local_root / "v2" / "model.bin").read_bytes() == b"weights"


def test_deleting_a_link_inside_the_root_removes_the_link(
    inner_links: ArtifactRepository, local_root: Path
) -> None:
    inner_links.delete("latest")
    assert _names(local_root) == ["best.bin", "v2"]


def test_a_link_loop_does_not_stop_a_download(
    local_repo: ArtifactRepository, local_root: Path, tmp_path: Path
) -> None:
    local_repo.write_bytes("sub/a.txt", b"a")
    os.symlink(local_root, local_root / "sub" / "loop")
    local = local_repo.download("", tmp_path / "out")
    assert (local / "sub" / "a.txt").read_bytes() == b"a"


def test_downloading_the_root_into_itself_copies_what_was_there(
    local_repo: ArtifactRepository, local_root: Path
) -> None:
    local_repo.write_bytes("a.txt", b"a")
    local_repo.download("", local_root / "copy")
    assert _names(local_root / "copy") == ["a.txt"]


def test_a_dangling_link_is_not_listed(local_repo: ArtifactRepository, local_root: Path) -> None:
    local_repo.write_bytes("a.txt", b"a")
    os.symlink(local_root / "gone", local_root / "dangling")
    assert [info.path for info in local_repo.list()] == ["a.txt"]


# -- links in what is logged --------------------------------------------------------------


def test_log_dir_copies_a_linked_file_as_a_file(
    local_repo: ArtifactRepository, local_root: Path, source_dir: Path
) -> None:
    os.symlink(source_dir / "model.pkl", source_dir / "alias.pkl")
    local_repo.log_dir(source_dir)
    assert not (local_root / "alias.pkl").is_symlink()


def test_log_dir_does_not_follow_a_linked_folder(
    local_repo: ArtifactRepository, source_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "big.bin").write_bytes(b"big")
    os.symlink(tmp_path / "elsewhere", source_dir / "linked")
    local_repo.log_dir(source_dir)
    assert [info.path for info in local_repo.list()] == ["meta", "model.pkl"]


def test_log_dir_skips_a_dangling_link(local_repo: ArtifactRepository, source_dir: Path) -> None:
    os.symlink(source_dir / "gone", source_dir / "dangling")
    local_repo.log_dir(source_dir)
    assert [info.path for info in local_repo.list()] == ["meta", "model.pkl"]
