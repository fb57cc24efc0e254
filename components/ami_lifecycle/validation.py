"""Input rules for an image, applied before any AWS call.

Every rule comes from the AWS texts (`shared/seeds/`) or the installed botocore model, and every
refusal names the property path (`blockDeviceMappings[1].ebs.iops`) and says what to do. The
rules run twice: in the component, on whatever is already known when the program runs, and in
the provider's `check`, which is what `pulumi preview` calls. Values not known yet (computed from
other resources during a preview) are skipped, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from . import limits
from .errors import InputProblem
from .protection import Protection

__all__ = ["is_unknown", "validate_image_props", "validate_snapshot_props"]

_PROTECTION_VALUES = ", ".join(f'"{p.value}"' for p in Protection)
_SOURCE_FIELDS = {
    "fromSnapshots": {
        "rootDeviceName",
        "architecture",
        "bootMode",
        "virtualizationType",
        "enaSupport",
        "tpmSupport",
        "imdsSupport",
        "uefiData",
        "sriovNetSupport",
        "kernelId",
        "ramdiskId",
        "billingProducts",
    },
    "fromInstance": {"instanceId", "noReboot"},
}
_EBS_FIELDS = {
    "snapshotId",
    "volumeId",
    "volumeSize",
    "volumeType",
    "iops",
    "throughput",
    "deleteOnTermination",
    "encrypted",
    "kmsKeyId",
    "outpostArn",
    "volumeInitializationRate",
}
_MAPPING_FIELDS = {"deviceName", "ebs", "noDevice", "virtualName"}


def is_unknown(value: Any) -> bool:
    """A value Pulumi doesn't know yet (computed from another resource during a preview)."""
    return isinstance(value, str) and value == UNKNOWN


def _given(value: Any) -> bool:
    return value is not None


class _Problems:
    def __init__(self) -> None:
        self.found: list[InputProblem] = []

    def add(self, prop: str, reason: str) -> None:
        self.found.append(InputProblem(prop, reason))

    def whole_number(self, prop: str, value: Any) -> int | None:
        """The value as an int, or None (after reporting) when it isn't a whole number."""
        if value is None or is_unknown(value):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(prop, f"must be a whole number, got {value!r}.")
            return None
        if isinstance(value, float) and not value.is_integer():
            self.add(prop, f"must be a whole number, got {value!r}.")
            return None
        return int(value)

    def in_range(self, prop: str, value: int | None, allowed: limits.Range, unit: str) -> None:
        if value is not None and value not in allowed:
            self.add(
                prop,
                f"must be {allowed} {unit}, got {value:,} (source: {allowed.source}).",
            )

    def one_of(self, prop: str, value: Any, allowed: frozenset[str]) -> None:
        if _given(value) and not is_unknown(value) and value not in allowed:
            choices = ", ".join(sorted(allowed))
            self.add(prop, f"must be one of {choices}; got {value!r}.")

    def unexpected(self, prop: str, value: Mapping[str, Any], known: set[str]) -> None:
        for key in sorted(set(value) - known):
            self.add(f"{prop}.{key}", "is not a known property; check the spelling.")


def validate_image_props(
    props: Mapping[str, Any], *, volumes_snapshotted: bool = False
) -> list[InputProblem]:
    """Every rule for an image's property bag; an empty list means the inputs are acceptable.

    `volumes_snapshotted`: the bag is a dynamic `Image`'s, where the component has already added
    a `snapshotId` beside each `volumeId` it snapshotted.
    """
    problems = _Problems()
    _check_name(problems, props.get("imageName"))
    _check_protection(problems, props.get("deregistrationProtection"))
    _check_tags(problems, "tags", props.get("tags"))
    from_instance = _check_source(problems, props)
    _check_mappings(problems, props, from_instance, volumes_snapshotted)
    return problems.found


def validate_snapshot_props(props: Mapping[str, Any]) -> list[InputProblem]:
    """Rules for a `VolumeSnapshot`'s property bag."""
    problems = _Problems()
    volume_id = props.get("volumeId")
    if not volume_id:
        problems.add("volumeId", "is required: name the EBS volume to snapshot (vol-…).")
    elif not is_unknown(volume_id) and not str(volume_id).startswith("vol-"):
        problems.add("volumeId", f"must be an EBS volume id (vol-…), got {volume_id!r}.")
    _check_tags(problems, "tags", props.get("tags"))
    return problems.found


