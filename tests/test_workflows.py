"""The GitHub workflows, read as data: which credentials each job can reach, what runs before
and after every `pulumi up`, and how runs queue. (actionlint checks their syntax: make lint.
The reaper's filter, `nexus stacks`: tests/cli/test_stacks.py.)"""

from __future__ import annotations

import re
from typing import Any

import yaml

from nexus.config.stack_files import ROOT, load_stack_config

WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True)  # YAML 1.1 reads the key `on` as true
    return dict(doc)


def jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path.name, name, job) for path in sorted(WORKFLOWS.glob("*.yml")) for name, job in workflow(path.name)["jobs"].items()]  # fmt: skip


def scripts(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job.get("steps", []) if "run" in step]


def text(job: dict[str, Any]) -> str:
    return yaml.safe_dump(job)


def runs_on_pull_requests(file: str, name: str) -> bool:
    """A job can run for a pull request when its workflow is triggered by one and the job is not
    limited to other events (directly, or through a job it needs)."""
    doc = workflow(file)
    if "pull_request" not in doc["on"]:
        return False
    job = doc["jobs"][name]
    if any(not runs_on_pull_requests(file, needed) for needed in as_list(job.get("needs", []))):
        return False
    condition = str(job.get("if", ""))
    return set(doc["on"]) == {"pull_request"} or "github.event_name == 'pull_request'" in condition


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_pull_request_jobs_never_reach_staging_or_production_credentials() -> None:
    checked = 0
    for file, name, job in jobs():
        if not runs_on_pull_requests(file, name):
            continue
        checked += 1
        body = text(job)
        assert job.get("environment") in (None, "development"), (file, name)
        assert "secrets.PULUMI_ACCESS_TOKEN" not in body, (file, name)  # staging/production's
        assert "AWS_DEPLOY_ROLE_ARN" not in body, (file, name)
        if "id-token" in job.get("permissions", {}) or "secrets." in body:
            # Forks get neither secrets nor an OIDC token: such jobs do not run for them.
            assert "github.event.pull_request.head.repo.full_name == github.repository" in str(job["if"]), (file, name)
    assert checked >= 5


def test_staging_and_production_deploy_only_from_their_environments() -> None:
    deploy = workflow("deploy.yml")
    assert deploy["on"].keys() == {"push", "workflow_dispatch"}
    for tier in ("staging", "production"):
        job = deploy["jobs"][tier]
        assert job["environment"] == tier and "AWS_DEPLOY_ROLE_ARN" in text(job)


def test_every_pulumi_up_is_previewed_with_the_policy_pack_first_and_verified_after() -> None:
    ups = 0
    for file, name, job in jobs():
        steps = scripts(job)
        for i, script in enumerate(steps):
            if "pulumi up" not in script:
                continue
            ups += 1
            stack = re.search(r"--stack (\S+)", script)
            assert stack, (file, name)
            before, after = "\n".join(steps[:i]), "\n".join(steps[i + 1 :])
            assert re.search(rf"pulumi preview --stack {re.escape(stack.group(1))} .*--policy-pack policy", before), (
                file,
                name,
            )
            assert "--policy-pack policy" in script
            assert f"venv/bin/python -m nexus verify --stack {stack.group(1)}" in after, (file, name)
    assert ups == 4  # staging, production, the pull request's stack, the recovery drill's


def test_pull_request_stacks_read_the_development_file_on_every_run() -> None:
    dev = workflow("dev-stacks.yml")
    assert dev["env"]["CONFIG_FILE"] == "Pulumi.development.yaml"
    for name, job in dev["jobs"].items():
        for script in scripts(job):
            for command in re.findall(r"pulumi (?:up|preview|destroy|refresh) [^\n]*", script):
                assert '--config-file "$CONFIG_FILE"' in command, (name, command)
            assert "--copy-config-from" not in script  # a copy made once is lost with the runner
            if "stack init" in script or "--create" in script:
                assert "--secrets-provider" in script, name


def test_the_development_file_holds_no_secure_values() -> None:
    """Pull-request and personal stacks read Pulumi.development.yaml as it is: a `secure:`
    value there is encrypted for the development stack and would not decrypt for them."""
    assert "secure:" not in (ROOT / "Pulumi.development.yaml").read_text()


def test_every_multi_line_script_stops_at_the_first_failure() -> None:
    for file, name, job in jobs():
        for script in scripts(job):
            if len(script.strip().splitlines()) > 1:
                assert script.lstrip().startswith("set -euo pipefail"), (file, name, script[:60])


