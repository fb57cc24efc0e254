"""moto's EC2 backend taught the 2025 AMI API (dev tool).

Why this exists: the project's AMI lifecycle code must be tested offline against AWS's
behaviour, and moto 5.2.5 drops RegisterImage's block device mappings, ignores
``DeleteAssociatedSnapshots``, has no deregistration protection, deprecation, block public
access, image references, ``LastLaunchedTime`` or Recycle Bin, copies AMIs across Regions
without their snapshots, and lets a disabled AMI be described, launched and shared. This
package extends moto
(see :mod:`ec2_emulator.patch` for the exact patch surface) following the AWS texts in
``/work/shared/seeds`` and the installed botocore model, and runs it in-process
(:class:`Ec2Emulator`) or as a local HTTP server (:class:`EmulatorServer`,
``python -m ec2_emulator``), whose endpoint can be cut off and its answers held back
(:mod:`ec2_emulator.network`). pytest fixtures: ``ec2_emulator.pytest_plugin``.
"""

from __future__ import annotations

from .client import ControlApiError, EmulatorControlClient
from .clock import Clock, FakeClock, SystemClock, format_aws_time
from .controls import EmulatorControls
from .emulator import Ec2Emulator
from .images import BACKUP_VAULT_ALIAS, COOLDOWN, EmulatedAmi, Protection
from .patch import install, is_installed, uninstall
from .seeds import DEFAULT_FOREIGN_ACCOUNT_ID
from .server import EmulatorServer
from .state import SNAPSHOT_FAILURE_CODES, EmulatorSettings, ImageFailure, RecordedRequest

__all__ = [
    "BACKUP_VAULT_ALIAS",
    "COOLDOWN",
    "DEFAULT_FOREIGN_ACCOUNT_ID",
    "SNAPSHOT_FAILURE_CODES",
    "Clock",
    "ControlApiError",
    "Ec2Emulator",
    "EmulatedAmi",
    "EmulatorControlClient",
    "EmulatorControls",
    "EmulatorServer",
    "EmulatorSettings",
    "FakeClock",
    "ImageFailure",
    "Protection",
    "RecordedRequest",
    "SystemClock",
    "format_aws_time",
    "install",
    "is_installed",
    "uninstall",
]
