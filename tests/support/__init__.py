"""What the tests share, in one place: test modules import from here, never from one another
or from conftest.py (tests/test_layers.py holds them to that).

    plans                the session's offline plans (each stack planned once per process) and
                         readers of a recorded plan
    bootstrap            bootstrap/'s plan, once per process, and readers of its roles
    policy               a violating case per policy rule, and the pack run as the analyzer runs it
    projects             copies of the Pulumi project in a temporary directory, to break
    cli                  `python -m nexus` in process, and files that are not what they claim
    settings             the committed settings as data, changed and validated
    aws_limits           AWS's limits, checked on what a plan declares
    settings_strategies  Hypothesis strategies for whole stack files
    emulated             the environment of a plan, built in moto
    docs                 README.md and docs/*.md as data: anchors, links, paths, the commands they show
"""
