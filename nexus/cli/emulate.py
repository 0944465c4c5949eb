"""`nexus emulate --stack S`: a stack's environment in an emulated AWS, verified.

Plans the stack offline, starts moto as a server on a free loopback port, builds in it every
resource `nexus verify` looks at from the plan's recorded inputs (nexus.live.emulator), runs
verify against it and prints the report (exit 0 clean, 1 a check failed, 2 cannot run).

With --keep it then stays up until Ctrl-C (or SIGTERM), printing the endpoint and the outputs
file, so that `nexus verify --stack S --outputs FILE` and the AWS CLI work against it in
another shell; a change made there shows up as the check that watches it failing. The server
is a thread of this process: whichever way the command ends, it ends with it.
"""

from __future__ import annotations

import argparse
import gc
import json
import shlex
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from nexus.cli.output_paths import check_output
from nexus.config.errors import InputError
from nexus.config.stack_files import ROOT, load_stack_config
from nexus.live.verify import EXIT_CANNOT_RUN, EXIT_FAILED, CannotVerify, probe_url, save, verify

EMULATE_DIR = ROOT / ".nexus" / "emulate"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="the stack to emulate (its file, or --config-from's)")
    parser.add_argument("--config-from", metavar="STACK", help="read Pulumi.STACK.yaml (a stack without its own file)")
    parser.add_argument("--keep", action="store_true",
                        help="stay up after the report until Ctrl-C, for verify and the AWS CLI in another shell")  # fmt: skip
    parser.add_argument("--outputs", type=Path, metavar="FILE",
                        help="write the emulated stack's outputs here (default: .nexus/emulate/STACK/outputs.json)")  # fmt: skip
    parser.add_argument("--results-dir", type=Path, metavar="DIR",
                        help="keep verify's results here (default: .nexus/emulate/STACK/verify), for `nexus status "
                        "--results-dir`; never among a deployed stack's results")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    workdir = EMULATE_DIR / args.stack
    outputs_path: Path = args.outputs or workdir / "outputs.json"
    results_dir: Path = args.results_dir or workdir / "verify"
    check_output("--outputs", outputs_path, directory=False, example="outputs.json")
    if results_dir.exists() and not results_dir.is_dir():
        raise InputError(f"--results-dir {results_dir}: is a file; name a directory")
    config = load_stack_config(args.stack, config_from=args.config_from)
    settings = config.settings()

    from nexus.live.emulator import EmulatorUnavailable, build, moto_server, pointed_at, require_server

    try:
        require_server()
    except EmulatorUnavailable as exc:
        print(f"nexus emulate: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    # Only now pay for the SDKs: bad settings, paths and a missing emulator were refused at once.
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from nexus.plans.offline import run_program

    started = time.monotonic()
    gc.disable()  # as `nexus plan`: the SDK's long-lived objects would only be rescanned
    try:
        plan = run_program(config, settings)
    finally:
        gc.enable()
    try:
        with moto_server() as server, pointed_at(server.endpoint) as variables:
            endpoint = server.endpoint
            print(f"emulated AWS (moto) on {endpoint}: building {args.stack} from its offline plan", flush=True)
            environment = build(plan, boto3.Session(region_name=settings.region))
            server.serve(environment)
            outputs_path.parent.mkdir(parents=True, exist_ok=True)
            outputs_path.write_text(json.dumps(environment.outputs, indent=2, sort_keys=True) + "\n")
            report = verify(settings, environment.outputs, probe=probe_url)
            for check in report.checks:
                print(check.line())
            print(report.summary())
            save(report, [results_dir / f"{args.stack}.json"])
            print(f"built and verified in {time.monotonic() - started:.1f} s", flush=True)
            code = EXIT_FAILED if report.failed() else 0
            if args.keep:
                _serve_until_stopped(args, endpoint, variables, outputs_path, results_dir, settings.region)
    except CannotVerify as exc:
        print(f"nexus emulate --stack {args.stack}: cannot verify: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except (BotoCoreError, ClientError) as exc:
        # A shape of this stack the emulator cannot build (moto refuses a call): say which.
        print(f"nexus emulate --stack {args.stack}: the emulator could not build it: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if args.keep:
        print(f"emulated AWS on {endpoint} stopped", flush=True)
    return code


def _serve_until_stopped(
    args: argparse.Namespace, endpoint: str, variables: dict[str, str], outputs: Path, results_dir: Path, region: str
) -> None:
    """Print how to use the kept environment, then wait for Ctrl-C, SIGTERM or SIGHUP."""
    exports = " ".join(f"{name}={shlex.quote(variables[name])}" for name in
                       ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))  # fmt: skip
    config_from = f" --config-from {args.config_from}" if args.config_from else ""
    print(
        f"\nkept: {args.stack}'s emulated environment at {endpoint} until Ctrl-C\n"
        f"  outputs: {outputs}\n"
        f"  in another shell:\n"
        f"    export {exports}\n"
        f"    python -m nexus verify --stack {args.stack}{config_from} --outputs {shlex.quote(str(outputs))} "
        f"--results-dir {shlex.quote(str(results_dir))}\n"
        f"    aws rds describe-db-instances --region {region}",
        flush=True,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # SIGHUP: the terminal closed (POSIX only; Windows has none).
    signals = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {sig: signal.signal(sig, on_signal) for sig in signals}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
