"""The status page (`nexus status --all --html`, nexus/cli/status_page.py): what it shows, read
as a person reads it. The rendering is tested in the suite; the page made from real verify
results (environments emulated in moto's server, one of them changed by hand) is opened in a
real headless chromium and read there (marker e2e: `make e2e`), with screenshots at a laptop's
and a phone's width in the test's directory."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nexus.cli import main
from nexus.cli.status_page import EnvironmentView, Promotion, VerifyResult, render_markdown, render_page
from nexus.config.stack_files import stack_names
from nexus.live.verify import Check

NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The sample screenshot the README links to; NEXUS_UPDATE_SCREENSHOT=1 make e2e refreshes it.
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "images" / "status-page.png"


def _result(*checks: Check, hours_ago: float = 1) -> VerifyResult:
    return VerifyResult(NOW - timedelta(hours=hours_ago), {}, list(checks))


def test_the_page_shows_each_environment_its_state_and_each_failing_check() -> None:
    failing = Check("drift", "log group /nexus/x/app retention", "fail", expected="90", live="7")
    views = [
        EnvironmentView("production", "production", "123456789012", "us-east-1", ["use1-az1"], "$508.42 a month", 138,
                        result=_result(Check("health", "database status", "pass", live="available"))),
        EnvironmentView("staging", "staging", result=_result(failing)),
        EnvironmentView("development-alice", result=_result(hours_ago=48)),
        EnvironmentView("development", "development"),
    ]  # fmt: skip
    page = render_page(views, Promotion("staging", "production", ["a gap"], 3), now=NOW, source="r",
                       stale_after_hours=36)  # fmt: skip
    for stack, word in [("production", "healthy"), ("staging", "failing (1)"),
                        ("development-alice", "healthy, but stale"), ("development", "never verified")]:  # fmt: skip
        card = page.split(f'data-stack="{stack}"', 1)[1].split("</section>", 1)[0]
        assert f'<span class="badge">{word}</span>' in card, (stack, card)
    assert "log group /nexus/x/app retention: expected 90, live 7" in page
    assert "NOT READY" in page and "<li>a gap</li>" in page
    assert "$508.42 a month" in page and "use1-az1" in page


def test_the_page_is_self_contained_and_escapes_what_it_shows() -> None:
    planted = Check("drift", "setting x/<script>alert(1)</script>", "fail", expected="a", live="<b>")
    page = render_page([EnvironmentView("s", result=_result(planted))], None, now=NOW, source="<dir>",
                       stale_after_hours=36)  # fmt: skip
    assert "<script" not in page and "&lt;script&gt;" in page and "&lt;dir&gt;" in page
    # Nothing fetched from elsewhere: no scripts, links, images, imports or remote URLs.
    for external in ("<link", "<img", "<script", "src=", "@import", "url(", "http://", "https://"):
        assert external not in page, external


def test_the_markdown_names_each_failing_check_in_a_table_that_holds() -> None:
    piped = Check("drift", "setting a|b", "fail", expected="x|y", live="z")
    mention = Check("drift", "tag Owner", "fail", expected="platform", live="@everyone <b>`x`</b>")
    text = render_markdown([EnvironmentView("staging", result=_result(piped, mention)), EnvironmentView("production")],
                           now=NOW, stale_after_hours=36)  # fmt: skip
    lines = text.splitlines()
    assert lines[0] == "### staging: failing (2) (verified 2026-12-08 02:00 UTC, 1 h ago)"
    # A live value cannot mention anyone or inject markup into an issue: it is a code span.
    assert "| drift | `tag Owner` | `platform` | `@everyone <b>'x'</b>` |  |" in lines
    assert "| drift | `setting a\\|b` | `x\\|y` | `z` |  |" in lines  # a pipe in a value cannot split the row
    assert "### production: never verified" in lines


def test_the_page_shows_the_last_recovery_drill_of_each_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """status --html reads the drills' results (what `nexus drill-result` writes), the newest
    per source stack; a file that is not one is left out with a line, the page still written."""
    from tests.support.docs import use_session_plans

    use_session_plans(monkeypatch)  # the session's plans stand in for the page's own
    drills = tmp_path / "drill"
    drills.mkdir()
    for name, started, seconds, passed in [("recovery-drill-1", "2026-11-01T03:00:00Z", 2400, True),
                                           ("recovery-drill-2", "2026-12-01T03:00:00Z", None, False)]:  # fmt: skip
        (drills / f"{name}.json").write_text(json.dumps({"stack": name, "started_at": started,
            "restore_seconds": seconds, "verify_passed": passed, "source_stack": "staging"}))  # fmt: skip
    (drills / "junk.json").write_text("[]")
    page_file = tmp_path / "status.html"
    assert main(["status", "--all", "--results-dir", str(tmp_path / "none"), "--drill-dir", str(drills),
                 "--html", str(page_file)]) == 0  # fmt: skip
    assert "junk.json: not a recovery drill result" in capsys.readouterr().err
    card = page_file.read_text().split('data-stack="staging"', 1)[1].split("</section>", 1)[0]
    assert '<span class="fail">FAILED</span>: the restore failed into recovery-drill-2, 2026-12-01T03:00:00Z' in card


def test_status_refuses_an_html_path_that_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--all", "--results-dir", str(tmp_path), "--html", str(tmp_path)]) == 2
    assert "is a directory; name a file" in capsys.readouterr().err


# ------------------------------------------------------------------ in a real browser, from real results


def _verify_emulated(stacks: list[str], results: Path, change: Any) -> None:
    """Build each stack in one moto server, verify each, change one thing by hand in the first,
    verify that one again: the results files a deployed fleet's verify runs would leave."""
    import boto3

    from nexus.config.stack_files import load_stack_config
    from nexus.live.emulator import build, moto_server, pointed_at
    from nexus.live.verify import probe_url, save, verify
    from nexus.plans.offline import run_program

    with moto_server() as server, pointed_at(server.endpoint):
        built = {}
        for stack in stacks:
            config = load_stack_config(stack)
            built[stack] = build(run_program(config, config.settings()), boto3.Session(region_name="us-east-1"))
            server.serve(built[stack])
        change(built[stacks[0]])
        for stack in stacks:
            settings = load_stack_config(stack).settings()
            save(verify(settings, built[stack].outputs, probe=probe_url), [results / f"{stack}.json"])


