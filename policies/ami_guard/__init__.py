"""CrossGuard policies for AMIs managed with ami-lifecycle and the pulumi-aws resources nearby.

One module per domain:

- `deregistration_protection`: `ami-deregistration-protection` and
  `ami-deregistration-protection-applied`
- `volume_initialization`: `ami-volume-initialization-rate`
- `snapshot_retention`: `ami-snapshots-kept-on-destroy`
- `sharing`: `ami-no-public-launch-permission` and `ami-launch-permission-allowed-targets`
- `deprecation`: `ami-deprecation-required`
- `copy_encryption`: `ami-copy-encrypted`
- `values_known`: `ami-policy-values-known`, the advisory note for values unknown during preview

`pack.PACK_OPTIONS` assembles them into the `ami-lifecycle-guard` pack.
"""

from .checks import Findings, ResourceCheck
from .config import DeprecationConfig, ExemptionConfig, LaunchTargetsConfig, ProtectionConfig
from .copy_encryption import COPY_ENCRYPTED
from .deprecation import DEPRECATION_REQUIRED, parse_deprecation_time
from .deregistration_protection import (
    DEREGISTRATION_PROTECTION,
    DEREGISTRATION_PROTECTION_APPLIED,
    ProtectionState,
    parse_protection_state,
)
from .errors import PolicyConfigError
from .pack import PACK_OPTIONS, PackOptions
from .property_values import PropertyValue, Unknown, resolve
from .resources import CheckedResource
from .sharing import LAUNCH_PERMISSION_ALLOWED_TARGETS, NO_PUBLIC_LAUNCH_PERMISSION
from .snapshot_retention import SNAPSHOTS_KEPT_ON_DESTROY
from .values_known import POLICY_VALUES_KNOWN
from .volume_initialization import VOLUME_INITIALIZATION_RATE

__all__ = [
    "COPY_ENCRYPTED",
    "DEPRECATION_REQUIRED",
    "DEREGISTRATION_PROTECTION",
    "DEREGISTRATION_PROTECTION_APPLIED",
    "LAUNCH_PERMISSION_ALLOWED_TARGETS",
    "NO_PUBLIC_LAUNCH_PERMISSION",
    "PACK_OPTIONS",
    "POLICY_VALUES_KNOWN",
    "SNAPSHOTS_KEPT_ON_DESTROY",
    "VOLUME_INITIALIZATION_RATE",
    "CheckedResource",
    "DeprecationConfig",
    "ExemptionConfig",
    "Findings",
    "LaunchTargetsConfig",
    "PackOptions",
    "PolicyConfigError",
    "PropertyValue",
    "ProtectionConfig",
    "ProtectionState",
    "ResourceCheck",
    "Unknown",
    "parse_deprecation_time",
    "parse_protection_state",
    "resolve",
]
