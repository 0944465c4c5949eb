"""A small IAM policy evaluator for identity-based policies of one account.

Why our own: moto's `moto.iam.access_control.IAMPolicy` (moto 5.2, the maintained candidate)
treats a condition whose key is absent from the request as satisfied (`verify_condition`
loops over the request's values only) and ignores every operator but StringEquals ("If the
evaluation operation is not supported, ignore condition evaluation", moto/iam/
policy_conditions.py); its wildcards are unescaped regular expressions without `?` or ARN
segments. It would allow kms:Decrypt called directly, without kms:ViaService: exactly what
our key statement forbids. Importing it also costs about 2.5 s of the suite's 30.

The subset our policies use, with AWS's rules (IAM user guide, "Policy evaluation logic" and
"IAM JSON policy elements"):
- an explicit Deny wins; otherwise an Allow allows; otherwise the request is implicitly denied;
- Action / NotAction: case-insensitive, `*` and `?` wildcards;
- Resource / NotResource: case-sensitive, a wildcard stays
  within its colon-separated ARN segment unless `*` ends the segment ("If the * wildcard is
  the last character of a resource ARN segment, it can expand to match beyond the colon
  boundaries", IAM JSON policy elements: Resource);
- ArnLike / ArnEquals compare the six colon-delimited ARN parts one by one;
- Condition: every operator block must hold (AND), every key within it must hold (AND), any
  of a key's values may match (OR); operators StringEquals, StringNotEquals, StringLike,
  StringNotLike, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, Bool, each also ...IfExists;
  condition keys are case-insensitive; a key missing from the request makes a positive
  operator false and a negated operator true; ...IfExists is true when the key is missing.
Anything else (policy variables, ForAnyValue/ForAllValues, numeric and date operators) is
refused with UnsupportedPolicyError rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Decision = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]


class UnsupportedPolicyError(ValueError):
    """The policy uses IAM features this evaluator does not implement."""


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_match(pattern: str, value: str, *, case_sensitive: bool, segments: bool = False) -> bool:
    """IAM wildcards: `*` any run of characters (including none), `?` exactly one. With
    `segments`, a wildcard does not cross a colon unless `*` ends an ARN segment."""
    if "${" in pattern:
        raise UnsupportedPolicyError(f"policy variables are not supported: {pattern}")
    parts = []
    for i, c in enumerate(pattern):
        if c == "*":
            ends_segment = i + 1 == len(pattern) or pattern[i + 1] == ":"
            parts.append(".*" if not segments or ends_segment else "[^:]*")
        elif c == "?":
            parts.append("[^:]" if segments else ".")
        else:
            parts.append(re.escape(c))
    return re.fullmatch("".join(parts), value, 0 if case_sensitive else re.IGNORECASE | re.DOTALL) is not None


def arn_match(pattern: str, value: str) -> bool:
    """ArnLike: each of the six colon-delimited parts is matched on its own."""
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    return len(p_parts) == len(v_parts) == 6 and all(
        wildcard_match(p, v, case_sensitive=True) for p, v in zip(p_parts, v_parts, strict=True)
    )


def action_matches(patterns: Iterable[str], action: str) -> bool:
    return any(wildcard_match(p, action, case_sensitive=False) for p in patterns)


def resource_matches(patterns: Iterable[str], resource: str) -> bool:
    return any(wildcard_match(p, resource, case_sensitive=True, segments=True) for p in patterns)


def _equals(pattern: str, value: str) -> bool:
    return pattern == value


def _like(pattern: str, value: str) -> bool:
    return wildcard_match(pattern, value, case_sensitive=True)


def _bool(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


# Operator: (comparison of one policy value with one request value, negated?).
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_equals, False),
    "StringNotEquals": (_equals, True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "ArnEquals": (arn_match, False),
    "ArnLike": (arn_match, False),
    "ArnNotEquals": (arn_match, True),
    "ArnNotLike": (arn_match, True),
    "Bool": (_bool, False),
}


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, Any]) -> bool:
    if operator == "Null":
        # IAM user guide, "Condition operator to check existence of condition keys": true holds
        # when the key is absent from the request, false when it is present.
        present = key.lower() in {k.lower() for k in context}
        return any(present != (str(v).lower() == "true") for v in _as_list(expected))
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base not in _OPERATORS:
        raise UnsupportedPolicyError(f"condition operator {operator} is not supported")
    compare, negated = _OPERATORS[base]
    lowered = {k.lower(): v for k, v in context.items()}
    if key.lower() not in lowered:
        return if_exists or negated
    actual = [str(v) for v in _as_list(lowered[key.lower()])]
    patterns = [str(p).lower() if isinstance(p, bool) else str(p) for p in _as_list(expected)]
    matched = any(compare(p, v) for p in patterns for v in actual)
    return not matched if negated else matched


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    for element in ("Principal", "NotPrincipal"):
        if element in statement:
            raise UnsupportedPolicyError("resource-based policies (Principal) are not evaluated here")
    if "Action" in statement:
        if not action_matches(_as_list(statement["Action"]), request.action):
            return False
    elif not ("NotAction" in statement and not action_matches(_as_list(statement["NotAction"]), request.action)):
        return False
    if "Resource" in statement:
        if not resource_matches(_as_list(statement["Resource"]), request.resource):
            return False
    elif not (
        "NotResource" in statement and not resource_matches(_as_list(statement["NotResource"]), request.resource)
    ):
        return False
    for operator, keys in (statement.get("Condition") or {}).items():
        if operator.startswith(("ForAnyValue:", "ForAllValues:")):
            raise UnsupportedPolicyError(f"set operator {operator} is not supported")
        for key, expected in keys.items():
            if not _condition_holds(operator, key, expected, request.context):
                return False
    return True


def evaluate(policies: Iterable[Mapping[str, Any]], request: Request) -> Decision:
    """The decision of a principal's identity-based policies (no SCPs, boundaries, sessions)."""
    allowed = False
    for policy in policies:
        for statement in _as_list(policy.get("Statement", [])):
            if not statement_applies(statement, request):
                continue
            if statement["Effect"] == "Deny":
                return "ExplicitDeny"
            allowed = allowed or statement["Effect"] == "Allow"
    return "Allow" if allowed else "ImplicitDeny"


def allows(policies: Iterable[Mapping[str, Any]], request: Request) -> bool:
    return evaluate(policies, request) == "Allow"
