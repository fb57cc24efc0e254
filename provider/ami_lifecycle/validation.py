"""Input rules for an image, applied before any AWS call.

Every rule comes from the AWS texts (`shared/seeds/`) or the installed botocore model, and every
refusal names the property path (`blockDeviceMappings[1].ebs.iops`) and says what to do. The
rules run twice: in the component, on whatever is already known when the program runs, and in
the provider's `check`, which is what `pulumi preview` calls. Values not known yet (computed from
other resources during a preview) are skipped, never guessed.

Property bags come from user programs, from YAML and from stack config, so any JSON-like value
can arrive anywhere. Each object is read against a table of its properties first: an unknown key
is refused with the nearest valid name, and a value of the wrong type is refused with the type
expected. A refused value takes part in no further rule, so the rules below only ever see the
types they expect, and a bag with no problems is one `ImageSpec.from_props` reads exactly.
Booleans must be real booleans: config values are strings, and `bool("false")` is `True`, which
for `deleteSnapshotsOnDestroy` would delete the snapshots the user meant to keep.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final

from pulumi.runtime.rpc import UNKNOWN

from . import copying, limits
from .adoption import TOKEN_PROPERTY
from .attributes import ATTRIBUTE_KEYS, check_attribute_inputs
from .errors import InputProblem
from .outputs import OUTPUT_KEYS, SNAPSHOT_OUTPUT_KEYS
from .protection import Protection

__all__ = [
    "is_unknown",
    "validate_copy_props",
    "validate_image_props",
    "validate_snapshot_props",
]

_PROTECTION_VALUES = frozenset(p.value for p in Protection)

_ENGINE_KEYS: Final = frozenset({TOKEN_PROPERTY})
"""Keys on a resource's inputs that no user writes: the creation token the provider's own
`check` adds."""

_MAX_INTEGER: Final = 2**31 - 1
"""EC2's `Integer` members are 32-bit."""
_ANY_TYPE_SIZE: Final = limits.Range(
    min(t.size_gib.low for t in limits.VOLUME_TYPES.values()),
    max(t.size_gib.high for t in limits.VOLUME_TYPES.values()),
    "the widest VolumeSize range of any volume type (botocore EC2 model, EbsBlockDevice)",
)


def is_unknown(value: Any) -> bool:
    """A value Pulumi doesn't know yet (computed from another resource during a preview): the
    engine's unknown marker, which the plugin passes on as the string it is on the wire."""
    return isinstance(value, str) and value == UNKNOWN


class _Refused:
    """Stands for a value of the wrong type: present, so "is required" rules are satisfied, but
    read by no other rule."""

    def __repr__(self) -> str:
        return "REFUSED"


_REFUSED: Final = _Refused()

_Reader = Callable[["_Problems", str, Any], Any]
"""Type-checks one present, known value: the value to use, or `_REFUSED` after reporting."""


def _path(prefix: str, key: Any) -> str:
    name = key if isinstance(key, str) and key else repr(key)
    return f"{prefix}.{name}" if prefix else name


def _quoted(text: str) -> str:
    """A string for a message, cut short: it may be a whole document pasted in the wrong place."""
    return repr(text if len(text) <= 40 else f"{text[:37]}...")


def _describe(value: Any) -> str:
    """A wrong value, shown briefly, by what it is."""
    if isinstance(value, str):
        return f"the string {_quoted(value)}"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return repr(value) if value.bit_length() <= 64 else "a very large number"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _known(value: Any) -> bool:
    return value is not None and value is not _REFUSED and not is_unknown(value)


