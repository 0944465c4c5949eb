"""The settings reference (docs/settings.md) and the day-two table (docs/day-two.md),
generated. The reference comes from the models: one row per key with
its meaning (`Field(description=...)`), what is allowed (the Field constraints, or the text a
validator's rule gives through `allowed(...)`, written from the limit tables), its default and
its value in each committed tier's stack file.

    venv/bin/python -m nexus.config.reference          # rewrite both files between their markers
    venv/bin/python -m nexus.config.reference --check  # exit 1 when either is stale

(`make docs` runs the first; tests/config/test_reference.py the second's comparison.)
"""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from nexus.config.base import BOOTSTRAP_PROJECT, PROJECT, leaf_fields
from nexus.config.bootstrap import BootstrapSettings
from nexus.config.environment import Settings
from nexus.config.stack_files import ROOT, load_stack_config

DOC = ROOT / "docs" / "settings.md"
DAY_TWO_DOC = ROOT / "docs" / "day-two.md"
TIERS = ("production", "staging", "development")
BOOTSTRAP_STACK = "account"
BEGIN, END = "<!-- BEGIN GENERATED: {} -->", "<!-- END GENERATED: {} -->"

# Settings fields that are not `nexus:` keys: the stack name comes from --stack, and the
# provider's own keys keep their names.
_KEY_OF = {"region": "aws:region", "aws_default_tags": "aws:defaultTags"}


def rows(model: type[BaseModel], namespace: str, values: Callable[[tuple[str, ...]], list[Any]]) -> Iterator[list[str]]:
    """One row per leaf key of `model`: key, meaning, allowed, default, values per stack."""
    for path, field in leaf_fields(model):
        dotted = ".".join(path)
        if dotted == "stack":  # from --stack, not a key
            continue
        key = _KEY_OF.get(dotted) or f"{namespace}:{dotted}"
        yield [f"`{key}`", field.description or "", _allowed(field), _default(field), _values(values(path))]


def _allowed(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("allowed"), str):
        return str(extra["allowed"])
    parts = [_type_text(field.annotation), _bounds(field)]
    if (low_len := next((m.min_length for m in field.metadata if isinstance(m, MinLen)), None)) is not None:
        high_len = next((m.max_length for m in field.metadata if isinstance(m, MaxLen)), None)
        parts.append(f"{low_len}..{high_len} items" if high_len else f"at least {low_len} item{'s' * (low_len != 1)}")
    pattern = next((p for m in field.metadata if (p := getattr(m, "pattern", None))), None)
    if pattern:
        parts.append(f"matching `{pattern}`")
    return "; ".join(p for p in parts if p)


def _bounds(field: FieldInfo) -> str:
    """`1..100` when both ends are inclusive, else words: `above 0 and at most 100`."""
    ge = next((m.ge for m in field.metadata if isinstance(m, Ge)), None)
    gt = next((m.gt for m in field.metadata if isinstance(m, Gt)), None)
    le = next((m.le for m in field.metadata if isinstance(m, Le)), None)
    lt = next((m.lt for m in field.metadata if isinstance(m, Lt)), None)
    if ge is not None and le is not None:
        return f"{_number(ge)}..{_number(le)}"
    words = [f"at least {_number(ge)}" if ge is not None else "", f"above {_number(gt)}" if gt is not None else ""]
    words += [f"at most {_number(le)}" if le is not None else "", f"below {_number(lt)}" if lt is not None else ""]
    return " and ".join(w for w in words if w)


