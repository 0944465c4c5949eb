"""Entry point of the policy pack: `pulumi preview --policy-pack policy`."""

from nexus_policies import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="nexus-guardrails", policies=POLICIES)