def _check_name(problems: _Problems, name: Any) -> None:
    if name is None:
        problems.add("imageName", "is required: every AMI needs a name, unique in its Region.")
        return
    if is_unknown(name):
        return
    text = str(name)
    if len(text) not in limits.IMAGE_NAME_LENGTH:
        problems.add(
            "imageName",
            f"must be {limits.IMAGE_NAME_LENGTH} characters long, got {len(text)} ({text!r}).",
        )
    if not limits.IMAGE_NAME_PATTERN.fullmatch(text):
        bad = sorted({c for c in text if not limits.IMAGE_NAME_PATTERN.fullmatch(c)})
        problems.add(
            "imageName",
            f"may contain only letters, digits, spaces and ( ) [ ] . / - ' @ _; "
            f"remove {''.join(bad)!r}.",
        )


def _check_protection(problems: _Problems, value: Any) -> None:
    if value is None or is_unknown(value):
        return
    if value not in {p.value for p in Protection}:
        problems.add(
            "deregistrationProtection", f"must be one of {_PROTECTION_VALUES}; got {value!r}."
        )


def _check_tags(problems: _Problems, prop: str, tags: Any) -> None:
    if tags is None or is_unknown(tags):
        return
    if not isinstance(tags, Mapping):
        problems.add(prop, "must be a map of tag keys to values.")
        return
    for key, value in tags.items():
        if is_unknown(key) or is_unknown(value):
            continue
        if str(key).lower().startswith("aws:"):
            problems.add(f"{prop}.{key}", "tag keys may not begin with 'aws:' (AWS reserves it).")
        if len(str(key)) > limits.TAG_KEY_MAX:
            problems.add(f"{prop}.{key}", f"tag keys are at most {limits.TAG_KEY_MAX} characters.")
        if len(str(value)) > limits.TAG_VALUE_MAX:
            problems.add(
                f"{prop}.{key}", f"tag values are at most {limits.TAG_VALUE_MAX} characters."
            )


def _check_source(problems: _Problems, props: Mapping[str, Any]) -> bool:
    """Check the one source; return whether it is `fromInstance`."""
    snapshots, instance = props.get("fromSnapshots"), props.get("fromInstance")
    if (snapshots is None) == (instance is None):
        which = "both are" if snapshots is not None else "neither is"
        problems.add(
            "fromSnapshots",
            f"set exactly one of fromSnapshots (RegisterImage) or fromInstance (CreateImage); "
            f"{which} set.",
        )
        return instance is not None and snapshots is None
    if instance is not None:
        if not isinstance(instance, Mapping):
            problems.add("fromInstance", "must be an object with instanceId and noReboot.")
            return True
        problems.unexpected("fromInstance", instance, _SOURCE_FIELDS["fromInstance"])
        instance_id = instance.get("instanceId")
        if not instance_id:
            problems.add("fromInstance.instanceId", "is required: name the instance (i-…).")
        elif not is_unknown(instance_id) and not str(instance_id).startswith("i-"):
            problems.add(
                "fromInstance.instanceId", f"must be an instance id (i-…), got {instance_id!r}."
            )
        return True
    if not isinstance(snapshots, Mapping):
        problems.add("fromSnapshots", "must be an object; rootDeviceName is required.")
        return False
    problems.unexpected("fromSnapshots", snapshots, _SOURCE_FIELDS["fromSnapshots"])
    if not snapshots.get("rootDeviceName"):
        problems.add(
            "fromSnapshots.rootDeviceName",
            "is required for an image registered from snapshots (for example /dev/xvda).",
        )
    problems.one_of(
        "fromSnapshots.architecture", snapshots.get("architecture"), limits.ARCHITECTURES
    )
    problems.one_of("fromSnapshots.bootMode", snapshots.get("bootMode"), limits.BOOT_MODES)
    problems.one_of(
        "fromSnapshots.virtualizationType",
        snapshots.get("virtualizationType"),
        limits.VIRTUALIZATION_TYPES,
    )
    problems.one_of(
        "fromSnapshots.tpmSupport", snapshots.get("tpmSupport"), limits.TPM_SUPPORT_VALUES
    )
    problems.one_of(
        "fromSnapshots.imdsSupport", snapshots.get("imdsSupport"), limits.IMDS_SUPPORT_VALUES
    )
    return False


