"""README.md and docs/*.md as data: their headings and the anchors GitHub gives them, their
relative links, the repository paths they name, and the `python -m nexus` commands they show,
each run in process the way a reader would run it."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nexus.cli import COMMANDS, main
from nexus.config.environment import Settings
from nexus.config.stack_files import ROOT, StackConfig
from nexus.plans.bootstrap_plan import BOOTSTRAP_DIR, BootstrapPlan
from nexus.plans.offline import Plan
from tests.support.bootstrap import bootstrap_plan
from tests.support.plans import fileless, plan_stack

# Written by nexus.config.reference (`make docs`); a link to it counts while it is missing.
GENERATED = ROOT / "docs" / "settings.md"
# Inline code that names a file of an example or of a reader's checkout, not of the repository.
NOT_REPOSITORY_FILES = frozenset({"outputs.json", "Pulumi.development-alice.yaml"})
FILE_SUFFIXES = (".py", ".json", ".yaml", ".yml", ".md", ".toml", ".lock")


def pages(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Block:
    """A fenced code block: its info string (`bash`, `mermaid`, or empty) and its numbered lines."""

    info: str
    lines: list[tuple[int, str]]


def split_fences(text: str) -> tuple[list[tuple[int, str]], list[Block]]:
    """The prose lines (outside fences) and the fenced blocks of a page, with line numbers."""
    prose: list[tuple[int, str]] = []
    blocks: list[Block] = []
    current: Block | None = None
    for number, line in enumerate(text.splitlines(), 1):
        fence = line.lstrip().startswith("```")
        if current is None and fence:
            current = Block(line.strip()[3:].strip(), [])
        elif current is not None and fence:
            blocks.append(current)
            current = None
        elif current is not None:
            current.lines.append((number, line))
        else:
            prose.append((number, line))
    return prose, blocks


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped but hyphens and spaces
    (and word characters), each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading's anchor; a repeated one gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in split_fences(text)[0]:
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def _without_code(line: str) -> str:
    return re.sub(r"`[^`]*`", "", line)


def links(text: str) -> list[tuple[int, str]]:
    """Relative link targets of the prose (not in code), with their line numbers."""
    found = []
    for number, line in split_fences(text)[0]:
        for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", _without_code(line)):
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                found.append((number, target))
    return found


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """What does not resolve among a page's links: a file that is not there, or an anchor that
    no heading of the target has."""
    problems = []
    for number, target in links(page.read_text()):
        where = f"{page.relative_to(root)}:{number}: {target}"
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if destination == GENERATED.resolve() and not destination.exists():
            continue  # written by `make docs`
        if not destination.exists():
            problems.append(f"{where}: no such file")
        elif anchor and destination.suffix != ".md":
            problems.append(f"{where}: an anchor into a file that is not markdown")
        elif anchor and anchor not in anchors(destination.read_text()):
            problems.append(f"{where}: no heading of {destination.relative_to(root)} has the anchor #{anchor}")
    return problems


def named_files(text: str) -> list[tuple[int, str]]:
    """Repository files the prose names in inline code (`nexus/plans/rules.py`), placeholders
    (`Pulumi.<stack>.yaml`, `Pulumi.development-*.yaml`) left out."""
    found = []
    for number, line in split_fences(text)[0]:
        for span in re.findall(r"`([^`]+)`", line):
            if (
                re.fullmatch(r"[\w.\-/]+", span)
                and span.endswith(FILE_SUFFIXES)
                and "://" not in span
                and span not in NOT_REPOSITORY_FILES
            ):
                found.append((number, span))
    return found


def repository_file_names(root: Path = ROOT) -> frozenset[str]:
    """The names of the repository's files, for inline code that names a file without its
    folder (`deploy.yml` among the workflows)."""
    skip = {".git", "venv", ".venv", ".tools", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
            ".hypothesis", "node_modules"}  # fmt: skip
    names = set()
    for _, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip and not d.startswith("venv-")]
        names.update(files)
    return frozenset(names)


def missing_files(named: list[tuple[int, str]], root: Path = ROOT) -> list[tuple[int, str]]:
    """What is not there: a path from the repository's root, or a bare name no file has."""
    names = repository_file_names(root) if any("/" not in path for _, path in named) else frozenset()
    return [(n, path) for n, path in named if not ((root / path).exists() if "/" in path else path in names)]


def layout_paths(text: str) -> list[tuple[int, str]]:
    """The paths of the repository-layout block (design.md): the first column, each name under
    the directory above it that is indented less."""
    prose, blocks = split_fences(text)
    headings = [n for n, line in prose if line.startswith("## Repository layout")]
    if not headings:
        return []
    block = next(b for b in blocks if b.lines and b.lines[0][0] > headings[0])
    found: list[tuple[int, str]] = []
    parents: list[tuple[int, str]] = []  # (indent, directory)
    for number, line in block.lines:
        indent = len(line) - len(line.lstrip())
        if not line.strip() or indent >= 29:  # the description column, continued
            continue
        names = re.split(r"\s{2,}", line.strip())[0].split(", ")
        parents = [(i, d) for i, d in parents if i < indent]
        base = "".join(d for _, d in parents)
        for name in names:
            if "<" not in name:
                found.append((number, base + name))
        if len(names) == 1 and names[0].endswith("/"):
            parents.append((indent, names[0]))
    return found


# ------------------------------------------------------------------ the commands they show


