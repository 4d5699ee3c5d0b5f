"""The manifest of a model package: ``runwright-model.json`` at the package's root.

It says how to load the model (flavor and its options), what it takes and returns (the
signature), where it came from (run, Runwright and Python versions, creation time) and
what it is (size and a sha256 over every other file of the package, so two packages
with the same content hash hold the same model). Readers refuse a newer format.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.models.signature import ModelSignature

__all__ = [
    "FORMAT_VERSION",
    "MANIFEST_FILE",
    "ModelMetadata",
    "content_hash",
    "package_files",
    "read_manifest",
    "write_manifest",
]

MANIFEST_FILE = "runwright-model.json"
FORMAT_VERSION = 1
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ModelMetadata:
    """The manifest, as written by :func:`~runwright.models.save_model`."""

    flavor: str
    flavor_options: Mapping[str, Any]
    runwright_version: str
    python_version: str
    created: int
    size: int
    content_hash: str
    batchable: bool
    signature: ModelSignature | None = None
    input_example: str | None = None
    requirements: str | None = None
    run_id: str | None = None
    artifact_path: str | None = None
    format_version: int = FORMAT_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "flavor": self.flavor,
            "flavor_options": dict(self.flavor_options),
            "batchable": self.batchable,
            "runwright_version": self.runwright_version,
            "python_version": self.python_version,
            "created": self.created,
            "run_id": self.run_id,
            "artifact_path": self.artifact_path,
            "signature": None if self.signature is None else self.signature.to_dict(),
            "input_example": self.input_example,
            "requirements": self.requirements,
            "size": self.size,
            "content_hash": self.content_hash,
            **({"extra": dict(self.extra)} if self.extra else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelMetadata:
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise InvalidArgumentError(
                f"model package format {version!r} is not one this Runwright reads "
                f"(up to {FORMAT_VERSION}); upgrade Runwright"
            )
        try:
            signature = data.get("signature")
            return cls(
                format_version=version,
                flavor=str(data["flavor"]),
                flavor_options=dict(data.get("flavor_options") or {}),
                batchable=bool(data.get("batchable", False)),
                runwright_version=str(data["runwright_version"]),
                python_version=str(data["python_version"]),
                created=int(data["created"]),
                run_id=data.get("run_id"),
                artifact_path=data.get("artifact_path"),
                signature=None if signature is None else ModelSignature.from_dict(signature),
                input_example=data.get("input_example"),
                requirements=data.get("requirements"),
                size=int(data["size"]),
                content_hash=str(data["content_hash"]),
                extra=dict(data.get("extra") or {}),
            )
        except KeyError as exc:
            raise InvalidArgumentError(f"the model manifest lacks the field {exc}") from None


def read_manifest(folder: Path) -> ModelMetadata:
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise NotFoundError(f"no {MANIFEST_FILE} in {folder}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidArgumentError(f"cannot read {path}: {exc}") from None
    return ModelMetadata.from_dict(data)


def write_manifest(folder: Path, metadata: ModelMetadata) -> None:
    text = json.dumps(metadata.to_dict(), indent=2, sort_keys=False)
    (folder / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def package_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """Every file of the package but the manifest, as (posix relative path, path), sorted."""
    found: list[tuple[str, Path]] = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            if relative != MANIFEST_FILE and path.is_file():
                found.append((relative, path))
    return iter(sorted(found))


def content_hash(folder: Path) -> tuple[str, int]:
    """The sha256 over the package's files (names, sizes, bytes, in path order) and their
    total size. Renaming, adding or changing any file changes it; the folder's own
    location and the files' times do not."""
    digest = hashlib.sha256()
    total = 0
    for relative, path in package_files(folder):
        size = path.stat().st_size
        total += size
        digest.update(f"{relative}\0{size}\0".encode())
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest(), total