def test_the_reaper_shares_each_stacks_lock_and_keeps_qualified_names() -> None:
    dev = workflow("dev-stacks.yml")["jobs"]
    assert dev["up"]["concurrency"]["group"] == dev["down"]["concurrency"]["group"]
    assert dev["up"]["concurrency"]["group"] == "stack-development-pr-${{ github.event.pull_request.number }}"
    assert dev["reap"]["concurrency"]["group"] == "stack-${{ matrix.stack.name }}"
    assert all(not j.get("concurrency", {}).get("cancel-in-progress") for j in (dev["up"], dev["down"], dev["reap"]))
    assert "${{ matrix.stack.ref }}" in text(dev["reap"])


def test_previews_of_different_pull_requests_never_share_a_queue() -> None:
    pr = workflow("pull-request.yml")
    assert "github.event.pull_request.number" in pr["concurrency"]["group"]
    assert "github.workflow" in pr["concurrency"]["group"]
    assert "github.event.pull_request.number" in pr["jobs"]["preview"]["concurrency"]["group"]


def test_the_comment_shows_the_diff_then_the_cost_and_forks_get_the_summary() -> None:
    job = workflow("pull-request.yml")["jobs"]["offline-diff"]
    assert "secrets." not in text(job) and "id-token" not in job["permissions"]
    (report,) = [s for s in scripts(job) if "nexus diff" in s and "--markdown" in s]
    diff_at = report.index("nexus diff /tmp/plans/base /tmp/plans/head --markdown")
    assert report.index("nexus cost --diff /tmp/plans/base /tmp/plans/head --markdown") > diff_at
    assert '>> "$GITHUB_STEP_SUMMARY"' in report
    (sticky,) = [s for s in job["steps"] if "sticky-pull-request-comment" in s.get("uses", "")]
    major = int(re.search(r"@v(\d+)", sticky["uses"]).group(1))  # type: ignore[union-attr]
    assert major >= 3  # v3 runs on Node 24; v2 on Node 20, gone from GitHub's runners
    assert sticky["if"] == "github.event.pull_request.head.repo.full_name == github.repository"


def test_blocking_changes_stop_the_pull_request_and_the_deploy_unless_approved() -> None:
    """`nexus diff --fail-on blocking` gates both workflows; the way through is a label a
    maintainer sets after review (or allow_blocking on a manual deploy), re-run on labeling."""
    pr = workflow("pull-request.yml")
    assert {"labeled", "unlabeled", "synchronize"} <= set(pr["on"]["pull_request"]["types"])
    job = pr["jobs"]["offline-diff"]
    (report,) = [s for s in job["steps"] if s.get("id") == "report"]
    assert "nexus diff /tmp/plans/base /tmp/plans/head --markdown --fail-on blocking" in report["run"]
    # The policy results go into the same comment, after the diff.
    assert report["run"].index("nexus check --all") > report["run"].index("nexus diff")
    (gate,) = [s for s in job["steps"] if "steps.report.outputs.blocking" in s.get("if", "")]
    assert "steps.report.outputs.blocking == '1'" in gate["if"] and "exit 1" in gate["run"]
    assert job["steps"].index(gate) > next(i for i, s in enumerate(job["steps"]) if "sticky" in s.get("uses", ""))

    # A push after the approval withdraws it: the gate does not count the label on a new push.
    (withdraw,) = [s for s in job["steps"] if "--remove-label blocking-change-approved" in s.get("run", "")]
    assert "github.event.action == 'synchronize'" in withdraw["if"] and job["steps"].index(withdraw) < job[
        "steps"
    ].index(gate)
    assert "github.event.action == 'synchronize' ||" in gate["if"]
    # A base that cannot be planned is not waved through.
    assert "diff_status=1" in report["run"]

    deploy = workflow("deploy.yml")
    checks = deploy["jobs"]["checks"]
    (day_two,) = [s for s in checks["steps"] if "--fail-on blocking" in s.get("run", "")]
    assert "blocking-change-approved" in day_two["run"] and "ALLOW_BLOCKING" in day_two["run"]
    # A manual run (a rollback) is compared with main's head, what the pushes deployed.
    assert (
        'if [ "$EVENT" = "workflow_dispatch" ]' in day_two["run"] and "git fetch --quiet origin main" in day_two["run"]
    )
    assert day_two["run"].count('approved "') == 3  # no base, an unplannable base, a BLOCKING diff
    assert checks["permissions"] == {"contents": "read", "pull-requests": "read"}
    assert deploy["on"]["workflow_dispatch"]["inputs"]["allow_blocking"]["default"] is False
    assert "checks" in str(deploy["jobs"]["staging"]["needs"])


