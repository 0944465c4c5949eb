"""`python -m nexus`: the offline tools of the NEXUS infrastructure.

    plan     run stack programs offline under Pulumi's mocks; print a tree or write JSON
    diff     compare two plan JSON files (base and head of a pull request)
    check    run the policy rules over a stack's offline plan
    compare  compare two stacks for promotion readiness (default: staging vs production)
    diagram  write a Mermaid diagram of a stack
    cost     monthly cost of stacks at list prices, and its change between two plans
    verify   check a deployed environment: health, configuration drift, isolation
    status   every environment's health and drift from its last verify
    bootstrap  offline plan of bootstrap/ (GitHub OIDC provider, CI roles, state backend)
    stacks   read `pulumi stack ls --json` for the workflows (one stack; idle development stacks)
    db-user  SQL or one-off script that creates the application's database user

Exit codes: 0 done, 1 findings (check's violations, compare's NOT READY), 2 bad input
(settings, paths, files, flags: one message naming the file, no traceback), 3 an internal
error (a bug; NEXUS_DEBUG=1 shows its traceback).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

from nexus.errors import InputError
from nexus.plan import InvalidStacksError, load_all, overlapping_cidrs, render_tree
from nexus.settings import SettingsError
from nexus.stack_config import ROOT, skipped_notice, stack_names

EXIT_INVALID = 2
EXIT_INTERNAL = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nexus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)

    plan = sub.add_parser("plan", help="offline plan of one stack or all")
    target = plan.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="stack name, e.g. staging or development-alice")
    target.add_argument("--all", action="store_true", help="every Pulumi.<stack>.yaml, in one process")
    plan.add_argument("--config-from", metavar="STACK",
                      help="read Pulumi.STACK.yaml (as `pulumi stack init --copy-config-from STACK` would)")  # fmt: skip
    plan.add_argument("--json", metavar="PATH", type=Path,
                      help="write the plan as JSON (with --all: a directory, one file per stack)")  # fmt: skip
    plan.add_argument("--quiet", action="store_true", help="print only the summary line")
    plan.add_argument("--project-dir", type=Path, default=None,
                      help="read Pulumi.yaml and stack files from here (default: the repository)")  # fmt: skip

    diff = sub.add_parser("diff", help="what changes between two plan JSON files")
    diff.add_argument("base", type=Path, help="plan JSON, or a directory of them (plan --all --json DIR)")
    diff.add_argument("head", type=Path)
    diff.add_argument("--markdown", action="store_true", help="a pull-request comment")

    check = sub.add_parser("check", help="policy rules over the offline plan")
    check_target = check.add_mutually_exclusive_group(required=True)
    check_target.add_argument("--stack")
    check_target.add_argument("--all", action="store_true")
    check.add_argument("--plan", type=Path, help="check this plan JSON instead of planning")
    check.add_argument("--destroyable", action="store_true",
                       help="list what would block `pulumi destroy` of --stack, with the config lines that lift it")  # fmt: skip

    compare = sub.add_parser("compare", help="promotion readiness of STACK_A against STACK_B")
    compare.add_argument("stack_a", nargs="?", default="staging")
    compare.add_argument("stack_b", nargs="?", default="production")

    diagram = sub.add_parser("diagram", help="Mermaid diagram of a stack")
    diagram.add_argument("--stack", required=True)
    diagram.add_argument("--output", type=Path, help="write here instead of standard output")

    from nexus import bootstrap, cost, db_user, stacks, status, verify

    cost.add_parser(sub)
    verify.add_parser(sub)
    status.add_parser(sub)
    bootstrap.add_parser(sub)
    stacks.add_parser(sub)
    db_user.add_parser(sub)

    args = parser.parse_args(argv)
    try:
        if args.command == "verify":
            return verify.run(args)
        if args.command == "status":
            return status.run(args)
        if args.command == "plan":
            return _plan(args)
        if args.command == "bootstrap":
            return bootstrap.run(args)
        if args.command == "stacks":
            return stacks.run(args)
        if args.command == "diff":
            from nexus.diff import diff_plans, load_plans, render_markdown, render_text

            base, head = load_plans(args.base), load_plans(args.head)
            if not base and not head:
                raise InputError(f"{args.base} and {args.head} hold no plan JSON; write them with plan --json")
            changes = diff_plans(base, head)
            print(render_markdown(changes) if args.markdown else render_text(changes))
            return 0
        if args.command == "check" and args.destroyable:
            if not args.stack:
                print("check --destroyable takes one --stack", file=sys.stderr)
                return EXIT_INVALID
            from nexus.check import run_destroyable

            return run_destroyable(args.stack, plan_file=args.plan)
        if args.command == "check":
            from nexus.check import run_check

            if args.all and (notice := skipped_notice()):
                print(notice, file=sys.stderr)
            return run_check(stacks=stack_names() if args.all else [args.stack], plan_file=args.plan)
        if args.command == "compare":
            from nexus.compare import run_compare

            return run_compare(args.stack_a, args.stack_b)
        if args.command == "diagram":
            from nexus.diagram import diagram_for_stack

            _check_output("--output", args.output, example="diagram.md")
            text = diagram_for_stack(args.stack)
            if args.output:
                args.output.write_text(text)
            else:
                print(text, end="")
            return 0
        if args.command == "cost":
            return cost.run(args)
        if args.command == "db-user":
            return db_user.run(args)
    except BrokenPipeError:
        raise  # the reader left (`| head`): see _exit, where the process ends
    except (SettingsError, InvalidStacksError, InputError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:  # a path we were told to read or write
        print(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc), file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:
        # The program refused to run (zones, account): one line, exit 2, for every command.
        offline = sys.modules.get("nexus.offline")
        if offline is not None and isinstance(exc, offline.ProgramError):
            print(str(exc), file=sys.stderr)
            return EXIT_INVALID
        if os.environ.get("NEXUS_DEBUG"):
            raise
        print(f"python -m nexus {args.command}: internal error: {type(exc).__name__}: {exc}\n"
              "  (a bug, not your input: NEXUS_DEBUG=1 python -m nexus ... shows the traceback)", file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL
    return 1


def _check_output(flag: str, path: Path | None, *, directory: bool = False, example: str = "") -> None:
    """Refuse an output path that is the wrong kind of thing (a directory for a file, a file
    on the way to it) with a message, before any work; other failures (permissions, a full
    disk) surface as OSError when writing, also exit 2."""
    if path is None:
        return
    if directory and path.exists() and not path.is_dir():
        raise InputError(f"{flag} {path}: is a file; with --all this is a directory, one plan JSON per stack")
    if not directory and path.is_dir():
        raise InputError(f"{flag} {path}: is a directory; name a file, e.g. {path / example}")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{flag} {path}: {ancestor} is a file, not a directory")


def _plan(args: argparse.Namespace) -> int:
    root = args.project_dir or ROOT
    if args.all and args.config_from:
        raise InputError(
            "plan --all plans every stack from its own file; --config-from is for one stack without a "
            "file of its own: plan --stack NAME --config-from STACK"
        )
    # Refuse an output path that cannot work before spending seconds on the plan.
    _check_output("--json", args.json, directory=args.all, example=f"{args.stack}.json")
    stacks = stack_names(root) if args.all else [args.stack]
    if not stacks:
        raise InputError(f"{root}: no stack files (Pulumi.<stack>.yaml) here")
    if args.all and (notice := skipped_notice(root)):
        print(notice, file=sys.stderr)
    loaded = load_all(stacks, config_from=args.config_from, root=root)
    if args.all and (overlaps := overlapping_cidrs(loaded)):
        print("\n".join(overlaps), file=sys.stderr)
        return EXIT_INVALID

    # Only now pay for the Pulumi SDKs: bad settings were refused in well under a second.
    from nexus.offline import ProgramError, run_program

    # A short-lived process that allocates hundreds of thousands of long-lived objects (the
    # SDK's modules and type hints): cyclic garbage collection only rescans them. Off.
    gc.disable()
    try:
        for config, settings in loaded:
            try:
                plan = run_program(config, settings)
            except ProgramError as exc:
                print(str(exc), file=sys.stderr)
                return EXIT_INVALID
            tree = render_tree(plan)
            print(tree.splitlines()[-1] if args.quiet else tree)
            if args.json:
                path = args.json / f"{plan.stack}.json" if args.all else args.json
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n")
    finally:
        gc.enable()  # for callers that stay (tests call main() in-process)
    return 0


def _exit() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader closed the pipe (`python -m nexus plan ... | head`): stop quietly, as the
        # Python docs recommend (signal module, "Note on SIGPIPE"): point stdout at devnull so
        # nothing tries to write to the closed pipe again, and exit 1.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    # Tearing down an interpreter that loaded pulumi_aws takes over a second (hundreds of
    # modules to collect) and buys nothing here: flush and leave.
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit()