@pytest.mark.e2e
def test_the_page_in_chromium_shows_every_environment_and_the_failing_check(tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed here (apt-get install chromium; .ci/run installs it where it can)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the e2e dependency group: make e2e installs it")
    sync_playwright = sync_api.sync_playwright

    results = tmp_path / "results"
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)

    def shorten_retention(env: Any) -> None:
        env.client("logs").put_retention_policy(logGroupName="/nexus/development/vpc-flow-logs", retentionInDays=1)

    _verify_emulated(["development", "production"], results, shorten_retention)
    page_file = tmp_path / "status.html"
    assert main(["status", "--all", "--results-dir", str(results), "--html", str(page_file)]) == 1  # one fails

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(page_file.as_uri())
            text = page.inner_text("body")  # what is rendered visible, as a person reads it
            for stack in stack_names():
                assert page.locator(f'section[data-stack="{stack}"] h2').inner_text() == stack
            badge = {s: page.locator(f'section[data-stack="{s}"] .badge').inner_text() for s in stack_names()}
            assert badge["production"] == "healthy" and badge["development"] == "failing (1)", badge
            assert badge["staging"] == "never verified", badge
            failing = page.locator('section[data-stack="development"] ul.failures li').all_inner_texts()
            assert failing == ["drift log group /nexus/development/vpc-flow-logs retention: expected 7, live 1"], (
                failing
            )
            assert "Promotion staging → production: READY" in text
            from nexus.plans.model import plan_json
            from nexus.plans.pricing import monthly_summary

            assert "1 failing" in text and monthly_summary(plan_json("production")) in text
            page.screenshot(path=str(tmp_path / "laptop.png"), full_page=True)
            if os.environ.get("NEXUS_UPDATE_SCREENSHOT"):
                SAMPLE.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(SAMPLE), full_page=True)
            # A phone: one column, nothing wider than the screen.
            page.set_viewport_size({"width": 390, "height": 844})
            width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width <= inner, (width, inner)
            page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        finally:
            browser.close()
    print(json.dumps({"screenshots": [str(tmp_path / "laptop.png"), str(tmp_path / "phone.png")]}))
