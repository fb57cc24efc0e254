"""Values the other policies can't check yet (`ami-policy-values-known`).

During `pulumi preview`, a property computed from another resource is unknown. The policy that
needs it skips it (it can't tell right from wrong), and this advisory policy says so, naming the
property and the policy. Nothing passes silently, and nothing blocks on a value nobody can see
yet: `pulumi up` analyzes each resource again with its inputs resolved, and the owning policy
then enforces at its own level.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .checks import ResourceCheck
from .copy_encryption import COPY_ENCRYPTED
from .deprecation import DEPRECATION_REQUIRED
from .deregistration_protection import DEREGISTRATION_PROTECTION
from .resources import CheckedResource
from .sharing import LAUNCH_PERMISSION_ALLOWED_TARGETS, NO_PUBLIC_LAUNCH_PERMISSION
from .snapshot_retention import SNAPSHOTS_KEPT_ON_DESTROY
from .volume_initialization import VOLUME_INITIALIZATION_RATE

__all__ = ["POLICY_VALUES_KNOWN", "values_known_policy"]


def values_known_policy(checks: Sequence[ResourceCheck[Any]]) -> ResourceValidationPolicy:
    """The advisory policy reporting, for each check, the values it has to wait for."""
    resource_types = frozenset().union(*(check.resource_types for check in checks))

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in resource_types:
            return
        resource = CheckedResource.from_validation_args(args)
        for check in checks:
            if not check.applies_to(resource):
                continue
            # The checks run unconfigured here: this policy can't see their configuration, and
            # which values a check reads doesn't depend on it.
            for path in check.evaluate_with_defaults(resource).unknown_paths:
                report_violation(
                    f"{path} must be known for {check.name} to check it; the check will run "
                    "when the value is known, during `pulumi up`.",
                    None,
                )

    return ResourceValidationPolicy(
        name="ami-policy-values-known",
        description=(
            "Checks whether the values the AMI policies check are known during preview, and "
            "names the checks that wait for `pulumi up` because a value isn't."
        ),
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY,
    )


POLICY_VALUES_KNOWN: Final = values_known_policy(
    [
        DEREGISTRATION_PROTECTION,
        VOLUME_INITIALIZATION_RATE,
        SNAPSHOTS_KEPT_ON_DESTROY,
        NO_PUBLIC_LAUNCH_PERMISSION,
        LAUNCH_PERMISSION_ALLOWED_TARGETS,
        DEPRECATION_REQUIRED,
        COPY_ENCRYPTED,
    ]
)
