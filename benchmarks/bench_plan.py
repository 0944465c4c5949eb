"""Set-up time of a fresh clone against a plain install of the same lock, and wall time of
the offline plan against the floor set by importing the Pulumi SDKs.

Set-up (issue 14), each run on a fresh `git clone` of this repository (committed files only)
into a temporary directory, median of --setup-runs:
  make       `make venv/.installed`: the set-up of the README's first command
  floor      a plain install of the same lock: `uv export --frozen --format requirements-txt`,
             then `uv venv` + `uv pip install -r` into a fresh directory; and the same with
             `--offline` (cache only: `uv pip install` otherwise asks the index about every pin,
             which `uv sync --frozen` does not need, as the lock holds the URLs)
  first plan `make plan STACK=development` right after set-up: the first import of the SDKs
             also writes their bytecode, so it is timed apart from a second, warm plan
uv's cache is warm for both sides, as on a developer's machine that has installed this lock
once (the bench's own ./venv came from it); a cold cache adds the same download to both.
Target: make <= 2 x floor. The venv's size (`du -sh venv`) is printed for the README.

Plan (issue 2), each in a fresh interpreter (what an engineer waits for), median of --runs:
  floor      import pulumi, pulumi_random and every pulumi_aws service module the program uses
  one stack  python -m nexus plan --stack production --quiet
  all        python -m nexus plan --all --quiet (three stacks, one process)
Targets: one stack <= 1.3 x floor, all three <= 1.8 x floor.

Wall time depends on what else the machine runs; the CPU time of the child processes (user +
system) is printed beside it, and the load average before the run.

    venv/bin/python benchmarks/bench_plan.py [--runs 5] [--setup-runs 3] [--only setup|plan]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The service modules the program touches
# (pulumi_aws loads a service module on first access to one of its classes).
FLOOR = (
    "import pulumi, pulumi_random, pulumi_aws as aws\n"
    "aws.Provider, aws.ec2.Vpc, aws.vpc.SecurityGroupIngressRule, aws.iam.Role, aws.kms.Key,"
    " aws.secretsmanager.Secret, aws.rds.Instance, aws.lb.LoadBalancer, aws.s3.Bucket, aws.wafv2.WebAcl,"
    " aws.cloudwatch.LogGroup, aws.sns.Topic, aws.ssm.Parameter, aws.route53.Zone, pulumi_random.RandomId\n"
    # Leave the way `python -m nexus` leaves (os._exit), so neither side pays interpreter teardown.
    "import os; os._exit(0)\n"
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one command (and its children)."""
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def _median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


def _uv() -> str:
    """The uv the Makefile would use: from PATH, else the private copy in .tools/."""
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        sys.exit("uv not found: run `make venv/.installed` once (it installs uv into .tools/ when missing)")
    return found


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        sys.exit(f"{name} not found on PATH: the set-up bench needs it")
    return found


