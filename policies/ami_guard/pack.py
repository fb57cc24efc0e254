"""The policy pack: its name and the policies in it."""

from __future__ import annotations

from typing import Final, TypedDict

from pulumi_policy import Policy

from .copy_encryption import COPY_ENCRYPTED
from .deprecation import DEPRECATION_REQUIRED
from .deregistration_protection import (
    DEREGISTRATION_PROTECTION,
    DEREGISTRATION_PROTECTION_APPLIED,
)
from .sharing import LAUNCH_PERMISSION_ALLOWED_TARGETS, NO_PUBLIC_LAUNCH_PERMISSION
from .snapshot_retention import SNAPSHOTS_KEPT_ON_DESTROY
from .values_known import POLICY_VALUES_KNOWN
from .volume_initialization import VOLUME_INITIALIZATION_RATE

__all__ = ["PACK_OPTIONS", "PackOptions"]


class PackOptions(TypedDict):
    """The keyword arguments of `pulumi_policy.PolicyPack` this pack sets."""

    name: str
    description: str
    policies: list[Policy]


PACK_OPTIONS: Final = PackOptions(
    name="ami-lifecycle-guard",
    description=(
        "Guards AMIs managed with ami-lifecycle: deregistration protection, EBS volume "
        "initialization rates, snapshots left behind, sharing, deprecation and encrypted copies."
    ),
    policies=[
        DEREGISTRATION_PROTECTION.policy(),
        DEREGISTRATION_PROTECTION_APPLIED,
        VOLUME_INITIALIZATION_RATE.policy(),
        SNAPSHOTS_KEPT_ON_DESTROY.policy(),
        NO_PUBLIC_LAUNCH_PERMISSION.policy(),
        LAUNCH_PERMISSION_ALLOWED_TARGETS.policy(),
        DEPRECATION_REQUIRED.policy(),
        COPY_ENCRYPTED.policy(),
        POLICY_VALUES_KNOWN,
    ],
)
"""`PolicyPack(**PACK_OPTIONS)` is the pack; the test harness builds its analyzer from the same."""
