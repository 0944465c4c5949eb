"""bootstrap/: a Pulumi project of its own (run once per AWS account); a package only so that type checkers tell its __main__ from the main program's."""
