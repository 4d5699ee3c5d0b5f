"""What every artifact repository does, on a local folder and on memory://."""

from __future__ import annotations

from pathlib import Path

import pytest

from runwright.artifacts import ArtifactRepository, HttpArtifactRepository, artifact_repository_for
from runwright.artifacts.repository import PARTIAL_PREFIX
from runwright.entities import FileInfo
from runwright.errors import InvalidArgumentError, NotFoundError


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


# -- log_file --------------------------------------------------------------------------


def test_log_file_keeps_the_base_name(repo: ArtifactRepository, tmp_path: Path) -> None:
    (tmp_path / "model.pkl").write_bytes(b"weights")
    repo.log_file(tmp_path / "model.pkl")
    assert repo.read_bytes("model.pkl") == b"weights"


def test_log_file_goes_under_the_artifact_path(repo: ArtifactRepository, tmp_path: Path) -> None:
    (tmp_path / "model.pkl").write_bytes(b"weights")
    repo.log_file(tmp_path / "model.pkl", artifact_path="models/best")
    assert repo.read_bytes("models/best/model.pkl") == b"weights"


def test_log_file_accepts_a_string_path(repo: ArtifactRepository, tmp_path: Path) -> None:
    (tmp_path / "model.pkl").write_bytes(b"weights")
    repo.log_file(str(tmp_path / "model.pkl"))
    assert repo.read_bytes("model.pkl") == b"weights"


