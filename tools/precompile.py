"""Write the bytecode of the pulumi_aws modules an offline plan imports, on every core, once
per environment (the Makefile's `venv/.precompiled`, before the first offline command).

uv installs without bytecode (compiling all 100 packages would take 14 s); Python then
compiles each module on its first import, one after another: 2.8 s of a fresh machine's first
`make plan`, 2.4 s of it pulumi_aws. Compiling those files here in parallel takes 1.5 s on two
cores, and the plan finds them written. (The rest of the SDKs compile in 0.4 s on import;
compiling them here too cost more than it saved: measured in the commit that added this.)

Which modules: of pulumi_aws (3,100 modules, 150 MB) the package root and the service
packages the program's code names (`aws.ec2.`, `aws.rds.`, ...): 617 files, of which a plan
imports 588. The bytecode is what the interpreter would write itself (timestamp-checked .pyc
files in __pycache__), so a stale or missing file is simply compiled again on import.

    venv/bin/python tools/precompile.py
"""

from __future__ import annotations

import compileall
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAM_SOURCES = ("__main__.py", "nexus/components", "nexus/config", "nexus/plans")
SERVICE = re.compile(r"\baws\.([a-z0-9_]+)\.")


def services() -> set[str]:
    """The pulumi_aws service packages the program's code names."""
    found = {"config"}  # the provider's configuration, imported by the package root
    for source in PROGRAM_SOURCES:
        path = ROOT / source
        for file in [path] if path.is_file() else path.rglob("*.py"):
            found |= set(SERVICE.findall(file.read_text()))
    return found


def files() -> list[Path]:
    """pulumi_aws's root modules and those of the services the program uses, as installed."""
    wanted, dist = services(), metadata.distribution("pulumi-aws")
    return [
        Path(str(dist.locate_file(file)))
        for file in dist.files or []
        if file.suffix == ".py" and file.parts[0] == "pulumi_aws" and (len(file.parts) == 2 or file.parts[1] in wanted)
    ]


def _compile(chunk: list[Path]) -> bool:
    return all(compileall.compile_file(path, quiet=2) for path in chunk)


def main() -> int:
    paths = files()
    workers = os.cpu_count() or 1
    # Interleaved chunks: the big modules (ec2's inputs) land on different workers.
    chunks = [paths[i :: workers * 4] for i in range(workers * 4)]
    with ProcessPoolExecutor(workers) as pool:
        ok = all(pool.map(_compile, chunks))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
