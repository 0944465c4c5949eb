"""Pulumi ComponentResources that make up one NEXUS environment (one stack)."""
