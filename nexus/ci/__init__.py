"""What bootstrap/ declares once per AWS account: the GitHub OIDC provider, the CI roles
(read-only preview, one deploy role per tier) and the optional state backend.

May import: the Pulumi SDK and providers, nexus.config, nexus.components (shared helpers) and
nexus.ci. Never plans, live or cli.
"""
