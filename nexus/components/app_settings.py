"""AppSettings: the stack file's application settings, published where services read them."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from nexus.config.naming import Naming


@dataclass(frozen=True)
class AppSettingsArgs:
    naming: Naming
    # Parameter name (below /nexus/<stack>/) to value; plain values are not secret.
    values: dict[str, pulumi.Input[str]]
    # Names whose values are sensitive: stored as SecureString with the environment's key.
    sensitive: frozenset[str]
    kms_key_arn: pulumi.Input[str]


class AppSettings(pulumi.ComponentResource):
    """SSM parameters under /nexus/<stack>/: how the running platform reads its environment's
    single source of truth (log level, limits, feature switches, database endpoint, ...).

    Outputs: `path` (the parameter path prefix), `parameter_names`.
    """

    def __init__(self, name: str, args: AppSettingsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:config:AppSettings", name, None, opts)
        self.path = args.naming.path("")
        names = []
        for key, value in sorted(args.values.items()):
            secure = key in args.sensitive
            param = aws.ssm.Parameter(
                key.replace("/", "-"),
                name=args.naming.path(*key.split("/")),
                type="SecureString" if secure else "String",
                key_id=args.kms_key_arn if secure else None,
                value=value,
                opts=pulumi.ResourceOptions(parent=self),
            )
            names.append(param.name)
        self.register_outputs({"path": self.path, "parameter_names": names})
