"""Errors the policy pack raises.

    PolicyConfigError    the pack configuration (`--policy-pack-config`) is malformed

The engine validates pack configuration against each policy's JSON schema before the first
resource is analyzed, so a `PolicyConfigError` means the configuration reached the pack some
other way (an older CLI, a hand-written Configure call); it aborts the preview rather than guess.
"""

from __future__ import annotations

__all__ = ["PolicyConfigError"]


class PolicyConfigError(ValueError):
    """A policy's configuration has a property of the wrong shape.

    The message names the policy and the property; fix the JSON file passed to
    `pulumi preview --policy-pack-config` (see policies/README.md for the format).
    """
