"""Offline plans: the runtime that runs a Pulumi program under the SDK's mocks, the one plan
document every tool reads and writes (model), the policy rules that `nexus check` and the
policy pack share, the ForceNew table, the IAM policy evaluator and pricing.

May import: the Pulumi SDK (offline runtime), pulumi-policy (policy_pack only), nexus.config
and nexus.plans. Never components or ci (the programs are run by path), live or cli.
"""
