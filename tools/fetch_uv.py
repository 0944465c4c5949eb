"""Install the locked uv into DIR/bin (the Makefile's private copy when uv is not on the PATH).

The version and every wheel's URL and sha256 come from uv.lock (uv is a pinned development
dependency), so this copy is as locked as the rest: the wheel for this platform is downloaded
from the URL the lock names, checked against the lock's hash, and only its `uv` binary is
unpacked. Standard library only: it runs with whatever python3 made the request, before any
environment exists.

Why not `pip install --target`: pip's start-up, its index queries and its copy of the whole
wheel took 2.0 s of a fresh machine's first `make plan` (7.9 s in all); this takes 0.5 s.
Where no locked wheel fits the platform or the download fails, it falls back to pip with the
same pinned version and every locked hash (--require-hashes). A hash that does not match, or a
wheel that is not one, is refused with one line (exit 2), never retried another way.

    python3 tools/fetch_uv.py .tools
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import platform
import re
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 60


def locked_uv(lock: Path) -> tuple[str, list[dict[str, str]]]:
    """uv's version and wheels (url, hash) as uv.lock records them."""
    packages = tomllib.loads(lock.read_text())["package"]
    (uv,) = [p for p in packages if p["name"] == "uv"]
    return uv["version"], uv.get("wheels", [])


def platform_tags() -> list[re.Pattern[str]]:
    """Wheel platform tags this machine runs, best first (PEP 600 manylinux, PEP 656 musllinux,
    macOS); empty where we do not know (the pip fallback decides there)."""
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    system = platform.system()
    if system == "Linux" and platform.libc_ver()[0] == "glibc":
        return [re.compile(rf"manylinux_(\d+)_(\d+)_{arch}\b"), re.compile(rf"manylinux2014_{arch}\b")]
    if system == "Linux":
        return [re.compile(rf"musllinux_1_\d+_{arch}\b")]
    if system == "Darwin":
        mac_arch = "arm64" if arch == "aarch64" else arch
        return [re.compile(rf"macosx_\d+_\d+_(?:{mac_arch}|universal2)\b")]
    return []


def pick(wheels: list[dict[str, str]]) -> dict[str, str] | None:
    """The locked wheel this machine can run: for manylinux, one whose glibc (manylinux_X_Y;
    manylinux2014 is 2.17) is no newer than this machine's."""
    glibc = tuple(int(x) for x in (platform.libc_ver()[1] or "0.0").split(".")[:2])
    for pattern in platform_tags():
        for wheel in wheels:
            match = pattern.search(wheel["url"].rsplit("/", 1)[-1])
            if match is None:
                continue
            if "manylinux" in pattern.pattern:
                needed = (int(match.group(1)), int(match.group(2))) if match.groups() else (2, 17)
                if needed > glibc:
                    continue
            return wheel
    return None


def install(wheel: dict[str, str], target: Path) -> Path:
    with urllib.request.urlopen(wheel["url"], timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (the lock's https URL)
        data = response.read()
    algorithm, _, expected = wheel["hash"].partition(":")
    actual = hashlib.new(algorithm, data).hexdigest()
    if actual != expected:
        sys.exit(f"fetch_uv: {wheel['url']}: {algorithm} {actual} is not the locked {expected}; refused")
    binary = target / "bin" / "uv"
    binary.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [n for n in archive.namelist() if re.fullmatch(r"uv-[^/]+\.data/scripts/uv(\.exe)?", n)]
            if len(members) != 1:
                sys.exit(f"fetch_uv: {wheel['url']}: no single uv binary in the wheel ({members}); refused")
            partial = binary.with_suffix(".partial")
            partial.write_bytes(archive.read(members[0]))
    except zipfile.BadZipFile:
        sys.exit(f"fetch_uv: {wheel['url']}: not a wheel (a zip archive); refused")
    partial.chmod(0o755)
    os.replace(partial, binary)  # never a half-written uv where the Makefile looks for one
    return binary


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 tools/fetch_uv.py DIR", file=sys.stderr)
        return 2
    target = Path(argv[0])
    version, wheels = locked_uv(ROOT / "uv.lock")
    wheel = pick(wheels)
    if wheel is not None:
        try:
            install(wheel, target)
            return 0
        except (OSError, urllib.error.URLError, http.client.HTTPException) as exc:
            print(f"fetch_uv: {wheel['url']}: {exc}; installing uv {version} with pip instead", file=sys.stderr)
    else:
        print(f"fetch_uv: no locked uv wheel for this platform; installing uv {version} with pip", file=sys.stderr)
    # pip --target, not a virtualenv: making one with pip in it cost 3 s (and needs Debian's
    # python3-venv); pip skips its externally-managed check for --target. Hash-checked against
    # every wheel the lock knows (pip then takes only one of those files).
    hashes = " ".join(f"--hash={w['hash']}" for w in wheels)
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "uv.txt"
        requirements.write_text(f"uv=={version} {hashes}\n")
        return subprocess.call(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
             "--require-hashes", "--only-binary", ":all:", "--target", str(target), "-r", str(requirements)]
        )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
