"""`MachineImage`, the component, as the plugin builds it for a program in any language: an AMI
(`Image`) with a `VolumeSnapshot` for each volume it is to snapshot first.

`ami_lifecycle.plugin` calls it from `Construct` with the program's inputs as plain camelCase
values (a value not known yet during a preview is Pulumi's unknown marker); which inputs are
secret and which resources they came from travel beside them.

Inputs that `validation` refuses are not refused here: the component then snapshots nothing and
hands them to its `Image` as they are, whose check reports each problem to the engine as a check
failure, before any AWS call. (A failed `Construct` ends a Python program with a traceback: the
engine answers the program's registration with UNKNOWN "resource monitor shut down", which the
Python SDK reports as a crash.)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

import pulumi

from .outputs import OUTPUT_KEYS, SNAPSHOT_OUTPUT_KEYS
from .protection import Protection
from .schema import IMAGE, IMAGE_COPY, MACHINE_IMAGE, VOLUME_SNAPSHOT, former_types
from .validation import is_unknown, validate_image_props

__all__ = ["MachineImage", "component_defaults"]


def component_defaults(props: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs with their documented defaults filled in, as the component registers them (so
    that a policy pack sees the protection an image will really get)."""
    filled = dict(props)
    if filled.get("deregistrationProtection") is None:
        filled["deregistrationProtection"] = Protection.ENABLED.value
    if filled.get("deleteSnapshotsOnDestroy") is None:
        filled["deleteSnapshotsOnDestroy"] = True
    if filled.get("deleteWhenInUse") is None:
        filled["deleteWhenInUse"] = False
    if filled.get("disabled") is None:
        filled["disabled"] = False
    return filled


_SNAPSHOT_SOURCES: Mapping[str, str] = {
    "volumeId": "blockDeviceMappings",
    "description": "blockDeviceMappings",
    "tags": "tags",
    "region": "region",
    "deleteOnDestroy": "deleteSnapshotsOnDestroy",
}
"""The component input each of a `VolumeSnapshot`'s inputs comes from: it is secret when that
input is (its description names the device, from the mappings)."""


def _formerly(token: str) -> list[pulumi.Input[str] | pulumi.Alias]:
    """The schema's aliases of a resource type: what the children were called when they were
    dynamic resources, so that stacks made then move to the plugin without their images being
    replaced (the engine asks the new provider's Diff whether anything really changed)."""
    return [pulumi.Alias(type_=former) for former in former_types(token)]


_COPY_DEFAULTS: Final = ("imageName", "deregistrationProtection", "tags", "deprecationTime")
"""What a copy takes from the component where its `copies` entry doesn't say."""
_COPY_INHERITED: Final = ("deleteSnapshotsOnDestroy", "deleteWhenInUse")
"""What every copy takes from the component."""


def _copy_label(index: int, entry: Mapping[str, Any], regions: set[str]) -> tuple[str, str]:
    """A copy's child name suffix and its key in `copyImageIds`: its Region for the first copy
    into that Region, `<region>-<imageName>` (key `<region>/<imageName>`) for each further one,
    which `validation` makes name its own image. Values not known yet (a preview) fall back on
    the entry's index."""
    region, own_name = entry.get("region"), entry.get("imageName")
    if not isinstance(region, str) or is_unknown(region):
        return str(index), str(index)
    if region not in regions:
        regions.add(region)
        return region, region
    if not isinstance(own_name, str) or is_unknown(own_name):
        return f"{region}-{index}", f"{region}/{index}"
    return f"{region}-{own_name}", f"{region}/{own_name}"


def _device_label(device: Any, index: int) -> str:
    if isinstance(device, str) and device:
        return device.rstrip("/").rsplit("/", 1)[-1]
    return str(index)


