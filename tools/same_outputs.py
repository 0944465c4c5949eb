"""Show that a change of layout changed no behaviour: run every offline command on the
committed stacks in a checkout of BASE and in this working tree, and compare their plan JSON
files and their outputs byte for byte.

    venv/bin/python tools/same_outputs.py [BASE]     # BASE: a git revision, default HEAD~1

Both sides run with this environment's interpreter (./venv). The checkout of BASE goes into a
temporary git worktree, removed afterwards. Exit 0 when everything is identical, 1 otherwise
(with a unified diff of the first lines that differ), 2 on bad input.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Every offline command on the committed stacks; {out} is a per-side scratch directory.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("plan", "--all", "--json", "{out}/plans"),
    ("plan", "--stack", "development"),
    ("plan", "--stack", "staging"),
    ("plan", "--stack", "production"),
    ("plan", "--stack", "development-alice", "--config-from", "development", "--json", "{out}/alice.json"),
    ("check", "--all"),
    ("check", "--stack", "production", "--destroyable"),
    ("check", "--stack", "development", "--destroyable"),
    ("compare", "staging", "production"),
    ("compare", "development", "staging"),
    ("diagram", "--stack", "production"),
    ("cost", "--all"),
    ("cost", "--stack", "production"),
    ("cost", "--refresh-help"),
    ("bootstrap", "--json", "{out}/bootstrap.json"),
    ("db-user", "--stack", "staging"),
    ("db-user", "--stack", "production", "--script"),
    ("status", "--all", "--results-dir", "{out}/none"),
    ("plan", "--stack", "nope"),
    ("diff", "{out}/plans", "{out}/plans"),
    ("verify", "--stack", "staging", "--outputs", "{out}/missing.json"),
    *(
        (command, "--help")
        for command in (
            "plan",
            "diff",
            "check",
            "compare",
            "diagram",
            "cost",
            "verify",
            "status",
            "bootstrap",
            "stacks",
            "db-user",
        )
    ),
)
# Files the commands write, compared too.
WRITTEN = ("plans/development.json", "plans/staging.json", "plans/production.json", "alice.json", "bootstrap.json")


def run_side(tree: Path, out: Path) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONPATH": str(tree), "NEXUS_DEBUG": ""}
    results: dict[str, bytes] = {}
    for command in COMMANDS:
        argv = [arg.format(out=out) for arg in command]
        done = subprocess.run([sys.executable, "-m", "nexus", *argv], cwd=tree, env=env, capture_output=True)
        key = " ".join(command)
        text = done.stdout + b"\n--- stderr\n" + done.stderr + f"\n--- exit {done.returncode}\n".encode()
        results[key] = text.replace(str(out).encode(), b"{out}").replace(str(tree).encode(), b"{tree}")
    for name in WRITTEN:
        path = out / name
        results[f"file {name}"] = path.read_bytes() if path.exists() else b"(not written)"
    return results


def main(argv: list[str]) -> int:
    base = argv[0] if argv else "HEAD~1"
    if subprocess.run(["git", "rev-parse", "--verify", "--quiet", base], cwd=ROOT, capture_output=True).returncode:
        print(f"{base}: not a git revision of this repository", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        worktree = Path(scratch) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(worktree), base], cwd=ROOT, check=True)
        try:
            (Path(scratch) / "out-base").mkdir()
            (Path(scratch) / "out-head").mkdir()
            before = run_side(worktree, Path(scratch) / "out-base")
            after = run_side(ROOT, Path(scratch) / "out-head")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=True)
    different = [key for key in before if before[key] != after[key]]
    for key in before:
        print(f"{'DIFFERENT' if key in different else 'identical'}: {key}")
    for key in different:
        lines = difflib.unified_diff(
            before[key].decode(errors="replace").splitlines(),
            after[key].decode(errors="replace").splitlines(),
            f"{base}: {key}",
            f"working tree: {key}",
            lineterm="",
        )
        print("\n".join(list(lines)[:40]))
    print(f"{len(before) - len(different)} identical, {len(different)} different (against {base})")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