def _check_mappings(
    problems: _Problems, props: Mapping[str, Any], from_instance: bool, volumes_snapshotted: bool
) -> None:
    mappings = props.get("blockDeviceMappings")
    if mappings is None or is_unknown(mappings):
        mappings = []
    if not isinstance(mappings, list | tuple):
        problems.add("blockDeviceMappings", "must be a list of block device mappings.")
        return
    snapshots = props.get("fromSnapshots")
    if not from_instance and isinstance(snapshots, Mapping) and not mappings:
        problems.add(
            "blockDeviceMappings",
            "an image registered from snapshots needs at least the root device's mapping.",
        )
    seen: dict[str, int] = {}
    root_backed = False
    root = snapshots.get("rootDeviceName") if isinstance(snapshots, Mapping) else None
    for index, mapping in enumerate(mappings):
        prop = f"blockDeviceMappings[{index}]"
        if not isinstance(mapping, Mapping):
            problems.add(prop, "must be an object with deviceName and one of ebs/noDevice.")
            continue
        problems.unexpected(prop, mapping, _MAPPING_FIELDS)
        device = mapping.get("deviceName")
        if not device:
            problems.add(f"{prop}.deviceName", "is required (for example /dev/sdf).")
        elif not is_unknown(device):
            if device in seen:
                problems.add(
                    f"{prop}.deviceName",
                    f"{device} is already mapped by blockDeviceMappings[{seen[device]}]; "
                    "each device may appear once.",
                )
            seen.setdefault(device, index)
        kinds = [k for k in ("ebs", "noDevice", "virtualName") if _given(mapping.get(k))]
        if mapping.get("noDevice") is False:
            kinds.remove("noDevice")
        if len(kinds) != 1:
            problems.add(
                prop,
                "set exactly one of ebs, noDevice or virtualName "
                f"(got {', '.join(kinds) or 'none'}).",
            )
        ebs = mapping.get("ebs")
        if isinstance(ebs, Mapping):
            backed = _check_ebs(problems, f"{prop}.ebs", ebs, from_instance, volumes_snapshotted)
            root_backed = root_backed or (backed and device == root)
        elif _given(ebs) and not is_unknown(ebs):
            problems.add(f"{prop}.ebs", "must be an object.")
    if root and not is_unknown(root) and not from_instance and mappings and not root_backed:
        problems.add(
            "fromSnapshots.rootDeviceName",
            f"{root} must be the deviceName of a mapping whose ebs has a snapshotId or volumeId.",
        )


def _check_ebs(
    problems: _Problems,
    prop: str,
    ebs: Mapping[str, Any],
    from_instance: bool,
    volumes_snapshotted: bool,
) -> bool:
    """Check one `ebs` block; return whether a snapshot (or a volume to snapshot) backs it."""
    problems.unexpected(prop, ebs, _EBS_FIELDS)
    snapshot_id, volume_id = ebs.get("snapshotId"), ebs.get("volumeId")
    backed = _given(snapshot_id) or _given(volume_id)
    size = problems.whole_number(f"{prop}.volumeSize", ebs.get("volumeSize"))
    iops = problems.whole_number(f"{prop}.iops", ebs.get("iops"))
    throughput = problems.whole_number(f"{prop}.throughput", ebs.get("throughput"))
    rate = problems.whole_number(
        f"{prop}.volumeInitializationRate", ebs.get("volumeInitializationRate")
    )
    volume_type = ebs.get("volumeType")

    if from_instance:
        _check_instance_override(problems, prop, ebs)
        return backed

    if _given(snapshot_id) and _given(volume_id) and not volumes_snapshotted:
        problems.add(
            f"{prop}.volumeId",
            "set snapshotId or volumeId, not both: volumeId asks the component to snapshot "
            "that volume.",
        )
    if not backed and not _given(ebs.get("volumeSize")):
        problems.add(
            f"{prop}.volumeSize",
            "a new empty volume needs a volumeSize; or set snapshotId (or volumeId) to start "
            "from a snapshot.",
        )
    if backed and _given(ebs.get("encrypted")):
        problems.add(
            f"{prop}.encrypted",
            "must be omitted for a volume from a snapshot: AWS fails the request whatever the "
            "value; the volume takes the snapshot's encryption (use CopyImage to change it).",
        )
    if _given(ebs.get("kmsKeyId")):
        problems.add(
            f"{prop}.kmsKeyId",
            "is not supported in an AMI's block device mapping (AWS takes it only in "
            "RunInstances, RequestSpotFleet and RequestSpotInstances); encrypt the snapshot "
            "instead.",
        )
    if rate is not None:
        problems.in_range(
            f"{prop}.volumeInitializationRate", rate, limits.VOLUME_INITIALIZATION_RATE, "MiB/s"
        )
        if not backed:
            problems.add(
                f"{prop}.volumeInitializationRate",
                "applies only to volumes created from snapshots; set snapshotId (or volumeId) "
                "or remove it.",
            )
    _check_volume_type_limits(
        problems,
        prop=prop,
        volume_type=volume_type,
        size=size,
        iops=iops,
        throughput=throughput,
    )
    return backed