def test_every_job_sets_its_own_permissions() -> None:
    for file in WORKFLOWS.glob("*.yml"):
        assert workflow(file.name)["permissions"] == {}
    assert all("permissions" in job for _, _, job in jobs())


def test_the_drift_check_runs_nightly_read_only_for_every_tier() -> None:
    drift = workflow("drift.yml")
    assert drift["on"].keys() == {"schedule", "workflow_dispatch"}
    (schedule,) = drift["on"]["schedule"]
    minute, hour, *every_day = schedule["cron"].split()
    assert every_day == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()  # once a night
    check = drift["jobs"]["check"]
    tiers = {load_stack_config(s).settings().environment for s in ("development", "staging", "production")}
    assert set(check["strategy"]["matrix"]["stack"]) == tiers and check["strategy"]["fail-fast"] is False
    # The drift roles trust this environment only; no deploy credentials anywhere in the workflow.
    assert check["environment"] == "drift-${{ matrix.stack }}" and "vars.AWS_DRIFT_ROLE_ARN" in text(check)
    # Production is checked at the commit that is deployed there, not at main.
    (checkout,) = [s for s in check["steps"] if str(s.get("uses", "")).startswith("actions/checkout")]
    assert checkout["with"]["ref"] == "${{ matrix.stack == 'production' && 'production-last-good' || github.sha }}"
    assert "git tag -f production-last-good HEAD" in "\n".join(scripts(workflow("deploy.yml")["jobs"]["production"]))
    body = yaml.safe_dump(drift)
    assert "AWS_DEPLOY_ROLE_ARN" not in body and "secrets.PULUMI_ACCESS_TOKEN" not in body
    assert check["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    assert drift["jobs"]["page"]["permissions"] == {"contents": "read", "actions": "read"}
    # Shares each stack's queue with the deploy workflow's job of the same stack.
    assert check["concurrency"]["group"] == "stack-${{ matrix.stack }}"
    assert workflow("deploy.yml")["jobs"]["production"]["concurrency"]["group"] == "stack-production"


def test_the_drift_check_changes_nothing_and_verifies_as_the_deploy_does() -> None:
    check = workflow("drift.yml")["jobs"]["check"]
    commands = "\n".join(scripts(check))
    assert not re.search(r"pulumi (up|destroy|refresh|import|state|cancel)\b", commands)
    (preview,) = re.findall(r"pulumi preview [^\n]*", commands)
    assert "--refresh" in preview and "--expect-no-changes" in preview
    # Only the secret's version is kept out of the refresh, by its exact URN from the offline plan.
    assert (
        '"${excludes[@]}"' in preview
        and 'select(.type == "aws:secretsmanager/secretVersion:SecretVersion")' in commands
    )
    # verify reads the outputs as the deploy workflow's verify does: from `pulumi stack output`.
    (verify,) = re.findall(r"nexus verify [^\n]*", commands)
    deploy_verify = re.findall(r"nexus verify [^\n]*", "\n".join(scripts(workflow("deploy.yml")["jobs"]["production"])))
    assert deploy_verify == ['nexus verify --stack "$STACK"'] and verify.startswith(deploy_verify[0])
    assert "--outputs" not in verify


def test_a_drifting_stack_has_one_open_issue_closed_when_clean() -> None:
    check = workflow("drift.yml")["jobs"]["check"]
    (step,) = [s for s in check["steps"] if s.get("name") == "Open, update or close the stack's drift issue"]
    script = step["run"]
    assert 'title="Drift: $STACK"' in script
    # Found by its exact title among the open `drift` issues: updated, never duplicated.
    assert "gh issue list --state open --label drift" in script and 'select(.title == \\"$title\\")' in script
    finding = script.split("elif", 1)[0]
    assert 'gh issue comment "$number"' in finding and 'gh issue create --title "$title" --label drift' in finding
    assert "exit 1" in finding  # the night's run is red too
    assert 'gh issue close "$number"' in script.split("elif", 1)[1]
    # A check that failed before its preview is reported on the same issue.
    (failed,) = [s for s in check["steps"] if s.get("name") == "Report a check that could not run"]
    assert failed["if"] == "failure() && steps.preview.outputs.code == ''"
    assert 'title="Drift: $STACK"' in failed["run"] and "gh issue create" in failed["run"]
    # Whether the stack exists is asked of this stack alone (the role reads no other tier's state).
    (deployed,) = [s for s in check["steps"] if s.get("id") == "deployed"]
    assert 'pulumi stack select "$STACK"' in deployed["run"] and "stack ls" not in deployed["run"]
    # A finding is a preview with changes or errors, or a verify that failed or could not run.
    assert '[ "$PREVIEW_CODE" != 0 ] || [ "$VERIFY_CODE" != 0 ]' in finding


def test_the_status_page_is_published_from_every_result() -> None:
    jobs_ = workflow("drift.yml")["jobs"]
    page = jobs_["page"]
    assert page["needs"] == "check" and page["if"] == "${{ !cancelled() }}"
    assert any("nexus status --all --results-dir results/verify --drill-dir results/drill" in s for s in scripts(page))
    # The drill's result comes from the recovery-drill workflow's artifact of that name.
    drill = workflow("recovery-drill.yml")
    names = [
        s["with"]["name"] for j in drill["jobs"].values() for s in j["steps"] if "upload-artifact" in str(s.get("uses"))
    ]
    assert "recovery-drill-result" in names
    assert any("--workflow recovery-drill.yml" in s and "--name recovery-drill-result" in s for s in scripts(page))
    assert page["permissions"] == {"contents": "read", "actions": "read"}
    uploads = [s for s in page["steps"] if str(s.get("uses", "")).startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["if"] == "vars.DRIFT_PAGES == 'true'"
    assert jobs_["pages"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_the_recovery_drill_restores_a_throwaway_copy_and_always_removes_it() -> None:
    doc = workflow("recovery-drill.yml")
    assert set(doc["on"]) == {"workflow_dispatch", "schedule"} and doc["on"]["schedule"]
    assert doc["on"]["workflow_dispatch"]["inputs"]["source"]["default"] == "staging"
    assert doc["on"]["workflow_dispatch"]["inputs"]["source"]["options"] == ["staging", "production"]
    job = doc["jobs"]["drill"]
    assert job["env"]["DRILL_STACK"] == "recovery-drill-${{ github.run_id }}"
    assert job["env"]["SOURCE_STACK"] == "${{ inputs.source || 'staging' }}"
    # The source's own credentials, from its environment (OIDC): never a long-lived key.
    assert job["environment"] == "recovery-drill-${{ inputs.source || 'staging' }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert "aws-access-key-id" not in text(job) and "AWS_RECOVERY_DRILL_ROLE_ARN" in text(job)
    steps = {step.get("name", step.get("uses", step.get("run"))): step for step in job["steps"]}
    # The file itself: tests/cli/test_drill_stack.py (restores the source, nothing protected).
    make = steps["Make the drill stack from the recovery stack file"]["run"]
    assert 'nexus drill-stack --stack "$DRILL_STACK" --source "$SOURCE_STACK"' in make
    assert make.index("nexus drill-stack") < make.index("pulumi stack init")
    # Checked offline before anything is created: the destroy at the end can take it all.
    order = list(steps)
    assert order.index("Nothing of the drill stack outlives its destroy") < order.index(
        "Restore from the replicated backups, timed")  # fmt: skip
    restore = steps["Restore from the replicated backups, timed"]["run"]
    assert "restore_seconds=" in restore and restore.index("start=") < restore.index("pulumi up")
    teardown = steps["Destroy and remove the drill stack"]
    assert teardown["if"] == "always()"
    assert "pulumi destroy" in teardown["run"] and "pulumi stack rm" in teardown["run"]
    record = steps["Record the result"]
    assert "always()" in record["if"] and "nexus drill-result" in record["run"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in record["run"]
    keep = steps["Keep the result"]
    assert "upload-artifact" in keep["uses"] and keep["with"]["path"] == ".nexus/drill/"
    assert order.index("Record the result") < order.index("Keep the result")
    assert steps["Verify the restored environment"]["continue-on-error"] is True
    assert steps["The drill passed"]["if"] == "always()" and order[-1] == "The drill passed"


def test_the_recovery_runbook_is_the_drills_steps() -> None:
    """docs/disaster-recovery.md's runbook lists the drill workflow's named steps, in order."""
    page = (ROOT / "docs" / "disaster-recovery.md").read_text()
    runbook = page.split("<!-- runbook:recovery-drill -->", 1)[1].split("<!-- /runbook:recovery-drill -->", 1)[0]
    listed = re.findall(r"^\d+\. \*\*(.+?)\*\*", runbook, flags=re.M)
    named = [step["name"] for step in workflow("recovery-drill.yml")["jobs"]["drill"]["steps"] if "name" in step]
    assert listed == named