def setup(runs: int) -> None:
    uv, git, make, du = _uv(), _tool("git"), _tool("make"), _tool("du")
    python = _tool("python3")
    env = {**os.environ, "PATH": f"{Path(uv).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as the Makefile does: let the first plan write bytecode
    # The locked third-party packages only: the project itself is an editable install (`-e .`),
    # which a requirements file in a scratch directory cannot name.
    export = [uv, "export", "--frozen", "--format", "requirements-txt", "--quiet", "--no-emit-project"]
    requirements = subprocess.run(export, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    with_make: list[tuple[float, float]] = []
    plain: list[tuple[float, float]] = []
    offline: list[tuple[float, float]] = []
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="nexus-setup-") as name:
            tmp, clone = Path(name), Path(name) / "clone"
            subprocess.run([git, "clone", "--quiet", str(ROOT), str(clone)], check=True)
            with_make.append(_run([make, "venv/.installed"], clone, env))
            if i == 0:  # the first plan after set-up, and the size, once
                size = subprocess.run([du, "-sh", "venv"], cwd=clone, capture_output=True, text=True).stdout.split()[0]
                first_plan = _run([make, "plan", "STACK=development"], clone, env)
                second_plan = _run([make, "plan", "STACK=development"], clone, env)
                used = subprocess.run([du, "-sh", "venv"], cwd=clone, capture_output=True, text=True).stdout.split()[0]
                # A fresh machine: no uv on the PATH, so the Makefile installs its own first.
                no_uv = {**env, "PATH": os.pathsep.join(
                    d for d in env["PATH"].split(os.pathsep) if d and not (Path(d) / "uv").exists())}  # fmt: skip
                bare = tmp / "bare"
                subprocess.run([git, "clone", "--quiet", str(ROOT), str(bare)], check=True)
                first_command = _run([make, "plan", "STACK=development"], bare, no_uv)
                warm_command = _run([make, "plan", "STACK=development"], bare, no_uv)
            (tmp / "requirements.txt").write_text(requirements)
            for flags, samples in (([], plain), (["--offline"], offline)):
                venv = f"plain{len(flags)}"
                create = _run([uv, "venv", "--quiet", "--python", python, venv], tmp, env)
                install = _run([uv, "pip", "install", "--quiet", *flags, "--python", f"{venv}/bin/python", "-r", "requirements.txt"], tmp, env)  # fmt: skip
                samples.append((create[0] + install[0], create[1] + install[1]))
    (mw, mc), (fw, fc), (ow, oc) = _median(with_make), _median(plain), _median(offline)
    print(f"fresh clone, median of {runs} runs, uv's cache warm              wall       cpu")
    print(f"  make venv/.installed (README's first command)  {mw:6.2f} s  {mc:6.2f} s")
    print(f"  uv venv + uv pip install -r (same lock)        {fw:6.2f} s  {fc:6.2f} s")
    print(f"  ratio                                          {mw / fw:6.2f} x  {mc / fc:6.2f} x  (target <= 2)")
    print(f"  the same, uv pip install --offline             {ow:6.2f} s  {oc:6.2f} s")
    print(f"  ratio to the offline install                   {mw / ow:6.2f} x  {mc / oc:6.2f} x")
    print(f"  venv size (du -sh venv) after set-up           {size}, {used} after the plans below (bytecode)")
    print(f"  first make plan STACK=development              {first_plan[0]:6.2f} s  {first_plan[1]:6.2f} s  (writes bytecode)")  # fmt: skip
    print(f"  second make plan STACK=development             {second_plan[0]:6.2f} s  {second_plan[1]:6.2f} s")  # fmt: skip
    base = fw + warm_command[0]
    print("no uv on PATH (a fresh machine), fresh clone, once")
    print(f"  make plan STACK=development (installs uv too)  {first_command[0]:6.2f} s  {first_command[1]:6.2f} s")  # fmt: skip
    print(f"  uv install of the lock + the same, warm        {base:6.2f} s  ({fw:.2f} + {warm_command[0]:.2f})")  # fmt: skip
    print(f"  ratio                                          {first_command[0] / base:6.2f} x  (target <= 2)")  # fmt: skip


def _timed_section(name: str, body: Callable[[], None]) -> None:
    print(f"== {name} (load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    body()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--setup-runs", type=int, default=3)
    parser.add_argument("--only", choices=("setup", "plan"), help="only one of the two benches")
    args = parser.parse_args()
    if args.only != "plan":
        _timed_section("set-up", lambda: setup(args.setup_runs))
    if args.only != "setup":
        _timed_section("offline plan", lambda: plan(args.runs))
    return 0


def plan(runs: int) -> None:
    py = sys.executable

    def median(cmd: list[str]) -> tuple[float, float]:
        return _median([_run(cmd, ROOT) for _ in range(runs)])

    floor = median([py, "-c", FLOOR])
    # `nexus plan` switches cyclic GC off before it loads the SDKs; the same floor without GC
    # shows how much of the gain is that switch rather than the runner.
    floor_nogc = median([py, "-c", "import gc; gc.disable()\n" + FLOOR])
    one = median([py, "-m", "nexus", "plan", "--stack", "production", "--quiet"])
    every = median([py, "-m", "nexus", "plan", "--all", "--quiet"])
    print(f"median of {runs} runs, fresh interpreter each    wall (x floor)        cpu (x floor)")
    rows = [
        ("SDK import floor", floor, ""),
        ("same, GC disabled", floor_nogc, ""),
        ("plan one stack", one, "target <= 1.30"),
        ("plan all three", every, "target <= 1.80"),
    ]
    for label, (wall, cpu), target in rows:
        print(
            f"  {label:<20} {wall:6.2f} s ({wall / floor[0]:.2f} x)   {cpu:6.2f} s ({cpu / floor[1]:.2f} x)  {target}"
        )


if __name__ == "__main__":
    sys.exit(main())
