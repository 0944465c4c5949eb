"""tools/precompile.py compiles every pulumi_aws module an offline plan imports (and few more)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from nexus.config.stack_files import ROOT
from nexus.plans.offline import Plan


def _files() -> set[Path]:
    spec = importlib.util.spec_from_file_location("precompile", ROOT / "tools" / "precompile.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return set(module.files())


def test_every_pulumi_aws_module_a_plan_imports_is_precompiled(plans: dict[str, Plan]) -> None:
    assert plans  # every stack file has been planned in this process
    # pulumi_aws's root registers every service as a lazy module (importlib.util.LazyLoader):
    # one that was never used is neither run nor compiled, and touching it would load it.
    imported = {
        Path(str(m.__file__))
        for name, m in list(sys.modules.items())
        if name.startswith("pulumi_aws") and type(m).__name__ != "_LazyModule" and getattr(m, "__file__", None)
    }
    files = _files()
    assert imported and not imported - files, sorted(str(p) for p in imported - files)[:5]
    # ... and not all of pulumi_aws (3,100 modules): only the services the program names.
    assert len(files) < 2 * len(imported)
