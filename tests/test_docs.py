"""README.md is the front door, docs/ the manual: the README stays short, every relative link
and anchor of both resolves, every repository path they name exists, and every offline
`python -m nexus` command they show runs (in process, on the session's plans) to exit 0 or 1
without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.config.stack_files import ROOT
from tests.support.docs import (
    GENERATED,
    anchors,
    broken_links,
    commands_in,
    documented_commands,
    layout_paths,
    missing_files,
    named_files,
    pages,
    run_in_process,
    runnable,
    slug,
    unknown_commands,
    use_session_plans,
    with_outputs_in,
)

DOCUMENTED = documented_commands()
RUNNABLE = runnable(DOCUMENTED)


def test_the_readme_is_a_front_door() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 200, "README.md is the front door: move sections into docs/"
    assert "](docs/README.md)" in readme and "](docs/settings.md)" in readme


# ------------------------------------------------------------------ links and anchors


def test_anchors_follow_githubs_rules() -> None:
    assert (
        slug("CI credentials: least privilege as code (bootstrap/)")
        == "ci-credentials-least-privilege-as-code-bootstrap"
    )
    assert slug("Development under $60 a month") == "development-under-60-a-month"
    assert slug("Set-up, messages and exit codes") == "set-up-messages-and-exit-codes"
    assert slug("Environments (`Pulumi.<stack>.yaml`)") == "environments-pulumistackyaml"
    text = "# Cost\n\n## Cost\n\n```bash\n# not a heading\n```\n"
    assert anchors(text) == {"cost", "cost-1"}


def test_every_relative_link_and_anchor_resolves() -> None:
    assert len(pages()) >= 12
    assert [problem for page in pages() for problem in broken_links(page)] == []


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Its part\n")
    (tmp_path / "README.md").write_text(
        "# Front\n\n[good](docs/a.md#its-part) [top](#front) [web](https://example.com/x#y) `[code](#nowhere)`\n"
        "[gone](docs/b.md) [stale](docs/a.md#the-old-part) [here](#nowhere)\n"
    )
    assert broken_links(tmp_path / "README.md", root=tmp_path) == [
        "README.md:4: docs/b.md: no such file",
        "README.md:4: docs/a.md#the-old-part: no heading of docs/a.md has the anchor #the-old-part",
        "README.md:4: #nowhere: no heading of README.md has the anchor #nowhere",
    ]


def test_the_generated_settings_reference_counts_as_there() -> None:
    # `make docs` writes it; the links to it hold either way.
    assert GENERATED.exists() or "settings.md" not in [p.name for p in pages()]


# ------------------------------------------------------------------ repository paths


def test_every_repository_file_the_docs_name_exists() -> None:
    named = {page: named_files(page.read_text()) for page in pages()}
    assert sum(len(paths) for paths in named.values()) >= 30
    missing = [
        f"{page.relative_to(ROOT)}:{n}: {path}" for page, paths in named.items() for n, path in missing_files(paths)
    ]
    assert missing == []


def test_the_repository_layout_is_the_repository() -> None:
    paths = layout_paths((ROOT / "docs" / "design.md").read_text())
    assert {"nexus/plans/rules.py", "nexus/live/emulator.py", "tests/cli/", "nexus/config/limits.py"} <= {
        p for _, p in paths
    }
    assert [f"docs/design.md:{number}: {path}" for number, path in paths if not (ROOT / path).exists()] == []


def test_a_stale_path_is_found() -> None:
    text = "The rules (`nexus/rules.py`), `Pulumi.<stack>.yaml`, `s3://bucket/x.json`.\n"
    assert named_files(text) == [(1, "nexus/rules.py")]
    assert missing_files([(1, "nexus/rules.py"), (2, "rules.py"), (3, "deploy.yml"), (4, "no_such_file.py")]) == [
        (1, "nexus/rules.py"),
        (4, "no_such_file.py"),
    ]
    layout = "## Repository layout\n\n```\nnexus/\n  plans/\n    rules.py     the rules\n  cost.py      gone\n```\n"
    assert layout_paths(layout) == [
        (4, "nexus/"),
        (5, "nexus/plans/"),
        (6, "nexus/plans/rules.py"),
        (7, "nexus/cost.py"),
    ]


# ------------------------------------------------------------------ the commands they show


def test_the_docs_show_the_offline_commands() -> None:
    assert unknown_commands(DOCUMENTED) == []
    assert len(RUNNABLE) >= 14, sorted(RUNNABLE)
    names = {argv[0] for argv in RUNNABLE}
    assert {"plan", "check", "compare", "diagram", "cost", "status", "bootstrap", "db-user"} <= names


@pytest.mark.parametrize("argv", list(RUNNABLE), ids=" ".join)
def test_a_documented_command_runs(argv: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_session_plans(monkeypatch)
    run = run_in_process(with_outputs_in(argv, tmp_path))
    command = RUNNABLE[argv]
    assert run.problem() is None, f"{command.page}:{command.line}: {command.text}: {run.problem()}"


def test_a_bogus_command_is_caught() -> None:
    page = (
        "```bash\n$ python -m nexus plan --stakc development   # a typo\n"
        "python -m nexus diagram --stack production > prod.mmd\n```\n\n"
        "Run `python -m nexus plna --all`, or `NEXUS_DEBUG=1 python -m nexus ...`, or `python -m nexus cost`.\n\n"
        "| command | what |\n| --- | --- |\n| `cost --stack S` / `check --all [--json FILE]` | x |\n"
        "| `stacks LISTING --name S` / `--idle-days N` | y |\n"
    )
    found = commands_in(page, "sample.md")
    assert [(c.argv, c.skip_reason()) for c in found] == [
        (("plan", "--stakc", "development"), None),
        (("diagram", "--stack", "production"), None),
        (("plna", "--all"), None),
        (("...",), "placeholders"),
        (("cost",), "names the command"),
        (("cost", "--stack", "S"), "placeholders"),
        (("check", "--all"), None),
        (("stacks", "LISTING", "--name", "S"), "placeholders"),
    ]
    assert unknown_commands(found) == ["sample.md:6: python -m nexus plna --all"]
    assert list(runnable(found)) == [("plan", "--stakc", "development"), ("diagram", "--stack", "production"),
                                     ("check", "--all")]  # fmt: skip
    assert "exit code 2" in (run_in_process(["plan", "--stakc", "development"]).problem() or "")
    assert "exit code 2" in (run_in_process(["plan", "--stack", "no-such-stack"]).problem() or "")
    assert run_in_process(["cost", "--refresh-help"]).problem() is None
