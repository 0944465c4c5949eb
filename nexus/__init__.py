"""Tooling of the NEXUS infrastructure: settings, offline plan, diff, checks and reports."""
