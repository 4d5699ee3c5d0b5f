"""`HttpArtifactRepository` against a live server's artifact proxy."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runwright.artifacts import ArtifactRepository, ArtifactStore, HttpArtifactRepository
from runwright.entities import FileInfo
from runwright.errors import (
    ArtifactPathError,
    InvalidArgumentError,
    NotFoundError,
    StoreUnavailableError,
)
from tests.fixtures.live_server import LiveServer, free_port

MIB = 1024 * 1024


@pytest.fixture
def repo(live_server: LiveServer) -> Iterator[HttpArtifactRepository]:
    """A repository rooted in a folder of its own, as a run's artifact root would be."""
    repository = HttpArtifactRepository(live_server.url, f"0/{uuid.uuid4().hex}/artifacts")
    yield repository
    repository.close()


def _stored(server: LiveServer, repository: HttpArtifactRepository, *parts: str) -> Path:
    return Path(server.artifacts_destination, *repository.root_path.split("/"), *parts)


def test_both_repositories_satisfy_the_artifact_store_protocol(
    repo: HttpArtifactRepository, tmp_path: Path
) -> None:
    assert isinstance(repo, ArtifactStore)
    assert isinstance(ArtifactRepository(str(tmp_path)), ArtifactStore)


def test_written_text_reads_back(repo: HttpArtifactRepository) -> None:
    repo.write_text("notes/readme.md", "# hello\n")

    assert repo.read_bytes("notes/readme.md") == b"# hello\n"


def test_a_logged_file_lands_below_the_root_in_the_destination(
    repo: HttpArtifactRepository, live_server: LiveServer, tmp_path: Path
) -> None:
    local = tmp_path / "model.pkl"
    local.write_bytes(b"weights")

    repo.log_file(local, "model")

    assert _stored(live_server, repo, "model", "model.pkl").read_bytes() == b"weights"


def test_listing_gives_paths_relative_to_the_root(
    repo: HttpArtifactRepository, tmp_path: Path
) -> None:
    repo.write_bytes("meta/classes.json", b"[1, 2]")
    repo.write_bytes("meta/deeper/x.txt", b"x")
    repo.write_bytes("top.txt", b"top")

    assert repo.list() == [
        FileInfo("meta", is_dir=True, file_size=None),
        FileInfo("top.txt", is_dir=False, file_size=3),
    ]
    assert repo.list("meta") == [
        FileInfo("meta/classes.json", is_dir=False, file_size=6),
        FileInfo("meta/deeper", is_dir=True, file_size=None),
    ]


def test_listing_a_file_or_a_missing_path_is_empty(repo: HttpArtifactRepository) -> None:
    repo.write_bytes("only.txt", b"1")

    assert repo.list("only.txt") == []
    assert repo.list("missing") == []


def test_a_logged_folder_downloads_as_the_same_tree(
    repo: HttpArtifactRepository, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    (source / "sub" / "deeper").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "sub" / "b.bin").write_bytes(b"\x00b")
    (source / "sub" / "deeper" / "c.txt").write_text("c")

    repo.log_dir(source, "bundle")
    returned = repo.download("", tmp_path / "out")

    assert returned == tmp_path / "out"
    downloaded = {
        path.relative_to(returned).as_posix(): path.read_bytes()
        for path in returned.rglob("*")
        if path.is_file()
    }
    assert downloaded == {
        "bundle/a.txt": b"a",
        "bundle/sub/b.bin": b"\x00b",
        "bundle/sub/deeper/c.txt": b"c",
    }


def test_a_downloaded_file_keeps_its_path_below_the_target(
    repo: HttpArtifactRepository, tmp_path: Path
) -> None:
    repo.write_bytes("meta/classes.json", b"[]")

    returned = repo.download("meta/classes.json", tmp_path / "out")

    assert returned == tmp_path / "out" / "meta" / "classes.json"
    assert returned.read_bytes() == b"[]"


def test_a_downloaded_folder_keeps_its_path_below_the_target(
    repo: HttpArtifactRepository, tmp_path: Path
) -> None:
    repo.write_bytes("meta/a.txt", b"a")
    repo.write_bytes("other.txt", b"o")

    returned = repo.download("meta", tmp_path / "out")

    assert returned == tmp_path / "out" / "meta"
    assert sorted(p.name for p in returned.iterdir()) == ["a.txt"]


def test_an_empty_root_downloads_as_an_empty_folder(
    repo: HttpArtifactRepository, tmp_path: Path
) -> None:
    returned = repo.download("", tmp_path / "out")

    assert returned.is_dir()
    assert list(returned.iterdir()) == []


def test_open_streams_the_file_in_pieces(repo: HttpArtifactRepository) -> None:
    content = os.urandom(3 * MIB + 17)
    repo.write_bytes("blob.bin", content)

    with repo.open("blob.bin") as stream:
        pieces = [stream.read(1000)]
        while piece := stream.read(MIB):
            pieces.append(piece)

    assert b"".join(pieces) == content


