"""Wall time of the offline plan against the floor set by importing the Pulumi SDKs.

Each figure is measured in a fresh interpreter (what an engineer waits for), several times,
reporting the median:
  floor      import pulumi, pulumi_random and every pulumi_aws service module the program uses
  one stack  python -m nexus plan --stack production --quiet
  all        python -m nexus plan --all --quiet (three stacks, one process)
Targets (issue 2): one stack <= 1.3 x floor, all three <= 1.8 x floor.

    venv/bin/python benchmarks/bench_plan.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
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


def timed(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    py = sys.executable
    floor = timed([py, "-c", FLOOR], runs)
    # `nexus plan` switches cyclic GC off before it loads the SDKs; the same floor without GC
    # shows how much of the gain is that switch rather than the runner.
    floor_nogc = timed([py, "-c", "import gc; gc.disable()\n" + FLOOR], runs)
    one = timed([py, "-m", "nexus", "plan", "--stack", "production", "--quiet"], runs)
    every = timed([py, "-m", "nexus", "plan", "--all", "--quiet"], runs)
    print(f"median of {runs} runs, fresh interpreter each")
    print(f"  SDK import floor      {floor:6.2f} s")
    print(f"  same, GC disabled     {floor_nogc:6.2f} s  (plan: {one / floor_nogc:.2f} x / {every / floor_nogc:.2f} x)")
    print(f"  plan one stack        {one:6.2f} s  ({one / floor:.2f} x floor, target <= 1.30)")
    print(f"  plan all three        {every:6.2f} s  ({every / floor:.2f} x floor, target <= 1.80)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
