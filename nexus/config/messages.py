"""The one-line messages of bad settings: SettingsError (problems grouped by the file that
holds them) and the wording that turns pydantic's errors into what a YAML author reads
("expected a list, found text", "did you mean ...")."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from nexus.config.base import PROJECT


class SettingsError(Exception):
    """Invalid settings; `problems` are one line each, ready to show a person. `blocks` holds
    the problems of every file involved (Pulumi.yaml and the stack file), each under its file."""

    def __init__(self, source: str, problems: list[str], *, more: list[tuple[str, list[str]]] | None = None) -> None:
        self.source = source
        self.problems = problems
        self.blocks = [(source, problems), *(more or [])]
        super().__init__("\n".join(render_block(src, probs) for src, probs in self.blocks))

    @classmethod
    def of_files(cls, problems: list[tuple[str, str]]) -> SettingsError:
        """One error from (file, problem) pairs, grouped by file in order of appearance."""
        by_file: dict[str, list[str]] = {}
        for source, problem in problems:
            by_file.setdefault(source, []).append(problem)
        (first, firsts), *rest = by_file.items()
        return cls(first, firsts, more=rest)


class YamlError(SettingsError):
    """A file the YAML reader refuses (a syntax error, a duplicate key): one line per mistake,
    `Pulumi.staging.yaml:13:25: what is wrong`, as compilers point at a place. `problems` hold
    `line:column: what` (or `line: what`), the file name in front when printed."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(source, problems)
        self.args = ("\n".join(f"{source}:{problem}" for problem in problems),)


def render_block(source: str, problems: list[str]) -> str:
    return f"{source}: invalid settings\n" + "\n".join(f"  - {p}" for p in problems)


# What a YAML reader calls the shape pydantic expected ("valid tuple" means nothing to them).
EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "tuple_type": "a list (`- item` lines, or [a, b])",
    "list_type": "a list (`- item` lines, or [a, b])",
    "model_type": "a mapping (`key: value` lines)",
    "model_attributes_type": "a mapping (`key: value` lines)",
    "dict_type": "a mapping (`key: value` lines)",
}


def yaml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def yaml_text(value: Any) -> str:
    """A value as it would read in YAML (the source text when the reader kept it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and not hasattr(value, "yaml_text") and not math.isfinite(value):
        text = ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"  # as YAML writes them
    elif isinstance(value, int | float):
        text = str(getattr(value, "yaml_text", value))
    else:
        text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    # One line, not the length of a novel (a 300-character tag value).
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def _key(loc: list[str]) -> str:
    if loc and loc[0] == "region":
        return "aws:region"
    if loc and loc[0] == "aws_default_tags":
        return "aws:defaultTags"
    if loc and loc[0] == "stack":
        return "stack name"
    path = ""
    for part in loc:
        path += f"[{part}]" if part.isdigit() else f".{part}" if path else part
    return f"{PROJECT}:{path}" if loc else f"{PROJECT}:*"


# The error type of a name that is not in a table (a region, an instance class): its line reads
# `key = value: not ... (did you mean ...?)`, the value as written (a plain YAML word).
UNKNOWN_NAME = "unknown_name"


def unknown_name(value: str, known: Iterable[str], what: str, otherwise: str = "") -> PydanticCustomError:
    """The error a validator raises for `value`, not one of `known`: `not <what>`, with the
    closest known name as a did-you-mean, or `otherwise` when none is close."""
    hint = closest(value, known)
    advice = f" (did you mean {hint}?)" if hint else f" ({otherwise})" if otherwise else ""
    return PydanticCustomError(UNKNOWN_NAME, "{text}", {"text": f"not {what}{advice}"})


def closest(value: str, known: Iterable[str]) -> str | None:
    """The known name difflib.get_close_matches would rank first (similarity 0.6 or more), ties
    going to the first in `known`: us-east-7 -> us-east-1, not us-east-2."""
    names = list(known)
    matches = set(difflib.get_close_matches(value, names, n=len(names)))
    if not matches:
        return None
    score = {name: difflib.SequenceMatcher(None, value, name).ratio() for name in matches}
    return max((name for name in names if name in matches), key=lambda name: score[name])


def suggestion(err: Any, root: type[BaseModel]) -> str | None:
    if err["type"] != "extra_forbidden":
        return None
    hint = difflib.get_close_matches(str(err["loc"][-1]), _known_keys([str(p) for p in err["loc"][:-1]], root), n=1)
    return hint[0] if hint else None


def describe(err: Any, root: type[BaseModel]) -> str:
    loc = [str(p) for p in err["loc"]]
    key = _key(loc)
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        hint = suggestion(err, root)
        known = _known_keys(loc[:-1], root)
        hint = f"{PROJECT}:{hint}" if hint and len(loc) == 1 else hint  # a top-level key has a namespace
        advice = f" (did you mean {hint!r}?)" if hint else f" (known keys: {', '.join(known)})"
        return f"{key}: unknown key{advice}"
    if err["type"] == "missing":
        return f"{key}: required but not set"
    if err["type"] == UNKNOWN_NAME:
        return f"{key} = {value}: {err['msg']}"
    if err["type"] == "string_type" and isinstance(value, dt.date | dt.datetime):
        return f"{key} = {value}: expected text, found a date (YAML read a date here: quote it)"
    if err["type"] == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        text = yaml_text(value)
        read_as = f" (YAML reads unquoted {text} as the number {value})" if text != str(value) else ""
        return f'{key} = {text}: expected text, found a number{read_as}; put it in quotes: "{text}"'
    if err["type"] in EXPECTED:
        return f"{key} = {yaml_text(value)}: expected {EXPECTED[err['type']]}, found {yaml_kind(value)}"
    if err["type"] == "finite_number":
        return f"{key} = {yaml_text(value)}: must be a finite number (not .inf or .nan)"
    if err["type"] == "literal_error":
        return f"{key} = {yaml_text(value)}: must be one of {err['ctx']['expected']}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if not loc and msg.startswith(f"{PROJECT}:"):
        return msg  # a cross-setting rule that names its own key
    shown = "" if isinstance(value, dict) or value is None else f" = {yaml_text(value)}"
    return f"{key}{shown}: {msg}"


def _known_keys(path: list[str], root: type[BaseModel]) -> list[str]:
    model: Any = root
    for part in path:
        field = model.model_fields.get(part)
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            return []
        model = field.annotation
    internal = ("stack", "region", "aws_default_tags")
    return [name for name in model.model_fields if not (model is root and name in internal)]
