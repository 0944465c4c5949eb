"""`python -m nexus`: the offline tools of the NEXUS infrastructure.

    plan     run stack programs offline under Pulumi's mocks; print a tree or write JSON
    diff     compare two plan JSON files (base and head of a pull request)
    check    run the policy rules over a stack's offline plan
    compare  compare two stacks for promotion readiness (default: staging vs production)
    diagram  write a Mermaid diagram of a stack
    cost     monthly cost of stacks at list prices, and its change between two plans
    verify   check a deployed environment: health, configuration drift, isolation
    emulate  a stack's environment in an emulated AWS (moto on loopback), verified
    status   every environment's health and drift from its last verify
    bootstrap  offline plan of bootstrap/ (GitHub OIDC provider, CI roles, state backend)
    stacks   read `pulumi stack ls --json` for the workflows (one stack; idle development stacks)
    db-user  SQL or one-off script that creates the application's database user
    drill-stack   the recovery drill's throwaway stack file, from the recovery stack's
    drill-result  the recovery drill's result: job summary and .nexus/drill/<stack>.json

Exit codes: 0 done, 1 findings (check's violations, compare's NOT READY), 2 bad input
(settings, paths, files, flags: one message naming the file, no traceback), 3 an internal
error (a bug; NEXUS_DEBUG=1 shows its traceback).
"""

# Layer: the top. May import every other nexus package; no command module imports another
# (shared helpers such as output_paths are not commands), and nothing but nexus/__main__.py
# and the tests imports nexus.cli.

from __future__ import annotations

import argparse
import importlib
import os
import sys

from nexus.config.errors import EXIT_INTERNAL, EXIT_INVALID, InputError, UnknownStackError
from nexus.config.messages import SettingsError
from nexus.config.stack_files import InvalidStacksError

# The commands, in the order `--help` lists them: name -> (module, one-line help). Like pip's
# commands/__init__.py, a command's module is imported only when that command runs, so
# `nexus stacks` never pays for the Pulumi SDK and `--help` for nothing at all. Each module
# has configure(parser) and run(args) -> exit code.
COMMANDS: dict[str, tuple[str, str]] = {
    "plan": ("nexus.cli.plan", "offline plan of one stack or all"),
    "diff": ("nexus.cli.diff", "what changes between two plan JSON files"),
    "check": ("nexus.cli.check", "policy rules over the offline plan"),
    "compare": ("nexus.cli.compare", "promotion readiness of STACK_A against STACK_B"),
    "diagram": ("nexus.cli.diagram", "Mermaid diagram of a stack"),
    "cost": ("nexus.cli.cost", "monthly cost of stacks at list prices, from the offline plan"),
    "verify": ("nexus.cli.verify", "check a deployed environment: health, drift, isolation"),
    "emulate": ("nexus.cli.emulate", "a stack's environment in an emulated AWS (moto), verified; --keep stays up"),
    "status": ("nexus.cli.status", "every environment's health and drift from its last verify"),
    "bootstrap": ("nexus.cli.bootstrap", "offline plan of bootstrap/ (OIDC provider, CI roles, state)"),
    "stacks": ("nexus.cli.stacks", "read `pulumi stack ls --json` (workflows: find, idle stacks)"),
    "db-user": ("nexus.cli.db_user", "SQL or script that creates the application's database user"),
    "drill-stack": ("nexus.cli.drill_stack", "the recovery drill's throwaway stack file, from the recovery stack's"),
    "drill-result": (
        "nexus.cli.drill_result",
        "the recovery drill's result: job summary and .nexus/drill/<stack>.json",
    ),
}


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m nexus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    # Every name is registered (for --help and "invalid choice"); only the chosen command's
    # module is imported to add its arguments.
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    for name, (module_name, summary) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=summary)
        if name == chosen:
            importlib.import_module(module_name).configure(command_parser)

    args = parser.parse_args(args_list)
    try:
        return int(importlib.import_module(COMMANDS[args.command][0]).run(args))
    except BrokenPipeError:
        raise  # the reader left (`| head`): see _exit, where the process ends
    except (SettingsError, InvalidStacksError, InputError) as exc:
        if isinstance(exc, UnknownStackError):  # its fix names the command that was run
            exc.command, exc.takes_config_from = args.command, hasattr(args, "config_from")
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:  # a path we were told to read or write
        print(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc), file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:
        # The program refused to run (zones, account): one line, exit 2, for every command.
        offline = sys.modules.get("nexus.plans.offline")
        if offline is not None and isinstance(exc, offline.ProgramError):
            print(str(exc), file=sys.stderr)
            return EXIT_INVALID
        if os.environ.get("NEXUS_DEBUG"):
            raise
        print(f"python -m nexus {args.command}: internal error: {type(exc).__name__}: {exc}\n"
              "  (a bug, not your input: NEXUS_DEBUG=1 python -m nexus ... shows the traceback)", file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL


def run_and_exit() -> None:
    """`python -m nexus` and the `nexus` console script."""
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        # Ctrl-C: whatever the command started has been stopped on the way out (emulate's
        # server, for one); a line, not a traceback, and the shell's code for SIGINT.
        print("\ninterrupted", file=sys.stderr)
        code = 130
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
