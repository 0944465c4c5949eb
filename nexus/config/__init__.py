"""Settings: the environment and bootstrap schemas (pydantic models), the AWS limit tables
they check against (each with its source), the one-line messages of a bad setting, reading
stack files the way the Pulumi CLI does, and what follows from the settings alone (physical
names and tags, the published settings), what a change of each setting does on AWS (the
day-two table), and the reference pages generated from them (docs/settings.md and
docs/day-two.md, `make docs`).

May import: the standard library, pydantic (with annotated_types and pydantic_core, which it
brings), PyYAML and nexus.config. Never the Pulumi SDK or
a provider (a bad setting is refused in well under a second), nor any other nexus package.
"""
