"""The artifact proxy's endpoints over real HTTP: `/api/2.0/mlflow-artifacts/...`."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from runwright.server.routes.artifact_proxy import multipart_staging_root
from tests.fixtures.live_server import LiveServer, start_server

PROXY = "/api/2.0/mlflow-artifacts"
MIB = 1024 * 1024


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url + PROXY, timeout=120) as client:
        yield client


@pytest.fixture
def prefix() -> str:
    """A folder of its own for each test on the shared server."""
    return f"proxy-{uuid.uuid4().hex}"


def _tree(root: Path) -> set[str]:
    return {os.path.relpath(path, root) for path in root.rglob("*")} if root.exists() else set()


def _raw_request(
    server: LiveServer, method: str, raw_path: str, body: bytes = b""
) -> tuple[int, bytes]:
    """Send the path exactly as written: httpx would resolve '..' before sending."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    try:
        connection.request(method, raw_path, body=body or None)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _random_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as sink:
        for _ in range(size // MIB):
            chunk = os.urandom(MIB)
            sink.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


# -- files ---------------------------------------------------------------------------


def test_a_file_put_at_a_nested_path_downloads_as_an_attachment(
    proxy: httpx.Client, prefix: str
) -> None:
    put = proxy.put(f"/artifacts/{prefix}/a/b/notes.txt", content=b"some notes\n")
    assert (put.status_code, put.json()) == (200, {})

    got = proxy.get(f"/artifacts/{prefix}/a/b/notes.txt")

    assert got.status_code == 200
    assert got.content == b"some notes\n"
    assert got.headers["content-disposition"].startswith("attachment")
    assert "notes.txt" in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"


def test_an_upload_lands_in_the_destination_folder(
    proxy: httpx.Client, prefix: str, live_server: LiveServer
) -> None:
    proxy.put(f"/artifacts/{prefix}/dir/data.bin", content=b"\x00\x01\x02").raise_for_status()

    stored = Path(live_server.artifacts_destination, prefix, "dir", "data.bin")
    assert stored.read_bytes() == b"\x00\x01\x02"


def test_a_second_upload_replaces_the_file(proxy: httpx.Client, prefix: str) -> None:
    proxy.put(f"/artifacts/{prefix}/f.txt", content=b"first").raise_for_status()
    proxy.put(f"/artifacts/{prefix}/f.txt", content=b"second").raise_for_status()

    assert proxy.get(f"/artifacts/{prefix}/f.txt").content == b"second"


def test_names_with_spaces_and_unicode_round_trip(proxy: httpx.Client, prefix: str) -> None:
    proxy.put(f"/artifacts/{prefix}/my folder/résumé %231.txt", content=b"x").raise_for_status()

    listed = proxy.get("/artifacts", params={"path": f"{prefix}/my folder"}).json()

    assert listed == {"files": [{"path": "résumé #1.txt", "is_dir": False, "file_size": 1}]}
    assert proxy.get(f"/artifacts/{prefix}/my folder/résumé %231.txt").content == b"x"


def test_listing_gives_base_names_one_level_deep(proxy: httpx.Client, prefix: str) -> None:
    proxy.put(f"/artifacts/{prefix}/run/model.pkl", content=b"12345").raise_for_status()
    proxy.put(f"/artifacts/{prefix}/run/meta/classes.json", content=b"[]").raise_for_status()

    listed = proxy.get("/artifacts", params={"path": f"{prefix}/run"})

    assert listed.status_code == 200
    assert listed.json() == {
        "files": [
            {"path": "meta", "is_dir": True},
            {"path": "model.pkl", "is_dir": False, "file_size": 5},
        ]
    }


def test_listing_a_missing_folder_is_empty(proxy: httpx.Client, prefix: str) -> None:
    listed = proxy.get("/artifacts", params={"path": f"{prefix}/nothing-here"})

    assert (listed.status_code, listed.json()) == (200, {"files": []})


def test_delete_removes_a_folder_and_answers_empty_json(proxy: httpx.Client, prefix: str) -> None:
    proxy.put(f"/artifacts/{prefix}/gone/a.txt", content=b"a").raise_for_status()
    proxy.put(f"/artifacts/{prefix}/gone/deep/b.txt", content=b"b").raise_for_status()
    proxy.put(f"/artifacts/{prefix}/kept.txt", content=b"k").raise_for_status()

    deleted = proxy.delete(f"/artifacts/{prefix}/gone")

    assert (deleted.status_code, deleted.json()) == (200, {})
    names = [
        entry["path"] for entry in proxy.get("/artifacts", params={"path": prefix}).json()["files"]
    ]
    assert names == ["kept.txt"]
    assert proxy.get(f"/artifacts/{prefix}/gone/a.txt").status_code == 404


def test_deleting_the_whole_destination_is_refused(proxy: httpx.Client, prefix: str) -> None:
    proxy.put(f"/artifacts/{prefix}/survivor.txt", content=b"s").raise_for_status()

    refused = proxy.delete("/artifacts/")

    assert refused.status_code == 400
    assert refused.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert proxy.get(f"/artifacts/{prefix}/survivor.txt").content == b"s"


def test_a_missing_file_is_404_with_mlflow_error_body(proxy: httpx.Client, prefix: str) -> None:
    missing = proxy.get(f"/artifacts/{prefix}/absent.txt")

    assert missing.status_code == 404
    body = missing.json()
    assert body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert "absent.txt" in body["message"]


def test_the_ajax_api_alias_serves_the_same_files(
    live_server: LiveServer, proxy: httpx.Client, prefix: str
) -> None:
    proxy.put(f"/artifacts/{prefix}/ui.txt", content=b"for the ui").raise_for_status()

    got = httpx.get(f"{live_server.url}/ajax-api/2.0/mlflow-artifacts/artifacts/{prefix}/ui.txt")

    assert got.content == b"for the ui"


# -- refused paths -------------------------------------------------------------------

REFUSED_PATHS = [
    pytest.param("../{name}", id="dot-dot"),
    pytest.param("sub/../../{name}", id="dot-dot-deeper"),
    pytest.param("%2e%2e/{name}", id="encoded-dot-dot"),
    pytest.param("%2e%2e%2f{name}", id="encoded-dot-dot-and-slash"),
    pytest.param("%252e%252e%252f{name}", id="double-encoded-dot-dot"),
    pytest.param("/{tmp}/{name}", id="absolute"),
    pytest.param("%2F{tmp}%2F{name}", id="encoded-absolute"),
    pytest.param("sub/%00{name}", id="nul"),
    pytest.param("sub/%2500{name}", id="double-encoded-nul"),
    pytest.param("C:%5C{name}", id="windows-drive"),
    pytest.param("sub%5C..%5C..%5C{name}", id="backslash-dot-dot"),
]


@pytest.mark.parametrize("template", REFUSED_PATHS)
@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
def test_unsafe_paths_are_refused_and_nothing_is_written(
    live_server: LiveServer, tmp_path: Path, template: str, method: str
) -> None:
    destination = Path(live_server.artifacts_destination)
    name = f"escaped-{uuid.uuid4().hex}.txt"
    outside = tmp_path / "outside"
    outside.mkdir()
    path = template.format(name=name, tmp=str(outside).strip("/"))
    before = _tree(destination)

    status, body = _raw_request(live_server, method, f"{PROXY}/artifacts/{path}", b"payload")

    assert status == 400, body
    assert json.loads(body)["error_code"] == "INVALID_PARAMETER_VALUE"
    assert _tree(destination) == before
    assert not (destination.parent / name).exists()
    assert list(outside.iterdir()) == []


def test_listing_an_unsafe_path_is_refused(proxy: httpx.Client) -> None:
    refused = proxy.get("/artifacts", params={"path": "../"})

    assert refused.status_code == 400
    assert refused.json()["error_code"] == "INVALID_PARAMETER_VALUE"


# -- large files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def fifty_mb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("big") / "random.bin"
    return path, _random_file(path, 50 * MIB)


def test_a_50_mb_file_round_trips_with_the_same_sha256(
    proxy: httpx.Client, prefix: str, fifty_mb: tuple[Path, str]
) -> None:
    path, expected = fifty_mb
    with path.open("rb") as stream:
        proxy.put(f"/artifacts/{prefix}/big/random.bin", content=stream).raise_for_status()

    digest = hashlib.sha256()
    with proxy.stream("GET", f"/artifacts/{prefix}/big/random.bin") as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            digest.update(chunk)

    assert digest.hexdigest() == expected
    listed = proxy.get("/artifacts", params={"path": f"{prefix}/big"}).json()
    assert listed["files"][0]["file_size"] == 50 * MIB


def _peak_memory(pid: int) -> int:
    """The process's peak resident size in bytes (Linux only)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_the_server_streams_big_files_instead_of_holding_them(
    tmp_path: Path, fifty_mb: tuple[Path, str]
) -> None:
    server = start_server(
        str(tmp_path / "store"), str(tmp_path / "artifacts"), log_dir=tmp_path, workers=1
    )
    try:
        path, _ = fifty_mb
        with httpx.Client(base_url=server.url + PROXY, timeout=120) as client:
            # A small round trip first, so imports done on first use are not counted.
            client.put("/artifacts/warm/up.txt", content=b"warm").raise_for_status()
            client.get("/artifacts/warm/up.txt").raise_for_status()
            before = _peak_memory(server.process.pid)

            with path.open("rb") as stream:
                client.put("/artifacts/big/random.bin", content=stream).raise_for_status()
            with client.stream("GET", "/artifacts/big/random.bin") as response:
                for _chunk in response.iter_bytes():
                    pass

            growth = _peak_memory(server.process.pid) - before
    finally:
        server.stop()

    assert growth < 20 * MIB, f"the server's peak memory grew by {growth / MIB:.1f} MiB"


# -- multipart uploads ---------------------------------------------------------------


def _create_upload(proxy: httpx.Client, folder: str, local_file: str, parts: int) -> dict[str, Any]:
    created = proxy.post(f"/mpu/create/{folder}", json={"path": local_file, "num_parts": parts})
    assert created.status_code == 200, created.text
    return created.json()


def test_a_multipart_upload_of_three_parts_joins_them_in_order(
    proxy: httpx.Client, prefix: str, live_server: LiveServer
) -> None:
    pieces = [os.urandom(MIB), os.urandom(MIB), os.urandom(1000)]
    created = _create_upload(proxy, f"{prefix}/model", "/home/me/weights.bin", 3)
    assert [c["part_number"] for c in created["credentials"]] == [1, 2, 3]
    assert all(c["url"].startswith(live_server.url) for c in created["credentials"])

    parts = []
    for credential in reversed(created["credentials"]):
        sent = httpx.put(
            credential["url"],
            content=pieces[credential["part_number"] - 1],
            headers=credential["headers"],
        )
        assert sent.status_code == 200, sent.text
        parts.append(
            {
                "part_number": credential["part_number"],
                "etag": sent.headers["etag"],
                "url": credential["url"],
            }
        )
    completed = proxy.post(
        f"/mpu/complete/{prefix}/model",
        json={"path": "/home/me/weights.bin", "upload_id": created["upload_id"], "parts": parts},
    )

    assert (completed.status_code, completed.json()) == (200, {})
    assert proxy.get(f"/artifacts/{prefix}/model/weights.bin").content == b"".join(pieces)
    assert not (multipart_staging_root() / created["upload_id"]).exists()


def test_completing_without_every_part_is_refused_and_stores_nothing(
    proxy: httpx.Client, prefix: str
) -> None:
    created = _create_upload(proxy, prefix, "half.bin", 2)
    first = created["credentials"][0]
    etag = httpx.put(first["url"], content=b"only the first").headers["etag"]

    refused = proxy.post(
        f"/mpu/complete/{prefix}",
        json={
            "path": "half.bin",
            "upload_id": created["upload_id"],
            "parts": [{"part_number": 1, "etag": etag, "url": first["url"]}],
        },
    )

    assert refused.status_code == 400
    assert refused.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert proxy.get(f"/artifacts/{prefix}/half.bin").status_code == 404


def test_a_part_whose_etag_does_not_match_is_refused(proxy: httpx.Client, prefix: str) -> None:
    created = _create_upload(proxy, prefix, "tampered.bin", 1)
    credential = created["credentials"][0]
    httpx.put(credential["url"], content=b"real content").raise_for_status()

    refused = proxy.post(
        f"/mpu/complete/{prefix}",
        json={
            "path": "tampered.bin",
            "upload_id": created["upload_id"],
            "parts": [{"part_number": 1, "etag": '"0123456789abcdef"', "url": credential["url"]}],
        },
    )

    assert refused.status_code == 400
    assert proxy.get(f"/artifacts/{prefix}/tampered.bin").status_code == 404


def test_aborting_removes_the_staged_parts_and_stores_nothing(
    proxy: httpx.Client, prefix: str
) -> None:
    created = _create_upload(proxy, prefix, "aborted.bin", 2)
    httpx.put(created["credentials"][0]["url"], content=b"part one").raise_for_status()
    assert (multipart_staging_root() / created["upload_id"]).exists()

    aborted = proxy.post(
        f"/mpu/abort/{prefix}", json={"path": "aborted.bin", "upload_id": created["upload_id"]}
    )

    assert (aborted.status_code, aborted.json()) == (200, {})
    assert not (multipart_staging_root() / created["upload_id"]).exists()
    assert proxy.get(f"/artifacts/{prefix}/aborted.bin").status_code == 404


def test_a_part_number_outside_the_upload_is_refused(proxy: httpx.Client, prefix: str) -> None:
    created = _create_upload(proxy, prefix, "two.bin", 2)

    refused = proxy.put(f"/mpu/part/{created['upload_id']}/3", content=b"extra")

    assert refused.status_code == 400
    assert refused.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_a_part_for_an_unknown_upload_is_404(proxy: httpx.Client) -> None:
    missing = proxy.put(f"/mpu/part/{uuid.uuid4().hex}/1", content=b"lost")

    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_a_multipart_upload_to_an_unsafe_folder_is_refused(live_server: LiveServer) -> None:
    status, body = _raw_request(
        live_server, "POST", f"{PROXY}/mpu/create/%2e%2e", b'{"path": "x.bin", "num_parts": 1}'
    )

    assert status == 400
    assert b"INVALID_PARAMETER_VALUE" in body


# -- a server that does not serve artifacts ------------------------------------------


def test_a_server_without_the_proxy_answers_503_in_json(tmp_path: Path) -> None:
    from runwright.server.app import ServerConfig, create_app

    app = create_app(
        ServerConfig(
            backend_store_uri=str(tmp_path / "store"),
            artifacts_destination=str(tmp_path / "artifacts"),
            serve_artifacts=False,
        )
    )

    async def put() -> httpx.Response:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
                return await client.put(f"{PROXY}/artifacts/a.txt", content=b"a")

    response = asyncio.run(put())

    assert response.status_code == 503
    assert response.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert not (tmp_path / "artifacts").exists()
