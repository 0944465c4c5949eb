"""`nexus status`: the fleet view of what `nexus verify` kept (against an emulated AWS:
tests/live/test_verify.py), and a file that is not a verify result refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.cli import main

# The tests of tests/live/test_verify.py share one worker (the emulated AWS environment);
# these ran beside them before they had a file of their own, and still do.
pytestmark = pytest.mark.xdist_group("moto")


STACK = "production"


def test_status_refuses_a_file_that_is_not_a_verify_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / f"{STACK}.json").write_text('{"stack": "production"}')
    assert main(["status", "--all", "--results-dir", str(tmp_path)]) == 2
    assert "not a result of nexus verify" in capsys.readouterr().err