def test_log_file_replaces_an_artifact_of_the_same_name(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    repo.write_bytes("model.pkl", b"old")
    (tmp_path / "model.pkl").write_bytes(b"new")
    repo.log_file(tmp_path / "model.pkl")
    assert repo.read_bytes("model.pkl") == b"new"


def test_log_file_refuses_a_missing_local_file(repo: ArtifactRepository, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"missing\.txt"):
        repo.log_file(tmp_path / "missing.txt")


def test_log_file_refuses_a_local_folder(repo: ArtifactRepository, source_dir: Path) -> None:
    with pytest.raises(InvalidArgumentError):
        repo.log_file(source_dir)


def test_log_file_copies_a_file_larger_than_one_chunk(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 20_000  # ~5 MB, several copy chunks
    (tmp_path / "big.bin").write_bytes(data)
    repo.log_file(tmp_path / "big.bin")
    assert repo.read_bytes("big.bin") == data


# -- log_dir ---------------------------------------------------------------------------


def test_log_dir_copies_the_tree_into_the_root(
    repo: ArtifactRepository, source_dir: Path, tmp_path: Path
) -> None:
    repo.log_dir(source_dir)
    assert files_under(repo.download("", tmp_path / "out")) == files_under(source_dir)


def test_log_dir_copies_the_tree_under_the_artifact_path(
    repo: ArtifactRepository, source_dir: Path
) -> None:
    repo.log_dir(source_dir, artifact_path="run/files")
    assert repo.read_bytes("run/files/meta/deep/notes.txt") == b"notes"


def test_log_dir_refuses_a_missing_local_folder(repo: ArtifactRepository, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="missing"):
        repo.log_dir(tmp_path / "missing")


def test_log_dir_refuses_a_local_file(repo: ArtifactRepository, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(InvalidArgumentError):
        repo.log_dir(tmp_path / "a.txt")


def test_log_dir_of_an_empty_folder_stores_nothing(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    repo.log_dir(tmp_path / "empty")
    assert repo.list() == []


# -- write_bytes / write_text -------------------------------------------------------------


def test_write_bytes_stores_the_bytes(repo: ArtifactRepository) -> None:
    repo.write_bytes("blob.bin", b"\x00\x01\xff")
    assert repo.read_bytes("blob.bin") == b"\x00\x01\xff"


def test_write_bytes_creates_the_parent_folders(repo: ArtifactRepository) -> None:
    repo.write_bytes("a/b/c/blob.bin", b"x")
    assert repo.list("a/b") == [FileInfo(path="a/b/c", is_dir=True, file_size=None)]


def test_write_bytes_replaces_an_existing_artifact(repo: ArtifactRepository) -> None:
    repo.write_bytes("blob.bin", b"first")
    repo.write_bytes("blob.bin", b"second")
    assert repo.read_bytes("blob.bin") == b"second"


def test_write_bytes_stores_an_empty_file(repo: ArtifactRepository) -> None:
    repo.write_bytes("empty.bin", b"")
    assert repo.list() == [FileInfo(path="empty.bin", is_dir=False, file_size=0)]


def test_write_bytes_refuses_the_root_as_a_file_name(repo: ArtifactRepository) -> None:
    with pytest.raises(InvalidArgumentError):
        repo.write_bytes("a/..", b"x")


def test_write_bytes_refuses_a_name_reserved_for_partial_files(
    repo: ArtifactRepository,
) -> None:
    with pytest.raises(InvalidArgumentError, match="reserved"):
        repo.write_bytes(f"meta/{PARTIAL_PREFIX}x", b"x")


def test_write_bytes_normalises_the_path(repo: ArtifactRepository) -> None:
    repo.write_bytes("./a//b/../c.txt", b"x")
    assert repo.read_bytes("a/c.txt") == b"x"


def test_write_text_stores_utf8(repo: ArtifactRepository) -> None:
    repo.write_text("notes/summary.txt", "accuracy ≥ 0.9 ✓")
    assert repo.read_bytes("notes/summary.txt") == "accuracy ≥ 0.9 ✓".encode()


def test_write_text_uses_the_given_encoding(repo: ArtifactRepository) -> None:
    repo.write_text("latin.txt", "café", encoding="latin-1")
    assert repo.read_bytes("latin.txt") == b"caf\xe9"


# -- list ------------------------------------------------------------------------------


def test_list_gives_direct_children_of_the_root_sorted(
    repo: ArtifactRepository, source_dir: Path
) -> None:
    repo.log_dir(source_dir)
    assert repo.list() == [
        FileInfo(path="meta", is_dir=True, file_size=None),
        FileInfo(path="model.pkl", is_dir=False, file_size=5),
    ]


def test_list_gives_paths_relative_to_the_root(repo: ArtifactRepository, source_dir: Path) -> None:
    repo.log_dir(source_dir)
    assert repo.list("meta") == [
        FileInfo(path="meta/classes.json", is_dir=False, file_size=14),
        FileInfo(path="meta/deep", is_dir=True, file_size=None),
    ]


def test_list_of_a_nested_folder(repo: ArtifactRepository, source_dir: Path) -> None:
    repo.log_dir(source_dir)
    assert repo.list("meta/deep") == [
        FileInfo(path="meta/deep/notes.txt", is_dir=False, file_size=5),
    ]


def test_list_accepts_a_trailing_slash(repo: ArtifactRepository, source_dir: Path) -> None:
    repo.log_dir(source_dir)
    assert [info.path for info in repo.list("meta/deep/")] == ["meta/deep/notes.txt"]


def test_list_of_a_missing_path_is_empty(repo: ArtifactRepository) -> None:
    repo.write_bytes("a.txt", b"a")
    assert repo.list("missing") == []


def test_list_of_a_missing_root_is_empty(repo: ArtifactRepository) -> None:
    assert repo.list() == []


def test_list_of_a_file_is_empty(repo: ArtifactRepository) -> None:
    repo.write_bytes("a.txt", b"a")
    assert repo.list("a.txt") == []


def test_list_sorts_by_path(repo: ArtifactRepository) -> None:
    for name in ["b.txt", "a.txt", "c/x.txt", "B.txt"]:
        repo.write_bytes(name, b"")
    assert [info.path for info in repo.list()] == ["B.txt", "a.txt", "b.txt", "c"]


# -- download --------------------------------------------------------------------------


def test_download_of_a_file_returns_its_local_path(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    repo.write_bytes("meta/classes.json", b"[]")
    assert repo.download("meta/classes.json", tmp_path / "out") == (
        tmp_path / "out" / "meta" / "classes.json"
    )


def test_download_of_a_file_copies_its_content(repo: ArtifactRepository, tmp_path: Path) -> None:
    repo.write_bytes("meta/classes.json", b"[]")
    assert repo.download("meta/classes.json", tmp_path / "out").read_bytes() == b"[]"


def test_download_of_a_folder_copies_its_tree(
    repo: ArtifactRepository, source_dir: Path, tmp_path: Path
) -> None:
    repo.log_dir(source_dir)
    local = repo.download("meta", tmp_path / "out")
    assert files_under(local) == {"classes.json": b'["cat", "dog"]', "deep/notes.txt": b"notes"}


def test_download_of_a_folder_returns_its_local_path(
    repo: ArtifactRepository, source_dir: Path, tmp_path: Path
) -> None:
    repo.log_dir(source_dir)
    assert repo.download("meta", tmp_path / "out") == tmp_path / "out" / "meta"


def test_download_of_the_root_returns_the_destination(
    repo: ArtifactRepository, source_dir: Path, tmp_path: Path
) -> None:
    repo.log_dir(source_dir)
    assert repo.download("", tmp_path / "out") == tmp_path / "out"


def test_download_into_an_existing_folder_keeps_its_other_files(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("mine")
    repo.write_bytes("a.txt", b"a")
    repo.download("", tmp_path / "out")
    assert files_under(tmp_path / "out") == {"a.txt": b"a", "mine.txt": b"mine"}


def test_download_of_a_missing_root_gives_an_empty_folder(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    assert list(repo.download("", tmp_path / "out").iterdir()) == []


def test_download_of_a_missing_path_raises_not_found(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    repo.write_bytes("a.txt", b"a")
    with pytest.raises(NotFoundError, match="missing"):
        repo.download("missing", tmp_path / "out")


# -- read_bytes / open -----------------------------------------------------------------


def test_read_bytes_of_a_missing_file_raises_not_found(repo: ArtifactRepository) -> None:
    with pytest.raises(NotFoundError, match=r"missing\.txt"):
        repo.read_bytes("missing.txt")


def test_read_bytes_of_a_folder_is_refused(repo: ArtifactRepository) -> None:
    repo.write_bytes("meta/a.txt", b"a")
    with pytest.raises(InvalidArgumentError, match="folder"):
        repo.read_bytes("meta")


def test_open_streams_the_content(repo: ArtifactRepository) -> None:
    repo.write_bytes("data.bin", b"0123456789")
    with repo.open("data.bin") as stream:
        chunks = [stream.read(4), stream.read(4), stream.read(4)]
    assert chunks == [b"0123", b"4567", b"89"]


def test_open_of_a_missing_file_raises_not_found(repo: ArtifactRepository) -> None:
    with pytest.raises(NotFoundError):
        repo.open("missing.txt")


def test_open_of_a_folder_is_refused(repo: ArtifactRepository) -> None:
    repo.write_bytes("meta/a.txt", b"a")
    with pytest.raises(InvalidArgumentError):
        repo.open("meta")


# -- delete ----------------------------------------------------------------------------


def test_delete_removes_a_file(repo: ArtifactRepository) -> None:
    repo.write_bytes("a.txt", b"a")
    repo.write_bytes("b.txt", b"b")
    repo.delete("a.txt")
    assert [info.path for info in repo.list()] == ["b.txt"]


def test_delete_removes_a_folder_tree(repo: ArtifactRepository, source_dir: Path) -> None:
    repo.log_dir(source_dir)
    repo.delete("meta")
    assert [info.path for info in repo.list()] == ["model.pkl"]


def test_delete_without_a_path_removes_the_whole_root(
    repo: ArtifactRepository, source_dir: Path
) -> None:
    repo.log_dir(source_dir)
    repo.delete()
    assert repo.list() == []


def test_delete_of_a_missing_path_is_fine(repo: ArtifactRepository) -> None:
    repo.write_bytes("a.txt", b"a")
    repo.delete("missing")
    assert [info.path for info in repo.list()] == ["a.txt"]


def test_delete_of_a_missing_root_is_fine(repo: ArtifactRepository) -> None:
    repo.delete()
    assert repo.list() == []


def test_delete_takes_glob_characters_literally(repo: ArtifactRepository) -> None:
    for name in ["a[bc]", "ab", "ac"]:
        repo.write_bytes(f"{name}/x.txt", b"x")
    repo.delete("a[bc]")
    assert [info.path for info in repo.list()] == ["ab", "ac"]


def test_delete_of_a_file_with_glob_characters_spares_its_siblings(
    repo: ArtifactRepository,
) -> None:
    for name in ["f*.txt", "f1.txt"]:
        repo.write_bytes(name, b"x")
    repo.delete("f*.txt")
    assert [info.path for info in repo.list()] == ["f1.txt"]


# -- construction ----------------------------------------------------------------------


def test_artifact_repository_for_opens_the_uri(memory_root: str) -> None:
    artifact_repository_for(memory_root).write_bytes("a.txt", b"a")
    assert ArtifactRepository(memory_root).read_bytes("a.txt") == b"a"


def test_artifact_repository_for_sends_an_artifact_proxy_url_to_the_proxy() -> None:
    url = "http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/outputs"
    repository = artifact_repository_for(url)
    assert isinstance(repository, HttpArtifactRepository)
    assert (repository.base_url, repository.root_path) == (
        "http://h:5000",
        "1/abc/artifacts/outputs",
    )
    assert repository.root_uri == url


def test_an_empty_root_uri_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        ArtifactRepository("")


def test_an_unknown_scheme_is_refused_on_first_use() -> None:
    repository = ArtifactRepository("no-such-scheme://bucket/x")
    with pytest.raises(InvalidArgumentError, match="no-such-scheme"):
        repository.list()
