"""The one exception for bad input that is not a settings problem (paths, files, flags).

`python -m nexus` prints its message and exits with code 2, never a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the person at the keyboard: the message says what and how to fix it."""


class UnknownStackError(InputError):
    """A stack with no file: probably a typo of an existing stack (the nearest is suggested
    first), else a stack that should read another's file. The command line that fixes it names
    the command that was run (`python -m nexus` fills in `command` before printing)."""

    def __init__(self, stack: str, file_name: str, known: list[str], near: str | None) -> None:
        super().__init__(stack)
        self.stack, self.file_name, self.known, self.near = stack, file_name, known, near
        self.command: str = "plan"
        self.takes_config_from = True

    def __str__(self) -> str:
        known = ", ".join(self.known) or "none"
        message = f"no stack file {self.file_name} for stack {self.stack!r}"
        if self.near:
            message += f": did you mean {self.near!r}? (stack files here: {known})"
        else:
            message += f" (stack files here: {known})"
        if self.takes_config_from:
            message += (
                f"; a stack without a file of its own reads another's: "
                f"{self.command} --stack {self.stack} --config-from development"
            )
        return message


# The exit codes every command shares (`python -m nexus --help` says what each means).
EXIT_FINDINGS = 1  # check's violations, compare's NOT READY, verify's failed checks
EXIT_INVALID = 2  # bad input: settings, paths, files, flags; one message, no traceback
EXIT_INTERNAL = 3  # a bug; NEXUS_DEBUG=1 shows its traceback