class _Problems:
    def __init__(self) -> None:
        self.found: list[InputProblem] = []

    def add(self, prop: str, reason: str) -> None:
        self.found.append(InputProblem(prop, reason))

    def read(
        self,
        prop: str,
        bag: Mapping[Any, Any],
        readers: Mapping[str, _Reader],
        *,
        tolerated: Collection[str] = (),
    ) -> dict[str, Any]:
        """The bag's properties, type-checked: absent (or `None`) ones left out, unknown ones
        kept as they are, refused ones as `_REFUSED`. Keys outside `readers` are reported,
        except the `tolerated` ones, which are dropped."""
        for key in bag:
            if key not in readers and key not in tolerated:
                self.add(_path(prop, key), _unknown_key_reason(key, readers))
        values: dict[str, Any] = {}
        for key, reader in readers.items():
            value = bag.get(key)
            if value is None:
                continue
            values[key] = value if is_unknown(value) else reader(self, _path(prop, key), value)
        return values

    def in_range(self, prop: str, value: Any, allowed: limits.Range, unit: str) -> None:
        if isinstance(value, int) and value not in allowed:
            self.add(
                prop,
                f"must be {allowed} {unit}, got {value:,} (source: {allowed.source}).",
            )

    def one_of(
        self, prop: str, value: Any, allowed: Collection[str], *, quoted: bool = False
    ) -> None:
        if _known(value) and isinstance(value, str) and value not in allowed:
            choices = ", ".join(f'"{c}"' if quoted else c for c in sorted(allowed))
            self.add(prop, f"must be one of {choices}; got {_quoted(value)}.")


