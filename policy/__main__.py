"""Entry point of the policy pack: `pulumi preview --policy-pack policy`."""

from pulumi_policy import PolicyPack

from nexus.plans.policy_pack import POLICIES

PolicyPack(name="nexus-guardrails", policies=POLICIES)
