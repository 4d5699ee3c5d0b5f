"""Artifact repositories on a real temporary folder and on fsspec's memory filesystem."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from runwright.artifacts import ArtifactRepository


@pytest.fixture
def local_root(tmp_path: Path) -> Path:
    """The root folder of `local_repo`; it does not exist until something is written."""
    return tmp_path / "root"


@pytest.fixture
def local_repo(local_root: Path) -> ArtifactRepository:
    return ArtifactRepository(str(local_root))


@pytest.fixture
def memory_root() -> Iterator[str]:
    """A fresh root on the memory filesystem, whose store all instances share."""
    import fsspec

    test_folder = f"memory://runwright-tests/{uuid.uuid4().hex}"
    yield f"{test_folder}/artifacts"
    fs = fsspec.filesystem("memory")
    if fs.exists(test_folder):
        fs.rm(test_folder, recursive=True)


@pytest.fixture
def memory_repo(memory_root: str) -> ArtifactRepository:
    return ArtifactRepository(memory_root)


@pytest.fixture(params=["local", "memory"])
def repo(request: pytest.FixtureRequest) -> ArtifactRepository:
    """The same tests over both filesystems."""
    fixture_name = f"{request.param}_repo"
    repository: ArtifactRepository = request.getfixturevalue(fixture_name)
    return repository


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    """A local tree to log: model.pkl, meta/classes.json, meta/deep/notes.txt."""
    source = tmp_path / "source"
    (source / "meta" / "deep").mkdir(parents=True)
    (source / "model.pkl").write_bytes(b"model")
    (source / "meta" / "classes.json").write_text('["cat", "dog"]')
    (source / "meta" / "deep" / "notes.txt").write_text("notes")
    return source