def _type_text(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is bool:
        return "true/false"
    if origin is Literal:
        return ", ".join(map(str, args))
    if origin is tuple:
        return f"a list of: {_type_text(args[0])}" + (", each once" if get_origin(args[0]) is Literal else "")
    if origin in (Union, types.UnionType):
        return " or ".join("unset" if a is type(None) else _type_text(a) for a in args)
    return {int: "a whole number", float: "a number", str: "text"}.get(annotation, "")


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    value = field.get_default(call_default_factory=True)
    return _show(value.model_dump(mode="json") if isinstance(value, BaseModel) else value)


def _values(per_stack: list[Any]) -> str:
    shown = [_show(v) for v in per_stack]
    if len(shown) == 1:
        return shown[0]
    return f"{shown[0]} (all)" if len(set(shown)) == 1 else " / ".join(shown)


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, dict):
        return json.dumps(value) if value else "{}"
    return str(value)


def _table(header: list[str], body: Iterator[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]
    return "\n".join(lines)


def _pluck(settings: BaseModel, path: tuple[str, ...]) -> Any:
    value: Any = settings
    for part in path:
        value = getattr(value, part)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def environment_table(root: Path = ROOT) -> str:
    settings = [load_stack_config(tier, root=root).settings() for tier in TIERS]
    body = rows(Settings, PROJECT, lambda path: [_pluck(s, path) for s in settings])
    return _table(["key", "meaning", "allowed", "default", "P / S / D"], body)


def bootstrap_table(root: Path = ROOT) -> str:
    from nexus.config.bootstrap import bootstrap_settings_from_cli_config

    config = load_stack_config(BOOTSTRAP_STACK, root=root / "bootstrap", project_name=BOOTSTRAP_PROJECT)
    settings = bootstrap_settings_from_cli_config(
        config.as_cli_strings(), stack=BOOTSTRAP_STACK, source=f"bootstrap/Pulumi.{BOOTSTRAP_STACK}.yaml"
    )
    body = rows(BootstrapSettings, BOOTSTRAP_PROJECT, lambda path: [_pluck(settings, path)])
    return _table(["key", "meaning", "allowed", "default", f"Pulumi.{BOOTSTRAP_STACK}.yaml"], body)


def day_two_table() -> str:
    """The day-two table (nexus.config.day_two): what changing each key does on AWS."""
    from nexus.config.day_two import EFFECTS, ROWS

    effects = _table(["class", "meaning"], iter([[f"**{k}**", v] for k, v in EFFECTS.items()]))
    rows = _table(
        ["key", "class", "what a change does", "source"],
        iter(
            [
                [
                    f"`{_stack_file_key(r.key)}`",
                    r.effect + (" (depends on the values)" if r.judge else ""),
                    r.what,
                    r.source,
                ]
                for r in ROWS
            ]
        ),
    )
    return f"{effects}\n\n{rows}"


def _stack_file_key(path: str) -> str:
    """A settings path as the stack file writes it (region -> aws:region, database.port ->
    nexus:database.port)."""
    return _KEY_OF.get(path) or f"{PROJECT}:{path}"


def _blocks(root: Path) -> dict[Path, dict[str, Callable[[], str]]]:
    return {
        DOC: {"environment": lambda: environment_table(root), "bootstrap": lambda: bootstrap_table(root)},
        DAY_TWO_DOC: {"day-two": day_two_table},
    }


def render(document: str, root: Path = ROOT, path: Path = DOC) -> str:
    """`document` (the file at `path`) with each generated block replaced by what the models,
    the stack files and the day-two table say now."""
    for name, table in _blocks(root)[path].items():
        begin, end = BEGIN.format(name), END.format(name)
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
        if not pattern.search(document):
            raise ValueError(f"{path.relative_to(ROOT)} lost its markers {begin} ... {end}")
        head, _, rest = document.partition(begin)
        document = head + f"{begin}\n{table()}\n{end}" + rest.partition(end)[2]
    return document


def main(argv: list[str]) -> int:
    stale = []
    for path in _blocks(ROOT):
        current = path.read_text()
        fresh = render(current, path=path)
        if fresh != current:
            stale.append(path)
            if "--check" not in argv:
                path.write_text(fresh)
    if "--check" in argv and stale:
        print(f"{', '.join(str(p.relative_to(ROOT)) for p in stale)} stale: run make docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
