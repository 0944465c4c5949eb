"""The one exception for bad input that is not a settings problem (paths, files, flags).

`python -m nexus` prints its message and exits with code 2, never a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the person at the keyboard: the message says what and how to fix it."""
