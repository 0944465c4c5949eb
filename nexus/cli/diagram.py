"""`nexus diagram`: a Mermaid flowchart of one environment, drawn from its offline plan."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from nexus.cli.output_paths import check_output


def diagram_from_plan(plan: dict[str, Any]) -> str:
    s, stack = plan["settings"], plan["stack"]
    count = Counter(r["type"] for r in plan["resources"] if r.get("custom"))
    listeners = sorted(
        {r["inputs"].get("protocol") for r in plan["resources"] if r["type"] == "aws:lb/listener:Listener"}
    )
    zones, nat = len(s["network"]["availability_zones"]), count["aws:ec2/natGateway:NatGateway"]
    db, lb, limits = s["database"], s["load_balancer"], s["limits"]
    entry = "HTTPS 443 (80 redirects)" if "HTTPS" in listeners else "HTTP 80"
    alarms = count["aws:cloudwatch/metricAlarm:MetricAlarm"]
    lines = [
        "```mermaid",
        "flowchart LR",
        "  users((Internet))",
        f'  users -->|"{entry}"| waf["WAF web ACL<br/>{limits["max_requests_per_minute"]} req/min per IP<br/>AWS managed rules"]',
        f'  subgraph vpc["VPC {s["network"]["cidr"]} ({stack})<br/>zones {", ".join(s["network"]["availability_zones"])}"]',
        f'    subgraph public["public subnets x{zones}"]',
        f'      alb["Application Load Balancer<br/>{" + ".join(listeners)}"]',
        *([f'      nat["NAT gateway x{nat}"]'] if nat else []),
        "    end",
        f'    subgraph private["private subnets x{zones}"]',
        '      app["application tier<br/>(app security group)"]',
        "    end",
        f'    subgraph data["isolated data subnets x{zones}"]',
        f'      db[("RDS PostgreSQL {db["engine_version"]}<br/>{db["instance_class"]}'
        f'{", Multi-AZ" if db["multi_az"] else ""}")]',
        "    end",
        f'    dns["private zone {stack}.nexus.internal"]',
        "  end",
        "  waf --> alb",
        f'  alb -->|"HTTP {lb["app_port"]}"| app',
        f'  app -->|"PostgreSQL {db["port"]}"| db',
        *(["  app --> nat --> users"] if nat else []),
        f'  dns -. "db.{stack}.nexus.internal" .-> db',
        '  subgraph secrets["secrets store"]',
        f'    kms{{{{"KMS key alias/nexus-{stack}"}}}}',
        '    sm["Secrets Manager<br/>DB credentials (RDS-managed), session key"]',
        f'    ssm["SSM parameters /nexus/{stack}/"]',
        "  end",
        "  kms -. encrypts .-> db",
        "  kms -. encrypts .-> sm",
        "  app -. reads .-> ssm",
        "  app -. reads .-> sm",
        "  subgraph observability",
        f'    logs["CloudWatch Logs x{count["aws:cloudwatch/logGroup:LogGroup"]}<br/>'
        f'{s["monitoring"]["metrics_retention_days"]} days, KMS"]',
        f'    alarms["{alarms} alarms"] --> sns["SNS topic (KMS)"]',
        *([f'    dash["dashboard nexus-{stack}"]'] if count["aws:cloudwatch/dashboard:Dashboard"] else []),
        "  end",
        '  alb -. "access logs" .-> s3[("S3 access logs")]',
        '  vpc -. "flow logs" .-> logs',
        "  waf -. logs .-> logs",
        "  db -. logs .-> logs",
        "  alarms -. watch .-> alb",
        "  alarms -. watch .-> db",
        *(['  db -. "RDS events" .-> sns'] if count["aws:rds/eventSubscription:EventSubscription"] else []),
        "```",
    ]
    return "\n".join(lines) + "\n"


def diagram_for_stack(stack: str) -> str:
    from nexus.plans.model import plan_json

    return diagram_from_plan(plan_json(stack))


def configure(diagram: argparse.ArgumentParser) -> None:
    diagram.add_argument("--stack", required=True)
    diagram.add_argument("--output", type=Path, help="write here instead of standard output")


def run(args: argparse.Namespace) -> int:
    check_output("--output", args.output, example="diagram.md")
    text = diagram_for_stack(args.stack)
    if args.output:
        args.output.write_text(text)
    else:
        print(text, end="")
    return 0
