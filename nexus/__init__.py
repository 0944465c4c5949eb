"""The NEXUS infrastructure as one installed package, in layers; each may import only the
layers under it (tests/test_layers.py reads every import and holds them to this):

    cli         the commands of `python -m nexus` / `nexus` (one module each, a lazy registry)
    live        what talks to a deployed environment (boto3): verify
    plans       the offline runtime, the plan document, policy rules, ForceNew table, pricing
    ci          what bootstrap/ declares: GitHub OIDC provider, CI roles, state backend
    components  the environment's Pulumi ComponentResources
    config      settings models, AWS limit tables, messages, stack files (no Pulumi SDK)

`plans` and `live` sit beside `components` and `ci`, not on them: the offline runtime runs the
Pulumi programs (__main__.py, bootstrap/__main__.py) by path, never by import.
"""
