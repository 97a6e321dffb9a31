"""One error class for everything a user can get wrong."""

from __future__ import annotations


class LRPError(ValueError):
    """A user-facing error: bad input, an unknown option, a cap exceeded.

    The message is one line that names what was wrong and, where it helps,
    the valid options. Callers (CLI, pages) show it as it is and keep the
    previous valid state.
    """


def one_line(message: str) -> str:
    """Fold a message onto one line (for the CLI's stderr contract)."""
    return " ".join(str(message).split())
