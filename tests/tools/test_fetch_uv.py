"""tools/fetch_uv.py: the locked uv, from the lock's URL and hash, for this platform; a wheel
whose hash does not match is refused."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType

import pytest

from nexus.config.stack_files import ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_uv", ROOT / "tools" / "fetch_uv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fetch_uv = _load()


def test_the_lock_pins_the_uv_the_makefile_installs() -> None:
    version, wheels = fetch_uv.locked_uv(ROOT / "uv.lock")
    assert version == "0.13.9"
    assert wheels and all(w["hash"].startswith("sha256:") and w["url"].startswith("https://") for w in wheels)


@pytest.mark.parametrize(
    ("system", "machine", "libc", "expected"),
    [
        ("Linux", "x86_64", ("glibc", "2.36"), "manylinux_2_17_x86_64"),
        ("Linux", "aarch64", ("glibc", "2.31"), "manylinux_2_17_aarch64"),
        ("Linux", "x86_64", ("", ""), "musllinux_1_1_x86_64"),
        ("Darwin", "arm64", ("", ""), "macosx_11_0_arm64"),
        ("Linux", "x86_64", ("glibc", "2.12"), None),  # older than any locked manylinux: pip decides
        ("Windows", "AMD64", ("", ""), None),
    ],
)
def test_the_wheel_for_the_platform(
    monkeypatch: pytest.MonkeyPatch, system: str, machine: str, libc: tuple[str, str], expected: str | None
) -> None:
    monkeypatch.setattr(fetch_uv.platform, "system", lambda: system)
    monkeypatch.setattr(fetch_uv.platform, "machine", lambda: machine)
    monkeypatch.setattr(fetch_uv.platform, "libc_ver", lambda: libc)
    _, wheels = fetch_uv.locked_uv(ROOT / "uv.lock")
    wheel = fetch_uv.pick(wheels)
    assert (wheel is None) if expected is None else (expected in wheel["url"]), wheel


def _wheel() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("uv-0.13.9.data/scripts/uv", "#!/bin/sh\necho uv 0.13.9\n")
        archive.writestr("uv-0.13.9.data/scripts/uvx", "#!/bin/sh\n")
        archive.writestr("uv/__init__.py", "")
    return buffer.getvalue()


@pytest.fixture
def served() -> Iterator[tuple[str, bytes]]:
    body = _wheel()

    class Wheel(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Wheel)
    # serve_forever polls for shutdown every 0.5 s by default: each test would wait that long.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/uv.whl", body
    finally:
        server.shutdown()
        server.server_close()


def test_only_the_binary_is_unpacked_when_the_hash_matches(served: tuple[str, bytes], tmp_path: Path) -> None:
    url, body = served
    binary = fetch_uv.install({"url": url, "hash": f"sha256:{hashlib.sha256(body).hexdigest()}"}, tmp_path)
    assert binary == tmp_path / "bin" / "uv" and binary.stat().st_mode & 0o111
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["uv"]


def test_a_wheel_that_is_not_the_locked_one_is_refused(served: tuple[str, bytes], tmp_path: Path) -> None:
    url, _ = served
    with pytest.raises(SystemExit, match="is not the locked"):
        fetch_uv.install({"url": url, "hash": "sha256:" + "0" * 64}, tmp_path)
    assert not (tmp_path / "bin" / "uv").exists()


def test_the_pip_fallback_checks_the_locked_hashes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def call(argv: list[str]) -> int:
        seen["argv"] = argv
        seen["requirements"] = Path(argv[argv.index("-r") + 1]).read_text()
        return 0

    monkeypatch.setattr(fetch_uv, "pick", lambda wheels: None)  # a platform without a locked wheel
    monkeypatch.setattr(fetch_uv.subprocess, "call", call)
    assert fetch_uv.main([str(tmp_path)]) == 0
    argv, requirements = seen["argv"], str(seen["requirements"])
    assert isinstance(argv, list) and "--require-hashes" in argv and ":all:" in argv
    _, wheels = fetch_uv.locked_uv(ROOT / "uv.lock")
    assert requirements.startswith("uv==0.13.9 ") and all(f"--hash={w['hash']}" in requirements for w in wheels)
