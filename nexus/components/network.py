"""Network: the environment's isolated VPC, its three subnet tiers, NAT, flow logs and DNS."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from nexus.components.iam import service_assume_role_policy
from nexus.components.logs import log_group
from nexus.config.naming import Naming

TIERS = ("public", "private", "data")
# Each VPC is cut into 16 equal blocks: 4 tiers (the 4th spare) x 4 zone slots.
ZONE_SLOTS = 4


def subnet_plan(cidr: str, zones: int) -> dict[str, list[str]]:
    """Subnet CIDRs per tier, a pure function of the VPC CIDR: the same input always yields
    the same subnets, so adding a zone never renumbers an existing subnet."""
    blocks = list(ipaddress.IPv4Network(cidr).subnets(new_prefix=ipaddress.IPv4Network(cidr).prefixlen + 4))
    return {tier: [str(blocks[t * ZONE_SLOTS + z]) for z in range(zones)] for t, tier in enumerate(TIERS)}


@dataclass(frozen=True)
class NetworkArgs:
    naming: Naming
    region: str
    cidr: str
    # Zone IDs (use1-az1): subnets are placed by ID and named after it, so each zone's
    # resources keep their names whatever else is added or removed.
    availability_zones: list[str]
    nat_gateways: Literal["none", "single", "one_per_az"]
    flow_logs: bool
    flow_logs_traffic_type: str
    log_retention_days: int
    kms_key_arn: pulumi.Input[str]
    force_destroy: bool


class Network(pulumi.ComponentResource):
    """One VPC per stack with public (load balancer), private (application) and isolated data
    subnets in each zone.

    Outputs: `vpc_id`, `public_subnet_ids`, `private_subnet_ids`, `data_subnet_ids`,
    `app_security_group_id` (the tier the load balancer forwards to and the only one the
    database admits), `zone_id` and `zone_name` (private DNS of the environment).
    `internet_gateway` and `public_default_route`: what an internet-facing load balancer
    must wait for.
    """

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:network:Network", name, None, opts)
        naming, child = args.naming, pulumi.ResourceOptions(parent=self)
        plan = subnet_plan(args.cidr, len(args.availability_zones))

        self.vpc = aws.ec2.Vpc(
            "vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": naming.name("vpc")},
            opts=child,
        )
        # The default security group admits all traffic between its members: strip it so
        # nothing can use it by accident (CIS AWS Foundations 5.4).
        aws.ec2.DefaultSecurityGroup("default-sg", vpc_id=self.vpc.id, ingress=[], egress=[], opts=child)

        # With vpc_id set, the provider attaches the gateway inside its create and waits for
        # the attachment (terraform-provider-aws internal/service/ec2/vpc_internet_gateway.go,
        # resourceInternetGatewayCreate -> attachInternetGateway): "created" means attached.
        igw = aws.ec2.InternetGateway("igw", vpc_id=self.vpc.id, tags={"Name": naming.name("igw")}, opts=child)
        self.internet_gateway = igw

        subnets: dict[str, list[aws.ec2.Subnet]] = {tier: [] for tier in TIERS}
        for tier in TIERS:
            for az, cidr in zip(args.availability_zones, plan[tier], strict=True):
                subnets[tier].append(
                    aws.ec2.Subnet(
                        f"{tier}-{az}",
                        vpc_id=self.vpc.id,
                        cidr_block=cidr,
                        availability_zone_id=az,
                        map_public_ip_on_launch=False,
                        tags={"Name": naming.name(f"{tier}-{az}"), "Tier": tier},
                        opts=child,
                    )
                )

        public_rt = aws.ec2.RouteTable(
            "public-rt", vpc_id=self.vpc.id, tags={"Name": naming.name("public")}, opts=child
        )
        self.public_default_route = aws.ec2.Route(
            "public-default", route_table_id=public_rt.id, destination_cidr_block="0.0.0.0/0", gateway_id=igw.id,
            opts=child,
        )  # fmt: skip
        for az, subnet in zip(args.availability_zones, subnets["public"], strict=True):
            aws.ec2.RouteTableAssociation(f"public-{az}", subnet_id=subnet.id, route_table_id=public_rt.id, opts=child)

        # NAT: none (no egress), single (cheap, one zone's failure cuts egress) or one per zone.
        # Named after their zone, like the subnets: removing a zone never renames another's.
        nat_count = {"none": 0, "single": 1, "one_per_az": len(args.availability_zones)}[args.nat_gateways]
        private_rts: list[aws.ec2.RouteTable] = []
        for i in range(max(nat_count, 1)):
            az = args.availability_zones[i]
            rt = aws.ec2.RouteTable(f"private-rt-{az}", vpc_id=self.vpc.id,
                                    tags={"Name": naming.name(f"private-{az}")}, opts=child)  # fmt: skip
            if i < nat_count:
                eip = aws.ec2.Eip(f"nat-eip-{az}", domain="vpc", tags={"Name": naming.name(f"nat-{az}")}, opts=child)
                nat = aws.ec2.NatGateway(
                    f"nat-{az}",
                    allocation_id=eip.id,
                    subnet_id=subnets["public"][i].id,
                    tags={"Name": naming.name(f"nat-{az}")},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
                aws.ec2.Route(f"private-default-{az}", route_table_id=rt.id, destination_cidr_block="0.0.0.0/0",
                              nat_gateway_id=nat.id, opts=child)  # fmt: skip
            private_rts.append(rt)
        for i, (az, subnet) in enumerate(zip(args.availability_zones, subnets["private"], strict=True)):
            aws.ec2.RouteTableAssociation(f"private-{az}", subnet_id=subnet.id,
                                          route_table_id=private_rts[i % len(private_rts)].id, opts=child)  # fmt: skip

        # The data tier has a route table with the local route only: no internet, no NAT.
        data_rt = aws.ec2.RouteTable("data-rt", vpc_id=self.vpc.id, tags={"Name": naming.name("data")}, opts=child)
        for az, subnet in zip(args.availability_zones, subnets["data"], strict=True):
            aws.ec2.RouteTableAssociation(f"data-{az}", subnet_id=subnet.id, route_table_id=data_rt.id, opts=child)

        # S3 gateway endpoints cost nothing and keep S3 traffic off the NAT gateways.
        aws.ec2.VpcEndpoint(
            "s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in private_rts],
            tags={"Name": naming.name("s3")},
            opts=child,
        )

        # Log groups of this component (`nexus verify` checks their retention and tags).
        self.log_groups: list[aws.cloudwatch.LogGroup] = []
        if args.flow_logs:
            self._flow_logs(args)

        # The application tier's group. Its rules are added by the tiers around it (the load
        # balancer admits it traffic, the database lets it connect), so each rule sits beside
        # the resource it serves.
        self.app_security_group = aws.ec2.SecurityGroup(
            "app-sg",
            name=naming.name("app"),
            description=f"NEXUS {naming.stack} application tier",
            vpc_id=self.vpc.id,
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            "app-to-aws-apis",
            security_group_id=self.app_security_group.id,
            description="HTTPS to AWS APIs (Secrets Manager, SSM) and the internet through NAT",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
            opts=child,
        )

        # Private DNS of the environment: services reach each other by name (db.<zone>).
        self.zone = aws.route53.Zone(
            "zone",
            name=naming.dns_zone,
            comment=f"NEXUS {naming.stack} private names",
            vpcs=[aws.route53.ZoneVpcArgs(vpc_id=self.vpc.id)],
            force_destroy=args.force_destroy,
            opts=child,
        )

        self.vpc_id = self.vpc.id
        self.public_subnet_ids = [s.id for s in subnets["public"]]
        self.private_subnet_ids = [s.id for s in subnets["private"]]
        self.data_subnet_ids = [s.id for s in subnets["data"]]
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "data_subnet_ids": self.data_subnet_ids,
                "app_security_group_id": self.app_security_group.id,
                "zone_id": self.zone.zone_id,
            }
        )

    def _flow_logs(self, args: NetworkArgs) -> None:
        naming, child = args.naming, pulumi.ResourceOptions(parent=self)
        group = log_group(
            "flow-logs",
            name=naming.path("vpc-flow-logs"),
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            opts=child,
        )
        self.log_groups.append(group)
        role = aws.iam.Role(
            "flow-logs-role",
            name=naming.name("flow-logs", max_len=64),
            assume_role_policy=service_assume_role_policy("vpc-flow-logs.amazonaws.com"),
            opts=child,
        )
        # Least privilege: write to this one log group only.
        write = aws.iam.RolePolicy(
            "flow-logs-write",
            role=role.id,
            policy=group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogGroups",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [arn, f"{arn}:*"],
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type=args.flow_logs_traffic_type,
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags={"Name": naming.name("flow-log")},
            # The role is useless to the flow log until its policy exists: without this edge
            # the first deliveries fail ("access error" status) and nothing logs until fixed.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[write]),
        )
