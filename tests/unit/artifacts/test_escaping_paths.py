"""Every operation refuses paths that would leave the root, and writes nothing outside it."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import fsspec
import pytest

from runwright.artifacts import ArtifactRepository
from runwright.errors import ArtifactPathError

Operation = Callable[[ArtifactRepository, str, Path], object]


def _log_file(repo: ArtifactRepository, path: str, tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("source")
    repo.log_file(source, artifact_path=path)


def _log_dir(repo: ArtifactRepository, path: str, tmp_path: Path) -> None:
    source = tmp_path / "source_dir"
    source.mkdir(exist_ok=True)
    (source / "inner.txt").write_text("inner")
    repo.log_dir(source, artifact_path=path)


def _open(repo: ArtifactRepository, path: str, tmp_path: Path) -> None:
    with repo.open(path):
        pass


OPERATIONS: dict[str, Operation] = {
    "read_bytes": lambda repo, path, tmp_path: repo.read_bytes(path),
    "open": _open,
    "list": lambda repo, path, tmp_path: repo.list(path),
    "download": lambda repo, path, tmp_path: repo.download(path, tmp_path / "downloads"),
    "delete": lambda repo, path, tmp_path: repo.delete(path),
    "write_bytes": lambda repo, path, tmp_path: repo.write_bytes(path, b"escaped"),
    "write_text": lambda repo, path, tmp_path: repo.write_text(path, "escaped"),
    "log_file": _log_file,
    "log_dir": _log_dir,
}
CHANGING = ("delete", "write_bytes", "write_text", "log_file", "log_dir")
CHANGING_OPERATIONS = {name: OPERATIONS[name] for name in CHANGING}

# "{outside}" becomes an absolute path next to the root, so an escape would be visible.
ESCAPING_PATHS = [
    "..",
    "../x",
    "../outside/x",
    "a/../../x",
    "a/b/../../../x",
    "a\\..\\..\\x",
    "{outside}/x",
    "/etc/passwd",
    "C:\\x",
    "\\\\server\\share\\x",
    "a\x00b",
]


def _expand(path: str, tmp_path: Path) -> str:
    return path.replace("{outside}", (tmp_path / "outside").as_posix())


def _local_files_outside(root: Path, tmp_path: Path) -> dict[str, bytes]:
    return {
        path.relative_to(tmp_path).as_posix(): path.read_bytes()
        for path in tmp_path.rglob("*")
        if path.is_file() and root not in path.parents
    }


def _memory_keys_outside(root_uri: str) -> set[str]:
    fs = fsspec.filesystem("memory")
    root_path = fs._strip_protocol(root_uri)
    return {key for key in fs.store if not key.startswith(f"{root_path}/")}


@pytest.mark.parametrize("path", ESCAPING_PATHS)
@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_escaping_path_is_refused(
    repo: ArtifactRepository, operation: Operation, path: str, tmp_path: Path
) -> None:
    repo.write_bytes("a/b/keep.txt", b"keep")
    with pytest.raises(ArtifactPathError):
        operation(repo, _expand(path, tmp_path), tmp_path)


@pytest.mark.parametrize("path", ESCAPING_PATHS)
@pytest.mark.parametrize("operation", CHANGING_OPERATIONS.values(), ids=CHANGING_OPERATIONS.keys())
def test_escaping_path_changes_nothing_outside_a_local_root(
    local_repo: ArtifactRepository,
    local_root: Path,
    operation: Operation,
    path: str,
    tmp_path: Path,
) -> None:
    local_repo.write_bytes("a/b/keep.txt", b"keep")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x").write_text("outside")
    _log_file(local_repo, "seed", tmp_path)  # creates the sources before the snapshot
    _log_dir(local_repo, "seed", tmp_path)
    before = _local_files_outside(local_root, tmp_path)
    with suppress(ArtifactPathError):
        operation(local_repo, _expand(path, tmp_path), tmp_path)
    assert _local_files_outside(local_root, tmp_path) == before


@pytest.mark.parametrize("path", ESCAPING_PATHS)
@pytest.mark.parametrize("operation", CHANGING_OPERATIONS.values(), ids=CHANGING_OPERATIONS.keys())
def test_escaping_path_changes_nothing_outside_a_memory_root(
    memory_repo: ArtifactRepository,
    memory_root: str,
    operation: Operation,
    path: str,
    tmp_path: Path,
) -> None:
    memory_repo.write_bytes("a/b/keep.txt", b"keep")
    fsspec.filesystem("memory").pipe_file(f"{memory_root}-sibling/x", b"outside")
    before = _memory_keys_outside(memory_root)
    with suppress(ArtifactPathError):
        operation(memory_repo, _expand(path, tmp_path), tmp_path)
    assert _memory_keys_outside(memory_root) == before


# -- symbolic links inside a local root that point outside it ---------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("secret")
    return folder


@pytest.fixture
def linked_repo(
    local_repo: ArtifactRepository, local_root: Path, outside: Path
) -> ArtifactRepository:
    """A root holding ok.txt, the folder link `evil` and the file link `evil.txt`."""
    local_repo.write_bytes("ok.txt", b"ok")
    os.symlink(outside, local_root / "evil")
    os.symlink(outside / "secret.txt", local_root / "evil.txt")
    return local_repo


THROUGH_LINKS = [
    ("read_bytes", "evil/secret.txt"),
    ("read_bytes", "evil.txt"),
    ("open", "evil/secret.txt"),
    ("open", "evil.txt"),
    ("list", "evil"),
    ("download", "evil"),
    ("download", "evil/secret.txt"),
    ("download", "evil.txt"),
    ("delete", "evil"),
    ("delete", "evil/secret.txt"),
    ("delete", "evil.txt"),
    ("write_bytes", "evil/secret.txt"),
    ("write_bytes", "evil/new.txt"),
    ("write_bytes", "evil.txt"),
    ("write_text", "evil/new/deeper.txt"),
    ("log_file", "evil"),
    ("log_dir", "evil"),
    ("log_dir", "evil/sub"),
]


@pytest.mark.parametrize(("operation", "path"), THROUGH_LINKS)
def test_a_link_to_outside_is_refused(
    linked_repo: ArtifactRepository, operation: str, path: str, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactPathError, match=path):
        OPERATIONS[operation](linked_repo, path, tmp_path)


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
        for path in folder.rglob("*")
    }


@pytest.mark.parametrize(
    ("operation", "path"), [(op, path) for op, path in THROUGH_LINKS if op in CHANGING]
)
def test_a_link_to_outside_leaves_the_outside_untouched(
    linked_repo: ArtifactRepository, outside: Path, operation: str, path: str, tmp_path: Path
) -> None:
    before = _tree(outside)
    with suppress(ArtifactPathError):
        OPERATIONS[operation](linked_repo, path, tmp_path)
    assert _tree(outside) == before


def test_listing_leaves_out_links_to_outside(linked_repo: ArtifactRepository) -> None:
    assert [info.path for info in linked_repo.list()] == ["ok.txt"]


def test_downloading_the_root_leaves_out_links_to_outside(
    linked_repo: ArtifactRepository, tmp_path: Path
) -> None:
    local = linked_repo.download("", tmp_path / "out")
    assert sorted(path.name for path in local.rglob("*")) == ["ok.txt"]


def test_deleting_the_root_keeps_what_its_links_point_to(
    linked_repo: ArtifactRepository, outside: Path
) -> None:
    linked_repo.delete()
    assert (outside / "secret.txt").read_text() == "secret"


def test_deleting_the_root_removes_its_links(
    linked_repo: ArtifactRepository, local_root: Path
) -> None:
    linked_repo.delete()
    assert not local_root.exists()
