"""`python -m nexus`: the command line (nexus/cli)."""

from nexus.cli import run_and_exit

run_and_exit()
