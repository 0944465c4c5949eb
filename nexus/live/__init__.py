"""What reads a deployed environment through AWS's APIs (boto3): `nexus verify`'s checks.
The only package that calls AWS.

May import: boto3, nexus.config and nexus.live. Never components, ci, plans or cli.
"""
