"""What the environment and bootstrap schemas share: the project names, the frozen model
base, stack-name and CIDR validators, and decoding a value as the Pulumi CLI passes it."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo

PROJECT = "nexus"


# Stack names may start with a digit: every AWS name we build starts with "nexus-" (Naming),
# which satisfies the rules that want a leading letter (RDS identifiers, parameter groups).
_STACK_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


MAX_STACK_NAME = 40


def valid_stack_name(value: str) -> str:
    """Stack names become part of S3 bucket, RDS and ALB names: lowercase letters, digits and
    single hyphens only (S3 bucket naming rules; RDS identifiers refuse "--")."""
    if len(value) > MAX_STACK_NAME or not _STACK_NAME.match(value):
        raise ValueError(
            f"{value!r}: stack names must be lowercase letters, digits and single hyphens "
            f"(not at either end), at most {MAX_STACK_NAME} characters"
        )
    return value


class FrozenModel(BaseModel):
    # No NaN or infinity anywhere: AWS APIs take finite numbers, and Pulumi cannot send .inf.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def allowed(text: str) -> JsonDict:
    """The "allowed" column of the settings reference (docs/settings.md) for a rule that a
    validator enforces rather than a Field constraint; written from the limit tables."""
    return {"allowed": text}


def leaf_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], FieldInfo]]:
    """Every setting of `model` as (path, field), nested models walked into: the one walk over
    the schema that the settings reference, the day-two table's defaults and their tests share."""
    for name, field in model.model_fields.items():
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            yield from leaf_fields(nested, (*prefix, name))
        else:
            yield (*prefix, name), field


def ipv4_cidr(value: str) -> ipaddress.IPv4Network:
    """An IPv4 network written exactly as AWS wants it: a.b.c.d/n, no host bits, no netmask form."""
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4 network in CIDR form ({exc})") from None
    if "/" not in value:
        # EC2 takes CIDR notation only (AuthorizeSecurityGroupIngress CidrIp, CreateVpc CidrBlock).
        raise ValueError(f"{value!r} has no prefix length; write {net} for this one address")
    if str(net) != value:
        raise ValueError(f"{value!r} is not in canonical CIDR notation; write {net}")
    return net


def one_of(value: int, allowed: tuple[int, ...], rule: str) -> int:
    if value not in allowed:
        raise ValueError(f"{value} is not allowed; {rule}: {', '.join(map(str, allowed))}")
    return value


def duplicates(values: tuple[str, ...]) -> list[str]:
    return sorted({v for v in values if values.count(v) > 1})


def decode_cli_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # a plain string such as "production"


BOOTSTRAP_PROJECT = "nexus-bootstrap"
