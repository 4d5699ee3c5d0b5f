"""`flush_to_disk`: one syncfs for many files on Linux while little else is waiting to
be written, one fsync each otherwise; files that are gone are skipped."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from runwright.artifacts import durability
from runwright.artifacts.durability import flush_to_disk, fsync_file

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")


def _files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"output-{i}.json" for i in range(count)]
    for path in paths:
        path.write_text("[1, 2, 3]")
    return paths


@pytest.fixture
def fsynced(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths `flush_to_disk` fsyncs one by one (still really fsynced)."""
    calls: list[Path] = []

    def recording(path: Path) -> None:
        calls.append(path)
        fsync_file(path)

    monkeypatch.setattr(durability, "fsync_file", recording)
    return calls


@pytest.fixture
def syncfs_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The file descriptors handed to syncfs (still really called), on a machine taken
    to be holding no other unwritten data."""
    real = durability._syncfs()
    if real is None:
        pytest.skip("this libc has no syncfs")
    monkeypatch.setattr(durability, "_unwritten_bytes", lambda: 0)
    calls: list[int] = []

    def recording(descriptor: int) -> int:
        calls.append(descriptor)
        result: int = real(descriptor)
        return result

    monkeypatch.setattr(durability, "_syncfs", lambda: recording)
    return calls


def test_no_files_is_nothing_to_do(fsynced: list[Path]) -> None:
    flush_to_disk([])
    assert fsynced == []


def test_one_file_is_fsynced_with_its_folder(tmp_path: Path, fsynced: list[Path]) -> None:
    [path] = _files(tmp_path / "out", 1)
    flush_to_disk([path])
    assert sorted(fsynced) == sorted([path, path.parent])


def test_a_generator_of_paths_is_accepted(tmp_path: Path, fsynced: list[Path]) -> None:
    paths = _files(tmp_path / "out", 2)
    flush_to_disk(path for path in paths)
    assert set(fsynced) == {*paths, tmp_path / "out"}


def test_missing_files_are_skipped(tmp_path: Path, fsynced: list[Path]) -> None:
    [path] = _files(tmp_path / "out", 1)
    flush_to_disk([tmp_path / "gone.json", path, tmp_path / "nowhere" / "gone.json"])
    assert sorted(fsynced) == sorted([path, path.parent])


def test_only_missing_files_is_nothing_to_do(tmp_path: Path, fsynced: list[Path]) -> None:
    flush_to_disk([tmp_path / "gone.json"])
    assert fsynced == []


def test_each_folder_is_fsynced_once(tmp_path: Path, fsynced: list[Path]) -> None:
    first = _files(tmp_path / "a", 2)
    second = _files(tmp_path / "b", 1)
    flush_to_disk([*first, *second])
    folders = [path for path in fsynced if path.is_dir()]
    assert sorted(folders) == [tmp_path / "a", tmp_path / "b"]


def test_below_the_syncfs_threshold_each_file_is_fsynced(
    tmp_path: Path, fsynced: list[Path]
) -> None:
    paths = _files(tmp_path / "out", 7)
    flush_to_disk(paths)
    assert set(fsynced) == {*paths, tmp_path / "out"}


@linux_only
def test_twenty_files_take_one_syncfs_and_no_fsync(
    tmp_path: Path, fsynced: list[Path], syncfs_calls: list[int]
) -> None:
    flush_to_disk(_files(tmp_path / "out", 20))
    assert len(syncfs_calls) == 1  # one filesystem
    assert fsynced == []


@linux_only
def test_the_syncfs_path_skips_missing_files(
    tmp_path: Path, fsynced: list[Path], syncfs_calls: list[int]
) -> None:
    paths = _files(tmp_path / "out", 20)
    for path in paths[::2]:
        path.unlink()
    missing = [tmp_path / "never" / f"{i}.json" for i in range(5)]
    flush_to_disk([*paths, *missing])  # 10 left: still over the threshold
    assert len(syncfs_calls) == 1
    assert fsynced == []


@linux_only
def test_twenty_files_are_flushed_with_the_real_syncfs(tmp_path: Path) -> None:
    if durability._syncfs() is None:
        pytest.skip("this libc has no syncfs")
    paths = _files(tmp_path / "out", 20)
    flush_to_disk(paths)
    assert all(path.read_text() == "[1, 2, 3]" for path in paths)


@linux_only
def test_with_much_else_unwritten_each_file_is_fsynced_instead_of_the_filesystem(
    tmp_path: Path,
    fsynced: list[Path],
    syncfs_calls: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(durability, "_unwritten_bytes", lambda: 1 << 30)
    paths = _files(tmp_path / "out", 20)
    flush_to_disk(paths)
    assert syncfs_calls == []
    assert sorted(fsynced) == sorted([*paths, tmp_path / "out"])


@linux_only
def test_without_meminfo_figures_each_file_is_fsynced(
    tmp_path: Path,
    fsynced: list[Path],
    syncfs_calls: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(durability, "_unwritten_bytes", lambda: None)
    paths = _files(tmp_path / "out", 20)
    flush_to_disk(paths)
    assert syncfs_calls == []
    assert len(fsynced) == 21


@linux_only
def test_the_machines_unwritten_data_is_read_from_meminfo() -> None:
    unwritten = durability._unwritten_bytes()
    assert unwritten is not None and unwritten >= 0


def test_a_failing_syncfs_falls_back_to_fsync_each_file(
    tmp_path: Path, fsynced: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    failing: Callable[[int], int] = lambda _descriptor: -1  # noqa: E731
    monkeypatch.setattr(durability, "_syncfs", lambda: failing)
    paths = _files(tmp_path / "out", 20)
    flush_to_disk(paths)
    assert set(fsynced) == {*paths, tmp_path / "out"}


def test_without_syncfs_each_file_is_fsynced(
    tmp_path: Path, fsynced: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(durability, "_syncfs", lambda: None)
    paths = _files(tmp_path / "out", 20)
    flush_to_disk(paths)
    assert set(fsynced) == {*paths, tmp_path / "out"}


def test_fsync_file_flushes_a_file_and_a_folder(tmp_path: Path) -> None:
    [path] = _files(tmp_path / "out", 1)
    fsync_file(path)
    fsync_file(path.parent)
    assert path.read_text() == "[1, 2, 3]"


def test_fsync_file_of_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        fsync_file(tmp_path / "gone.json")
