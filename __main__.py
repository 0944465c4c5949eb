"""NEXUS Platform: one isolated environment per stack, every size and switch from the stack file.

Run with the Pulumi CLI (`pulumi up --stack staging`) or offline (`python -m nexus plan`).
"""

import pulumi

from nexus.components.environment import Environment
from nexus.components.runtime_config import current_settings

settings = current_settings()
environment = Environment("nexus", settings)
for key, value in environment.outputs.items():
    pulumi.export(key, value)
