"""The environment's ComponentResources (network, secrets, database, load balancer,
monitoring, audit trail, identity, published settings) and the helpers they share (bucket
controls, log groups, service trust policies). Components take typed settings as arguments;
only the program (`__main__.py`, through runtime_config) reads config.

May import: the Pulumi SDK and providers, nexus.config and nexus.components. Never ci, plans,
live or cli.
"""
