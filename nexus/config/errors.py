"""The one exception for bad input that is not a settings problem (paths, files, flags).

`python -m nexus` prints its message and exits with code 2, never a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the person at the keyboard: the message says what and how to fix it."""


# The exit codes every command shares (`python -m nexus --help` says what each means).
EXIT_FINDINGS = 1  # check's violations, compare's NOT READY, verify's failed checks
EXIT_INVALID = 2  # bad input: settings, paths, files, flags; one message, no traceback
EXIT_INTERNAL = 3  # a bug; NEXUS_DEBUG=1 shows its traceback