def _check_instance_override(problems: _Problems, prop: str, ebs: Mapping[str, Any]) -> None:
    """CreateImage: "The only option that can be changed for existing mappings is
    DeleteOnTermination", volume size can't change, and some fields aren't supported at all."""
    if _given(ebs.get("volumeInitializationRate")):
        problems.add(
            f"{prop}.volumeInitializationRate",
            "is not supported by CreateImage (fromInstance); register the image fromSnapshots "
            "to set a volume initialization rate.",
        )
    if _given(ebs.get("outpostArn")):
        problems.add(f"{prop}.outpostArn", "is not supported by CreateImage (fromInstance).")
    if _given(ebs.get("volumeSize")):
        problems.add(
            f"{prop}.volumeSize",
            "can't be changed by CreateImage (fromInstance); resize the instance's volume first.",
        )
    others = sorted(
        k
        for k in ebs
        if _given(ebs[k])
        and k not in {"deleteOnTermination", "volumeInitializationRate", "outpostArn", "volumeSize"}
        and k in _EBS_FIELDS
    )
    for key in others:
        problems.add(
            f"{prop}.{key}",
            "can't be set with fromInstance: CreateImage changes only deleteOnTermination of "
            "the instance's devices (attach or modify volumes on the instance instead).",
        )


def _check_volume_type_limits(
    problems: _Problems,
    *,
    prop: str,
    volume_type: Any,
    size: int | None,
    iops: int | None,
    throughput: int | None,
) -> None:
    if volume_type is None or is_unknown(volume_type):
        if throughput is not None:
            problems.add(
                f"{prop}.throughput", 'is valid only for gp3 volumes; set volumeType to "gp3".'
            )
        if iops is not None:
            problems.add(
                f"{prop}.iops", "needs a volumeType that takes provisioned IOPS (gp3, io1, io2)."
            )
        return
    type_limits = limits.VOLUME_TYPES.get(str(volume_type))
    if type_limits is None:
        problems.add(
            f"{prop}.volumeType",
            f"must be one of {', '.join(sorted(limits.VOLUME_TYPES))}; got {volume_type!r}.",
        )
        return
    problems.in_range(f"{prop}.volumeSize", size, type_limits.size_gib, f"GiB for {volume_type}")
    if type_limits.iops is None:
        if iops is not None:
            problems.add(
                f"{prop}.iops",
                f"is not supported for {volume_type} volumes (only gp3, io1 and io2).",
            )
    else:
        if iops is None and type_limits.iops_required:
            problems.add(f"{prop}.iops", f"is required for {volume_type} volumes.")
        problems.in_range(f"{prop}.iops", iops, type_limits.iops, f"IOPS for {volume_type}")
    if throughput is not None:
        if type_limits.throughput_mibps is None:
            problems.add(
                f"{prop}.throughput",
                f'is valid only for gp3 volumes, not {volume_type}; remove it or use "gp3".',
            )
        else:
            problems.in_range(
                f"{prop}.throughput", throughput, type_limits.throughput_mibps, "MiB/s"
            )