class MachineImage(pulumi.ComponentResource):
    """An AMI with its EBS snapshots, block device mappings and deregistration protection."""

    def __init__(
        self,
        name: str,
        props: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        *,
        secret: Collection[str] = (),
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> None:
        props = component_defaults(props)

        def wrapped(key: str, value: Any) -> Any:
            return pulumi.Output.secret(value) if key in secret else value

        super().__init__(MACHINE_IMAGE, name, {k: wrapped(k, v) for k, v in props.items()}, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        snapshot_options = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(aliases=_formerly(VOLUME_SNAPSHOT))
        )
        image_options = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(aliases=_formerly(IMAGE))
        )

        refused = bool(validate_image_props(props))
        declared_mappings = props.get("blockDeviceMappings")
        image_props = dict(props)
        if not refused:
            # The copies are the component's children, not the image's: only refused ones
            # reach the Image, whose check reports them (as copies[i]).
            image_props.pop("copies", None)
        # Only an accepted list is rewritten: refused inputs (a map where the list belongs, say)
        # and a list not known yet reach the Image as declared, for its check to judge.
        if not refused and isinstance(declared_mappings, list):
            mappings = []
            for index, declared in enumerate(declared_mappings):
                mapping = declared
                ebs = mapping.get("ebs") if isinstance(mapping, Mapping) else None
                if isinstance(ebs, Mapping) and ebs.get("volumeId") is not None:
                    label = _device_label(mapping.get("deviceName"), index)
                    snapshot_props = {
                        "volumeId": ebs["volumeId"],
                        # Not the image name: renaming the image must not re-snapshot the volume.
                        "description": f"Snapshot for MachineImage {name} ({label})",
                        "tags": props.get("tags"),
                        "region": props.get("region"),
                        "deleteOnDestroy": props["deleteSnapshotsOnDestroy"],
                    }
                    snapshot = pulumi.CustomResource(
                        VOLUME_SNAPSHOT,
                        f"{name}-snapshot-{label}",
                        {
                            **{
                                k: wrapped(_SNAPSHOT_SOURCES[k], v)
                                for k, v in snapshot_props.items()
                            },
                            **dict.fromkeys(SNAPSHOT_OUTPUT_KEYS),
                        },
                        snapshot_options,
                    )
                    backed = {k: v for k, v in ebs.items() if k != "volumeId"}
                    # The SDK sets one attribute per property, under the property's own name.
                    backed["snapshotId"] = snapshot.snapshotId  # type: ignore[attr-defined]
                    mapping = {**mapping, "ebs": backed}
                mappings.append(mapping)
            image_props["blockDeviceMappings"] = mappings

        image = pulumi.CustomResource(
            IMAGE,
            f"{name}-image",
            {
                # An input the image reads back: a property of the image even when undeclared.
                "deprecationTime": None,
                **{k: wrapped(k, v) for k, v in image_props.items()},
                **dict.fromkeys(OUTPUT_KEYS),
            },
            image_options,
        )
        self.outputs: dict[str, pulumi.Output[Any]] = {
            key: getattr(image, key) for key in (*OUTPUT_KEYS, "deprecationTime")
        }
        copies = props.get("copies") if not refused else None
        copy_ids: dict[str, Any] = {}
        regions: set[str] = set()
        for index, entry in enumerate(copies if isinstance(copies, list) else []):
            if not isinstance(entry, Mapping):
                continue  # not known yet (a preview)
            suffix, key = _copy_label(index, entry, regions)
            copy_props = {
                **{k: (entry[k], "copies") for k in entry if entry[k] is not None},
                **{
                    k: (props.get(k), k)
                    for k in _COPY_DEFAULTS
                    if entry.get(k) is None and props.get(k) is not None
                },
                **{k: (props.get(k), k) for k in _COPY_INHERITED},
                # The image's own Region, or (None) the provider's, which the copy's check fills.
                "sourceRegion": (props.get("region"), "region"),
                "sourceImageId": (image.imageId, "imageId"),  # type: ignore[attr-defined]
            }
            copy = pulumi.CustomResource(
                IMAGE_COPY,
                f"{name}-copy-{suffix}",
                {
                    **{k: wrapped(source, v) for k, (v, source) in copy_props.items()},
                    **dict.fromkeys(OUTPUT_KEYS),
                },
                child,
            )
            copy_ids[key] = copy.imageId  # type: ignore[attr-defined]
        self.outputs["copyImageIds"] = pulumi.Output.from_input(copy_ids)
        self.register_outputs(self.outputs)