def _unknown_key_reason(key: Any, known: Collection[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1) if isinstance(key, str) else []
    if close:
        return f"unknown property; did you mean {close[0]}?"
    return f"unknown property; expected one of {', '.join(sorted(known))}."


# -- readers: one per kind of value -------------------------------------------------------------


def _string(problems: _Problems, prop: str, value: Any) -> Any:
    if isinstance(value, str):
        return value
    hint = ""
    if isinstance(value, list | tuple) and len(value) == 1 and isinstance(value[0], str):
        hint = f"; give the string itself, without the list: {_quoted(value[0])}"
    problems.add(prop, f"must be a string, got {_describe(value)}{hint}.")
    return _REFUSED


def _flag(problems: _Problems, prop: str, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        problems.add(
            prop,
            f"must be true or false (a bool), not the string {value!r}; stack config values "
            "are strings, so read this one with pulumi.Config.get_bool (or require_bool).",
        )
    else:
        problems.add(prop, f"must be true or false (a bool), got {_describe(value)}.")
    return _REFUSED


def _count(problems: _Problems, prop: str, value: Any) -> Any:
    """A positive whole number: gRPC sends every number as a float, so 3000.0 is 3000."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = ""
        if isinstance(value, str):
            hint = "; pass a number (pulumi.Config.get_int reads one from stack config)"
        problems.add(prop, f"must be a whole number, got {_describe(value)}{hint}.")
        return _REFUSED
    if isinstance(value, float) and not value.is_integer():
        problems.add(prop, f"must be a whole number, got {value!r}.")
        return _REFUSED
    if value < 1:
        problems.add(prop, f"must be a positive whole number, got {_describe(value)}.")
        return _REFUSED
    if value > _MAX_INTEGER:
        problems.add(
            prop,
            f"must be at most {_MAX_INTEGER:,} (EC2 integers are 32-bit), got {_describe(value)}.",
        )
        return _REFUSED
    return int(value)


def _object(expected: str) -> _Reader:
    def read(problems: _Problems, prop: str, value: Any) -> Any:
        if isinstance(value, Mapping):
            return value
        problems.add(prop, f"must be an object {expected}, got {_describe(value)}.")
        return _REFUSED

    return read


def _list_of(expected: str) -> _Reader:
    def read(problems: _Problems, prop: str, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return value
        problems.add(prop, f"must be a list of {expected}, got {_describe(value)}.")
        return _REFUSED

    return read


def _strings(problems: _Problems, prop: str, value: Any) -> Any:
    if isinstance(value, str):
        problems.add(
            prop,
            f"must be a list of strings, got {_describe(value)}; wrap it in a list: [{value!r}].",
        )
        return _REFUSED
    if not isinstance(value, list | tuple):
        problems.add(prop, f"must be a list of strings, got {_describe(value)}.")
        return _REFUSED
    refused = False
    for index, item in enumerate(value):
        if not is_unknown(item) and _string(problems, f"{prop}[{index}]", item) is _REFUSED:
            refused = True
    return _REFUSED if refused else value


def _tags(problems: _Problems, prop: str, value: Any) -> Any:
    """The tags whose key and value are strings (or unknown values); the others are reported."""
    if not isinstance(value, Mapping):
        problems.add(prop, f"must be a map of tag keys to string values, got {_describe(value)}.")
        return _REFUSED
    tags: dict[str, Any] = {}
    for key, tag in value.items():
        if not isinstance(key, str):
            problems.add(_path(prop, key), "tag keys must be strings.")
        elif is_unknown(tag) or isinstance(tag, str):
            tags[key] = tag
        else:
            problems.add(_path(prop, key), f"tag values must be strings, got {_describe(tag)}.")
    return tags


# -- the properties of each object (ARCHITECTURE.md, "Resources and their properties") ----------

_IMAGE: Final[Mapping[str, _Reader]] = {
    "imageName": _string,
    "description": _string,
    "tags": _tags,
    "region": _string,
    "deregistrationProtection": _string,
    "deleteSnapshotsOnDestroy": _flag,
    "deleteWhenInUse": _flag,
    "fromSnapshots": _object("with rootDeviceName and the other RegisterImage settings"),
    "fromInstance": _object("with instanceId (and noReboot)"),
    "blockDeviceMappings": _list_of("block device mappings"),
    "deprecationTime": _string,
    "disabled": _flag,
    "launchPermissions": _object(
        "with userIds, organizationArns, organizationalUnitArns and public"
    ),
}
_FROM_SNAPSHOTS: Final[Mapping[str, _Reader]] = {
    "rootDeviceName": _string,
    "architecture": _string,
    "bootMode": _string,
    "virtualizationType": _string,
    "enaSupport": _flag,
    "tpmSupport": _string,
    "imdsSupport": _string,
    "uefiData": _string,
    "sriovNetSupport": _string,
    "kernelId": _string,
    "ramdiskId": _string,
    "billingProducts": _strings,
}
_FROM_INSTANCE: Final[Mapping[str, _Reader]] = {"instanceId": _string, "noReboot": _flag}
_MAPPING: Final[Mapping[str, _Reader]] = {
    "deviceName": _string,
    "ebs": _object("(the EBS volume's settings)"),
    "noDevice": _flag,
    "virtualName": _string,
}
_EBS: Final[Mapping[str, _Reader]] = {
    "snapshotId": _string,
    "volumeId": _string,
    "volumeSize": _count,
    "volumeType": _string,
    "iops": _count,
    "throughput": _count,
    "deleteOnTermination": _flag,
    "encrypted": _flag,
    "kmsKeyId": _string,
    "outpostArn": _string,
    "volumeInitializationRate": _count,
}
_SNAPSHOT: Final[Mapping[str, _Reader]] = {
    "volumeId": _string,
    "description": _string,
    "tags": _tags,
    "region": _string,
    "deleteOnDestroy": _flag,
}
_MAPPING_SHAPE = "an object with deviceName and one of ebs, noDevice or virtualName"
_IMAGE_COPY: Final[Mapping[str, _Reader]] = {
    "sourceImageId": _string,
    "sourceRegion": _string,
    "region": _string,
    "imageName": _string,
    "description": _string,
    "encrypted": _flag,
    "kmsKeyId": _string,
    "copyImageTags": _flag,
    "snapshotCopyCompletionDurationMinutes": _count,
    "deregistrationProtection": _string,
    "deprecationTime": _string,
    "disabled": _flag,
    "launchPermissions": _object(
        "with userIds, organizationArns, organizationalUnitArns and public"
    ),
    "tags": _tags,
    "deleteSnapshotsOnDestroy": _flag,
    "deleteWhenInUse": _flag,
}
_COPY_TARGET: Final[Mapping[str, _Reader]] = {
    key: _IMAGE_COPY[key]
    for key in (
        "region",
        "imageName",
        "description",
        "encrypted",
        "kmsKeyId",
        "copyImageTags",
        "snapshotCopyCompletionDurationMinutes",
        "deregistrationProtection",
        "deprecationTime",
        "disabled",
        "launchPermissions",
        "tags",
    )
}
"""One of a `MachineImage`'s `copies`: an `ImageCopy` of its image, the rest from the component."""
_COMPONENT_KEYS: Final = frozenset({"copies"})
"""A `MachineImage`'s inputs that are not its `Image`'s."""
# A Region code: two letters, words, a number (us-east-1, us-gov-west-1, eu-isoe-west-1).
_REGION_PATTERN: Final = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")


def validate_image_props(
    props: Mapping[str, Any], *, standalone: bool = False
) -> list[InputProblem]:
    """Every rule for an image's property bag; an empty list means the inputs are acceptable.

    Never raises, whatever the bag holds. The rules are a `MachineImage`'s; `standalone`: the
    bag is an `Image` declared on its own, which takes no `ebs.volumeId` (only the component
    snapshots volumes). The creation token and the image's outputs may sit beside the inputs.
    """
    problems = _Problems()
    if not isinstance(props, Mapping):
        problems.add(
            "inputs",
            f"must be an object of the image's properties (imageName, fromSnapshots, ...), "
            f"got {_describe(props)}.",
        )
        return problems.found
    image = problems.read(
        "", props, _IMAGE, tolerated=_ENGINE_KEYS | frozenset(OUTPUT_KEYS) | _COMPONENT_KEYS
    )
    _check_name(problems, image)
    problems.one_of(
        "deregistrationProtection",
        image.get("deregistrationProtection"),
        _PROTECTION_VALUES,
        quoted=True,
    )
    _check_tags(problems, "tags", image.get("tags"))
    from_instance, root = _check_source(problems, image)
    _check_mappings(problems, image, from_instance, root, standalone)
    # Only values of the right type: a refused one is reported once, above.
    problems.found += check_attribute_inputs(
        {k: image[k] for k in ATTRIBUTE_KEYS if k in image and image[k] is not _REFUSED}
    )
    if props.get("copies") is not None:
        if standalone:
            problems.add(
                "copies",
                "is taken only by a MachineImage, which makes one ImageCopy of its image per "
                "entry; beside an Image, declare ImageCopy resources instead.",
            )
        else:
            _check_copies(problems, props["copies"], image)
    return problems.found


def validate_copy_props(props: Mapping[str, Any]) -> list[InputProblem]:
    """Every rule for an `ImageCopy`'s property bag that needs no AWS call; never raises. The
    creation token and the copy's outputs may sit beside the inputs."""
    problems = _Problems()
    if not isinstance(props, Mapping):
        problems.add(
            "inputs",
            "must be an object of the copy's properties (sourceImageId, sourceRegion, "
            f"imageName, ...), got {_describe(props)}.",
        )
        return problems.found
    copy = problems.read("", props, _IMAGE_COPY, tolerated=_ENGINE_KEYS | frozenset(OUTPUT_KEYS))
    source = copy.get("sourceImageId")
    if source is None or source == "":
        problems.add("sourceImageId", "is required: name the AMI to copy (ami-…).")
    else:
        _check_id(problems, "sourceImageId", source, "ami", "an AMI id")
    if copy.get("sourceRegion") in (None, ""):
        problems.add(
            "sourceRegion", "is required: name the Region the AMI to copy is in (us-east-1, …)."
        )
    _check_region(problems, "sourceRegion", copy.get("sourceRegion"))
    _check_region(problems, "region", copy.get("region"))
    _check_name(problems, copy)
    _check_copy_settings(problems, "", copy)
    return problems.found


def _check_region(problems: _Problems, prop: str, region: Any) -> None:
    """A Region code by its form (CopyImage's `SourceRegion`, and the Region of the client it
    is sent to): a name that is no Region would only fail in AWS."""
    if isinstance(region, str) and _known(region) and not _REGION_PATTERN.fullmatch(region):
        problems.add(
            prop,
            f"must be an AWS Region code, such as us-east-1 or eu-west-1; got {_quoted(region)}.",
        )


def _check_copy_settings(problems: _Problems, prefix: str, copy: Mapping[str, Any]) -> None:
    """The rules an `ImageCopy` and a `MachineImage`'s `copies[i]` share (`prefix`: the path of
    the entry). Only values of the right type are read."""
    description = copy.get("description")
    if isinstance(description, str) and len(description) > copying.DESCRIPTION_MAX:
        problems.add(
            f"{prefix}description",
            f"must be at most {copying.DESCRIPTION_MAX} characters (CopyImage.Description), "
            f"got {len(description)}.",
        )
    encrypted = copy.get("encrypted")
    if _known(copy.get("kmsKeyId")) and (encrypted is None or encrypted is False):
        problems.add(
            f"{prefix}kmsKeyId",
            "is taken only with encrypted: true (CopyImage.KmsKeyId: if you specify a KMS key, "
            "you must also set the encrypted state to true); set encrypted to true, or remove "
            "kmsKeyId to keep the snapshots' own encryption.",
        )
    minutes = copy.get("snapshotCopyCompletionDurationMinutes")
    if isinstance(minutes, int):
        prop = f"{prefix}snapshotCopyCompletionDurationMinutes"
        allowed = copying.COMPLETION_DURATION_MINUTES
        step = copying.COMPLETION_INCREMENT_MINUTES
        if minutes not in allowed:
            problems.in_range(prop, minutes, allowed, "minutes")
        elif minutes % step:
            problems.add(
                prop,
                f"must be a multiple of {step} minutes (CopyImage: in {step} minute "
                f"increments), got {minutes:,}; try {max(step, minutes - minutes % step):,}.",
            )
    problems.one_of(
        f"{prefix}deregistrationProtection",
        copy.get("deregistrationProtection"),
        _PROTECTION_VALUES,
        quoted=True,
    )
    _check_tags(problems, f"{prefix}tags", copy.get("tags"))
    problems.found += [
        InputProblem(f"{prefix}{problem.property}", problem.reason)
        for problem in check_attribute_inputs(
            {k: copy[k] for k in ATTRIBUTE_KEYS if k in copy and copy[k] is not _REFUSED}
        )
    ]


def _check_copies(problems: _Problems, copies: Any, image: Mapping[str, Any]) -> None:
    """A `MachineImage`'s `copies`: each entry as an `ImageCopy` of the image would take it,
    and no two copies with the same name in one Region (AMI names are unique per Region)."""
    if is_unknown(copies) or _list_of("copy targets")(problems, "copies", copies) is _REFUSED:
        return
    own_name = image.get("imageName")
    own_region = image.get("region")
    named: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(copies):
        prefix = f"copies[{index}]"
        if is_unknown(entry):
            continue
        if not isinstance(entry, Mapping):
            problems.add(
                prefix,
                f"must be an object with region (and the copy's own settings), got "
                f"{_describe(entry)}.",
            )
            continue
        target = problems.read(prefix, entry, _COPY_TARGET)
        region = target.get("region")
        if region is None or region == "":
            problems.add(f"{prefix}.region", "is required: name the Region to copy the image to.")
        _check_region(problems, f"{prefix}.region", region)
        if "imageName" in target:
            _check_image_name(problems, f"{prefix}.imageName", target["imageName"])
        _check_copy_settings(problems, f"{prefix}.", target)
        name = target.get("imageName", own_name)
        if not (isinstance(region, str) and _known(region) and isinstance(name, str)):
            continue
        if not _known(name):
            continue
        if region == own_region and name == own_name:
            problems.add(
                f"{prefix}.imageName",
                f"a copy into the image's own Region ({region}) needs an imageName of its own: "
                "AMI names are unique per Region.",
            )
        elif (region, name) in named:
            problems.add(
                f"{prefix}.region",
                f"{region} already has a copy named {_quoted(name)} (copies[{named[region, name]}])"
                "; AMI names are unique per Region: give this copy an imageName of its own.",
            )
        named.setdefault((region, name), index)


def validate_snapshot_props(props: Mapping[str, Any]) -> list[InputProblem]:
    """Rules for a `VolumeSnapshot`'s property bag; never raises."""
    problems = _Problems()
    if not isinstance(props, Mapping):
        problems.add(
            "inputs",
            f"must be an object of the snapshot's properties (volumeId, ...), "
            f"got {_describe(props)}.",
        )
        return problems.found
    snapshot = problems.read(
        "", props, _SNAPSHOT, tolerated=_ENGINE_KEYS | frozenset(SNAPSHOT_OUTPUT_KEYS)
    )
    volume_id = snapshot.get("volumeId")
    if volume_id is None or volume_id == "":
        problems.add("volumeId", "is required: name the EBS volume to snapshot (vol-…).")
    else:
        _check_id(problems, "volumeId", volume_id, "vol", "an EBS volume id")
    _check_tags(problems, "tags", snapshot.get("tags"))
    return problems.found


def _check_name(problems: _Problems, image: Mapping[str, Any]) -> None:
    if "imageName" not in image:
        problems.add("imageName", "is required: every AMI needs a name, unique in its Region.")
        return
    _check_image_name(problems, "imageName", image["imageName"])


def _check_image_name(problems: _Problems, prop: str, name: Any) -> None:
    if not _known(name):
        return
    if len(name) not in limits.IMAGE_NAME_LENGTH:
        problems.add(
            prop,
            f"must be {limits.IMAGE_NAME_LENGTH} characters long, got {len(name)} "
            f"({_quoted(name)}).",
        )
    if not limits.IMAGE_NAME_PATTERN.fullmatch(name):
        bad = sorted({c for c in name if not limits.IMAGE_NAME_PATTERN.fullmatch(c)})
        problems.add(
            prop,
            f"may contain only letters, digits, spaces and ( ) [ ] . / - ' @ _; "
            f"remove {''.join(bad)!r}.",
        )


def _check_tags(problems: _Problems, prop: str, tags: Any) -> None:
    if not _known(tags):
        return
    for key, value in tags.items():
        if is_unknown(key):
            continue
        if not key:
            problems.add(_path(prop, key), "tag keys may not be empty; name the tag.")
        if key.lower().startswith("aws:"):
            problems.add(_path(prop, key), "tag keys may not begin with 'aws:' (AWS reserves it).")
        if len(key) > limits.TAG_KEY_MAX:
            problems.add(_path(prop, key), f"tag keys are at most {limits.TAG_KEY_MAX} characters.")
        if isinstance(value, str) and not is_unknown(value) and len(value) > limits.TAG_VALUE_MAX:
            problems.add(
                _path(prop, key), f"tag values are at most {limits.TAG_VALUE_MAX} characters."
            )


def _check_source(problems: _Problems, image: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Check the one source; return whether it is `fromInstance`, and the root device name
    (`None` when there is none to check the mappings against)."""
    snapshots, instance = image.get("fromSnapshots"), image.get("fromInstance")
    if (snapshots is None) == (instance is None):
        which = "both are" if snapshots is not None else "neither is"
        problems.add(
            "fromSnapshots",
            f"set exactly one of fromSnapshots (RegisterImage) or fromInstance (CreateImage); "
            f"{which} set.",
        )
        return instance is not None and snapshots is None, None
    if instance is not None:
        if isinstance(instance, Mapping):
            _check_instance(problems, problems.read("fromInstance", instance, _FROM_INSTANCE))
        return True, None
    if not isinstance(snapshots, Mapping):
        return False, None
    source = problems.read("fromSnapshots", snapshots, _FROM_SNAPSHOTS)
    root = source.get("rootDeviceName")
    if root is None or root == "":
        problems.add(
            "fromSnapshots.rootDeviceName",
            "is required for an image registered from snapshots (for example /dev/xvda).",
        )
    for key, allowed in (
        ("architecture", limits.ARCHITECTURES),
        ("bootMode", limits.BOOT_MODES),
        ("virtualizationType", limits.VIRTUALIZATION_TYPES),
        ("tpmSupport", limits.TPM_SUPPORT_VALUES),
        ("imdsSupport", limits.IMDS_SUPPORT_VALUES),
    ):
        problems.one_of(f"fromSnapshots.{key}", source.get(key), allowed)
    return False, root if _known(root) and root else None


def _check_instance(problems: _Problems, source: Mapping[str, Any]) -> None:
    instance_id = source.get("instanceId")
    if instance_id is None or instance_id == "":
        problems.add("fromInstance.instanceId", "is required: name the instance (i-…).")
    else:
        _check_id(problems, "fromInstance.instanceId", instance_id, "i", "an instance id")


def _check_id(problems: _Problems, prop: str, value: Any, prefix: str, kind: str) -> None:
    """A known string that is no id of this kind (`snap-xyz`, a `vol-` id for a snapshot)
    would only fail in AWS, after the preview said all was well."""
    if not isinstance(value, str) or not _known(value):
        return
    if not re.fullmatch(limits.RESOURCE_ID_PATTERN.format(prefix=prefix), value):
        other = value.split("-", 1)[0]
        hint = f" (that is {_ID_KINDS[other]})" if other != prefix and other in _ID_KINDS else ""
        problems.add(
            prop,
            f"must be {kind}: {prefix}- and 8 or 17 hexadecimal characters, such as "
            f"{prefix}-0123456789abcdef0; got {_quoted(value)}{hint}.",
        )


_ID_KINDS: Final[Mapping[str, str]] = {
    "snap": "a snapshot id",
    "vol": "a volume id",
    "i": "an instance id",
    "ami": "an AMI id",
}


def _check_mappings(
    problems: _Problems,
    image: Mapping[str, Any],
    from_instance: bool,
    root: str | None,
    standalone: bool,
) -> None:
    mappings = image.get("blockDeviceMappings", [])
    if not _known(mappings):
        return
    if not from_instance and _known(image.get("fromSnapshots")) and not mappings:
        problems.add(
            "blockDeviceMappings",
            "an image registered from snapshots needs at least the root device's mapping.",
        )
    seen: dict[str, int] = {}
    root_backed = False
    # A mapping that can't be read might be the root's: then it can't be called missing.
    undecided = False
    for index, declared in enumerate(mappings):
        prop = f"blockDeviceMappings[{index}]"
        if is_unknown(declared):
            undecided = True
            continue
        if not isinstance(declared, Mapping):
            problems.add(prop, f"must be {_MAPPING_SHAPE}, got {_describe(declared)}.")
            undecided = True
            continue
        mapping = problems.read(prop, declared, _MAPPING)
        device = mapping.get("deviceName")
        if device is None or device == "":
            problems.add(f"{prop}.deviceName", "is required (for example /dev/sdf).")
        elif _known(device):
            if device in seen:
                problems.add(
                    f"{prop}.deviceName",
                    f"{device} is already mapped by blockDeviceMappings[{seen[device]}]; "
                    "each device may appear once.",
                )
            seen.setdefault(device, index)
        else:
            undecided = True
        kinds = [k for k in ("ebs", "noDevice", "virtualName") if k in mapping]
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
            ebs_prop = f"{prop}.ebs"
            backed = _check_ebs(
                problems,
                ebs_prop,
                problems.read(ebs_prop, ebs, _EBS),
                from_instance,
                standalone,
            )
            root_backed = root_backed or (backed and device == root)
        elif ebs is not None:
            undecided = True
    if root is not None and not from_instance and mappings and not (root_backed or undecided):
        problems.add(
            "fromSnapshots.rootDeviceName",
            f"{root} must be the deviceName of a mapping whose ebs has a snapshotId or volumeId.",
        )


def _check_ebs(
    problems: _Problems,
    prop: str,
    ebs: Mapping[str, Any],
    from_instance: bool,
    standalone: bool,
) -> bool:
    """Check one type-checked `ebs` block; return whether a snapshot (or a volume to snapshot)
    backs it.

    Presence (`key in ebs`) counts a refused value as set, so that one wrong value doesn't
    also draw "is required" or "needs a snapshot" complaints; every other rule reads only
    values of the right type (`given`)."""

    def given(key: str) -> bool:
        return key in ebs and ebs[key] is not _REFUSED

    def number(key: str) -> int | None:
        value = ebs.get(key)
        return value if isinstance(value, int) else None

    backed = "snapshotId" in ebs or "volumeId" in ebs
    if from_instance:
        _check_instance_override(problems, prop, ebs)
        return backed

    if given("snapshotId"):
        _check_id(problems, f"{prop}.snapshotId", ebs["snapshotId"], "snap", "a snapshot id")
    if standalone and given("volumeId"):
        problems.add(
            f"{prop}.volumeId",
            "is taken only by a MachineImage, which snapshots the volume first; on an Image, "
            "give the snapshot as snapshotId (or use MachineImage).",
        )
    elif given("snapshotId") and given("volumeId"):
        problems.add(
            f"{prop}.volumeId",
            "set snapshotId or volumeId, not both: volumeId asks the component to snapshot "
            "that volume.",
        )
    elif given("volumeId"):
        _check_id(problems, f"{prop}.volumeId", ebs["volumeId"], "vol", "an EBS volume id")
    if not backed and "volumeSize" not in ebs:
        problems.add(
            f"{prop}.volumeSize",
            "a new empty volume needs a volumeSize; or set snapshotId (or volumeId) to start "
            "from a snapshot.",
        )
    if backed and given("encrypted"):
        problems.add(
            f"{prop}.encrypted",
            "must be omitted for a volume from a snapshot: AWS fails the request whatever the "
            "value; the volume takes the snapshot's encryption (use CopyImage to change it).",
        )
    if given("kmsKeyId"):
        problems.add(
            f"{prop}.kmsKeyId",
            "is not supported in an AMI's block device mapping (AWS takes it only in "
            "RunInstances, RequestSpotFleet and RequestSpotInstances); encrypt the snapshot "
            "instead.",
        )
    if given("volumeInitializationRate"):
        problems.in_range(
            f"{prop}.volumeInitializationRate",
            number("volumeInitializationRate"),
            limits.VOLUME_INITIALIZATION_RATE,
            "MiB/s",
        )
        if not backed:
            problems.add(
                f"{prop}.volumeInitializationRate",
                "applies only to volumes created from snapshots; set snapshotId (or volumeId) "
                "or remove it.",
            )
    if "volumeType" in ebs:
        volume_type = ebs["volumeType"]
        if _known(volume_type):
            _check_volume_type_limits(
                problems,
                prop=prop,
                volume_type=volume_type,
                size=number("volumeSize"),
                iops=number("iops"),
                iops_set="iops" in ebs,
                throughput=number("throughput"),
            )
        return backed
    problems.in_range(f"{prop}.volumeSize", number("volumeSize"), _ANY_TYPE_SIZE, "GiB")
    if given("throughput"):
        problems.add(
            f"{prop}.throughput", 'is valid only for gp3 volumes; set volumeType to "gp3".'
        )
    if given("iops"):
        problems.add(
            f"{prop}.iops", "needs a volumeType that takes provisioned IOPS (gp3, io1, io2)."
        )
    return backed


def _check_instance_override(problems: _Problems, prop: str, ebs: Mapping[str, Any]) -> None:
    """CreateImage: "The only option that can be changed for existing mappings is
    DeleteOnTermination", volume size can't change, and some fields aren't supported at all."""
    for key in _EBS:
        if key not in ebs or ebs[key] is _REFUSED or key == "deleteOnTermination":
            continue
        if key == "volumeInitializationRate":
            problems.add(
                f"{prop}.{key}",
                "is not supported by CreateImage (fromInstance); register the image "
                "fromSnapshots to set a volume initialization rate.",
            )
        elif key == "outpostArn":
            problems.add(f"{prop}.{key}", "is not supported by CreateImage (fromInstance).")
        elif key == "volumeSize":
            problems.add(
                f"{prop}.{key}",
                "can't be changed by CreateImage (fromInstance); resize the instance's volume "
                "first.",
            )
        else:
            problems.add(
                f"{prop}.{key}",
                "can't be set with fromInstance: CreateImage changes only deleteOnTermination "
                "of the instance's devices (attach or modify volumes on the instance instead).",
            )


def _check_volume_type_limits(
    problems: _Problems,
    *,
    prop: str,
    volume_type: str,
    size: int | None,
    iops: int | None,
    iops_set: bool,
    throughput: int | None,
) -> None:
    type_limits = limits.VOLUME_TYPES.get(volume_type)
    if type_limits is None:
        problems.add(
            f"{prop}.volumeType",
            f"must be one of {', '.join(sorted(limits.VOLUME_TYPES))}; got {_quoted(volume_type)}.",
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
        if not iops_set and type_limits.iops_required:
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