@pytest.mark.parametrize("method", ["read_bytes", "open"])
def test_reading_a_missing_file_raises_not_found(repo: HttpArtifactRepository, method: str) -> None:
    with pytest.raises(NotFoundError):
        getattr(repo, method)("absent.txt")


def test_downloading_a_missing_path_raises_not_found(
    repo: HttpArtifactRepository, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError):
        repo.download("absent/thing.txt", tmp_path / "out")
    assert not (tmp_path / "out" / "absent" / "thing.txt").exists()


def test_delete_removes_a_folder_and_a_missing_path_is_fine(
    repo: HttpArtifactRepository,
) -> None:
    repo.write_bytes("gone/a.txt", b"a")
    repo.write_bytes("kept.txt", b"k")

    repo.delete("gone")
    repo.delete("never-there")

    assert [info.path for info in repo.list()] == ["kept.txt"]


def test_deleting_the_root_removes_everything_under_it(
    repo: HttpArtifactRepository, live_server: LiveServer
) -> None:
    repo.write_bytes("a/b.txt", b"b")

    repo.delete()

    assert repo.list() == []
    assert not _stored(live_server, repo).exists()


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "a/../../escape.txt", "s3://x/y"])
def test_paths_leaving_the_root_are_refused_before_any_request(path: str) -> None:
    # Nothing listens there: a request would raise StoreUnavailableError instead.
    repository = HttpArtifactRepository(f"http://127.0.0.1:{free_port()}", "0/run/artifacts")

    with pytest.raises(ArtifactPathError):
        repository.write_bytes(path, b"x")
    with pytest.raises(ArtifactPathError):
        repository.list(path)


def test_writing_to_the_root_itself_is_refused(repo: HttpArtifactRepository) -> None:
    with pytest.raises(InvalidArgumentError):
        repo.write_bytes("", b"x")


def test_a_server_that_cannot_be_reached_raises_store_unavailable() -> None:
    repository = HttpArtifactRepository(f"http://127.0.0.1:{free_port()}", "0/run/artifacts")

    with pytest.raises(StoreUnavailableError):
        repository.list()


def test_a_given_http_client_is_used_and_left_open(live_server: LiveServer) -> None:
    seen: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(r.method)]}) as http:
        repository = HttpArtifactRepository(live_server.url, uuid.uuid4().hex, http=http)
        repository.write_bytes("x.txt", b"x")
        repository.close()

        assert repository.read_bytes("x.txt") == b"x"
    assert seen == ["PUT", "GET"]


@pytest.mark.parametrize(
    ("uri", "tracking_uri", "base_url", "root_path"),
    [
        ("mlflow-artifacts:/1/abc/artifacts", "http://h:5000", "http://h:5000", "1/abc/artifacts"),
        (
            "mlflow-artifacts:/1/abc/artifacts",
            "https://h/prefix/",
            "https://h/prefix",
            "1/abc/artifacts",
        ),
        ("mlflow-artifacts://other:7000/1/abc", "https://h:5000", "https://other:7000", "1/abc"),
        (
            "http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts",
            None,
            "http://h:5000",
            "1/abc/artifacts",
        ),
        (
            "http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/a%20b/artifacts",
            None,
            "http://h:5000",
            "1/a b/artifacts",
        ),
    ],
)
def test_artifact_uris_map_to_server_and_root(
    uri: str, tracking_uri: str | None, base_url: str, root_path: str
) -> None:
    repository = HttpArtifactRepository.from_artifact_uri(uri, tracking_uri)

    assert (repository.base_url, repository.root_path) == (base_url, root_path)


def test_a_proxy_uri_without_an_http_tracking_uri_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        HttpArtifactRepository.from_artifact_uri("mlflow-artifacts:/1/abc", "sqlite:///x.db")


# -- large files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def fifty_mb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("big") / "random.bin"
    digest = hashlib.sha256()
    with path.open("wb") as sink:
        for _ in range(50):
            chunk = os.urandom(MIB)
            sink.write(chunk)
            digest.update(chunk)
    return path, digest.hexdigest()


def test_a_50_mb_file_streams_both_ways_without_being_held_in_memory(
    repo: HttpArtifactRepository, tmp_path: Path, fifty_mb: tuple[Path, str]
) -> None:
    path, expected = fifty_mb
    tracemalloc.start()
    try:
        repo.log_file(path, "big")
        downloaded = repo.download("big/random.bin", tmp_path / "out")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == expected
    assert peak < 16 * MIB, f"the client allocated up to {peak / MIB:.1f} MiB"


def test_importing_the_artifact_store_does_not_import_httpx() -> None:
    code = "import sys, runwright.artifacts; print('httpx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