@dataclass(frozen=True)
class Command:
    page: str
    line: int
    text: str  # as the page shows it
    argv: tuple[str, ...]  # after `python -m nexus`, optional [...] groups left out
    source: str  # "block" (fenced), "table" (a command table's first column) or "prose"

    def skip_reason(self) -> str | None:
        """Why this command is not run: None when it is."""
        if not self.argv:
            return "the tool itself"
        if any(re.fullmatch(r"[A-Z][A-Z_]*", a) or "<" in a or "..." in a or "[" in a for a in self.argv):
            return "placeholders"
        if self.argv[0] == "verify":
            return "needs AWS"
        if self.argv[0] == "emulate":
            return "starts an emulated AWS (tests/cli/test_emulate.py runs it)"
        if len(self.argv) == 1 and self.source == "prose":
            return "names the command"
        return None


_INVOCATION = re.compile(r"(?:venv/bin/)?python -m nexus\b(.*)")


def _argv(rest: str) -> tuple[str, ...]:
    """The arguments as a shell would pass them, up to a pipe, a redirection or a comment."""
    try:
        words = shlex.split(rest, comments=True)
    except ValueError:
        words = rest.split()
    cut = next((i for i, w in enumerate(words) if w in {"|", ">", ">>", "2>", "&&", ";"}), len(words))
    return tuple(words[:cut])


def commands_in(text: str, page: str) -> list[Command]:
    """Every `python -m nexus ...` a page shows: in fenced blocks (`$ ` prompts allowed), in
    inline code, and in the first column of a table headed `command` (the name of the command
    and its arguments, with `[optional]` parts left out)."""
    prose, blocks = split_fences(text)
    found = []
    for block in blocks:
        for number, line in block.lines:
            match = _INVOCATION.match(line.strip().removeprefix("$ "))
            if match:
                found.append(Command(page, number, line.strip(), _argv(match.group(1)), "block"))
    in_table = False
    for number, line in prose:
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        in_table = bool(cells) and (in_table or cells[0] == "command")
        if in_table and cells[0] not in ("command", "---"):
            for span in re.findall(r"`([^`]+)`", cells[0]):
                if not span.startswith("-"):  # `--idle-days N`: an option of the command before
                    argv = _argv(re.sub(r"\s*\[[^\]]*\]", "", span))
                    found.append(Command(page, number, span, argv, "table"))
            rest = line.replace(cells[0], "", 1)
        else:
            rest = line
        for span in re.findall(r"`([^`]+)`", rest):
            match = _INVOCATION.search(span)
            if match:
                found.append(Command(page, number, span, _argv(match.group(1)), "prose"))
    return found


def documented_commands(root: Path = ROOT) -> list[Command]:
    return [c for page in pages(root) for c in commands_in(page.read_text(), str(page.relative_to(root)))]


def unknown_commands(commands: list[Command]) -> list[str]:
    return [
        f"{c.page}:{c.line}: {c.text}"
        for c in commands
        if c.argv and re.fullmatch(r"[a-z][a-z-]*", c.argv[0]) and c.argv[0] not in COMMANDS
    ]


def runnable(commands: list[Command]) -> dict[tuple[str, ...], Command]:
    """The commands to run, once each (the first page that shows it names it)."""
    found: dict[tuple[str, ...], Command] = {}
    for command in commands:
        if command.skip_reason() is None and command.argv[0] in COMMANDS:
            found.setdefault(command.argv, command)
    return found


def with_outputs_in(argv: tuple[str, ...], tmp: Path) -> list[str]:
    """The arguments with every output path (`--json X`, `--output X`, `--html X`) moved into `tmp`."""
    out = list(argv)
    for i, word in enumerate(out[:-1]):
        if word in ("--json", "--output", "--html"):
            out[i + 1] = str(tmp / f"out-{i}-{Path(out[i + 1]).name}")
        if word == "--stack" and "--config-from" in out:  # a stack without a file, in any checkout
            out[i + 1] = fileless(out[i + 1])
    return out


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def problem(self) -> str | None:
        """None when the run is what a reader may see: done (0) or findings (1), no traceback."""
        if "Traceback" in self.out + self.err or "internal error" in self.err:
            return f"crashed:\n{self.err[-2000:]}"
        if self.code not in (0, 1):
            return f"exit code {self.code}:\n{self.err[-2000:]}"
        return None


def run_in_process(argv: list[str]) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: an unknown option or a missing argument
            code = exc.code if isinstance(exc.code, int) else 2
    return Run(code, out.getvalue(), err.getvalue())


def use_session_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the commands plan from the session's cache (tests.support.plans, tests.support.bootstrap)
    rather than run the programs again: what they print and write is built the same way."""
    import nexus.cli.bootstrap as bootstrap_command
    from nexus.plans import offline

    run_program, plan_bootstrap = offline.run_program, bootstrap_command.plan_bootstrap

    def cached_run_program(config: StackConfig, settings: Settings, **options: Any) -> Plan:
        if options or config.stack_file.parent != ROOT:
            return run_program(config, settings, **options)
        source = config.stack_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
        return plan_stack(config.stack, config_from=None if source == config.stack else source)

    def cached_plan_bootstrap(stack: str, project_dir: Path = BOOTSTRAP_DIR) -> BootstrapPlan:
        return bootstrap_plan(stack) if project_dir == BOOTSTRAP_DIR else plan_bootstrap(stack, project_dir)

    monkeypatch.setattr(offline, "run_program", cached_run_program)
    monkeypatch.setattr(bootstrap_command, "plan_bootstrap", cached_plan_bootstrap)
