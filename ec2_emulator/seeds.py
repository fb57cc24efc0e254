"""Seeding images the API can't create.

Why this exists: seed 002 says you can't deregister an AMI another account owns, nor one managed
by AWS Backup. Neither kind can be made through the EC2 API of the caller's own account, so the
emulator plants them directly into moto's backends.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from moto.ec2.utils import random_ami_id

from .images import BACKUP_VAULT_ALIAS, EmulatedAmi, set_deprecation
from .state import active_state

__all__ = ["DEFAULT_FOREIGN_ACCOUNT_ID", "seed_backup_image", "seed_foreign_image"]

#: The owner of :func:`seed_foreign_image` images unless told otherwise.
DEFAULT_FOREIGN_ACCOUNT_ID = "111122223333"


def _ec2_backend(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def _root_snapshot(backend: Any, region: str, size: int, description: str) -> Any:
    volume = backend.create_volume(size=size, zone_name=f"{region}a", volume_type="gp3")
    snapshot = backend.create_snapshot(volume.id, description)
    backend.delete_volume(volume.id)
    return snapshot


def _root_mapping(snapshot: Any, size: int) -> list[dict[str, Any]]:
    return [
        {
            "DeviceName": "/dev/xvda",
            "Ebs": {
                "DeleteOnTermination": True,
                "Iops": 3000,
                "SnapshotId": snapshot.id,
                "VolumeSize": size,
                "VolumeType": "gp3",
                "Encrypted": bool(snapshot.encrypted),
            },
        }
    ]


def _plant(
    backend: Any,
    *,
    name: str,
    mappings: list[dict[str, Any]],
    owner_id: str | None = None,
    owner_alias: str | None = None,
    launch_permissions: list[dict[str, str]] | None = None,
) -> str:
    now = active_state().clock.now()
    image = EmulatedAmi(
        backend,
        random_ami_id(),
        name=name,
        created_at=now,
        ready_at=now,
        mappings=mappings,
        owner_id=owner_id,
        owner_alias=owner_alias,
        architecture="x86_64",
        virtualization_type="hvm",
        root_device_name="/dev/xvda",
        boot_mode="uefi-preferred",
        ena_support=True,
        launch_permissions=launch_permissions or [],
    )
    backend.amis[image.id] = image
    return str(image.id)


def seed_foreign_image(
    *,
    account_id: str,
    region: str,
    owner_id: str = DEFAULT_FOREIGN_ACCOUNT_ID,
    name: str | None = None,
    public: bool = False,
    deprecate_at: datetime | None = None,
    volume_size: int = 8,
) -> str:
    """An available image owned by ``owner_id`` and visible to ``account_id`` (shared with it
    by launch permission, or public). Its snapshot lives in the owner's account. With
    ``deprecate_at`` its owner deprecated it (EnableImageDeprecation), deprecated from then on."""
    if owner_id == account_id:
        raise ValueError("a foreign image needs an owner other than the caller's account")
    owner_backend = _ec2_backend(owner_id, region)
    snapshot = _root_snapshot(owner_backend, region, volume_size, "seeded foreign root volume")
    permission = {"Group": "all"} if public else {"UserId": account_id}
    backend = _ec2_backend(account_id, region)
    image_id = _plant(
        backend,
        name=name or f"foreign-image-{secrets.token_hex(4)}",
        mappings=_root_mapping(snapshot, volume_size),
        owner_id=owner_id,
        launch_permissions=[permission],
    )
    if deprecate_at is not None:
        if deprecate_at.tzinfo is None:
            raise ValueError("deprecate_at must be timezone-aware")
        set_deprecation(backend.amis[image_id], deprecate_at.astimezone(UTC))
    return image_id


def seed_backup_image(
    *, account_id: str, region: str, name: str | None = None, volume_size: int = 8
) -> str:
    """An available image in ``account_id`` managed by AWS Backup (``ImageOwnerAlias``
    ``aws-backup-vault``), with a root snapshot in the same account."""
    backend = _ec2_backend(account_id, region)
    snapshot = _root_snapshot(
        backend, region, volume_size, "This snapshot is created by the AWS Backup service."
    )
    return _plant(
        backend,
        name=name or f"AwsBackup_{secrets.token_hex(4)}",
        mappings=_root_mapping(snapshot, volume_size),
        owner_alias=BACKUP_VAULT_ALIAS,
    )
