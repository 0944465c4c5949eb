"""The policy pack (`pulumi preview --policy-pack policy`): its rules live in nexus.plans."""
