"""Physical names and tags: every name carries the stack, every resource the same tags."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from nexus.config.base import PROJECT
from nexus.config.environment import Settings


@dataclass(frozen=True)
class Naming:
    """Builds AWS physical names that contain the stack name and fit AWS length limits.

    Two stacks of one tier (`development`, `development-alice`) never collide because the
    stack name is always part of the name; when a name would be too long, the stack part is
    shortened and followed by a hash of the full stack name, which keeps it unique.
    """

    stack: str

    @property
    def prefix(self) -> str:
        return f"{PROJECT}-{self.stack}"

    def name(self, suffix: str = "", max_len: int = 63) -> str:
        tail = f"-{suffix}" if suffix else ""
        full = f"{self.prefix}{tail}"
        if len(full) <= max_len:
            return full
        digest = hashlib.sha256(self.stack.encode()).hexdigest()[:6]
        room = max_len - len(PROJECT) - len(tail) - len(digest) - 2
        if room < 1:
            raise ValueError(f"name suffix {suffix!r} leaves no room for the stack in {max_len} characters")
        short = self.stack[:room].rstrip("-")
        return f"{PROJECT}-{short}-{digest}{tail}"

    def path(self, *parts: str) -> str:
        """Hierarchical names (SSM parameters, secrets, log groups): /nexus/<stack>/..."""
        return "/".join(["", PROJECT, self.stack, *parts])

    @property
    def dns_zone(self) -> str:
        return f"{self.stack}.{PROJECT}.internal"


def default_tags(settings: Settings) -> dict[str, str]:
    """Tags every taggable AWS resource carries, applied through the provider's default tags."""
    return {
        **settings.extra_tags,  # the stack file's aws:defaultTags (validated: none of the keys below)
        "Project": PROJECT,
        "Application": settings.application.name,
        "Environment": settings.environment,
        "Stack": settings.stack,
        "ManagedBy": "pulumi",
    }
