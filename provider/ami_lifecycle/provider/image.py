"""`ImageProvider`: the CRUD of `ami-lifecycle:index:Image`, one AMI, kept thin over creation,
updates and deregistration."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachableError
from pulumi.runtime.rpc import UNKNOWN

from ..adoption import TOKEN_PROPERTY, checked_token, creation_token, token_of
from ..aws.clients import error_code
from ..aws.finder import find_image
from ..creation import create_image, set_protection
from ..deregistration import deregister_image
from ..errors import AwsCallError, ImageNotFoundError, ProtectedImageError
from ..iam import requires
from ..image_spec import ImageSpec, recorded_rates
from ..outputs import OUTPUT_KEYS, image_outputs, protection_setting, reported_tags
from ..protection import COOLDOWN_HOURS, Protection, parse_protection_state
from ..tagging import retag
from ..validation import validate_image_props
from .aws_settings import AwsSettings
from .imported import imported_inputs
from .property_diff import DYNAMIC_PROVIDER_KEY, changed_keys, normalized
from .results import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

__all__ = ["REPLACE_KEYS", "UPDATE_KEYS", "ImageProvider"]

REPLACE_KEYS = ("imageName", "region", "fromSnapshots", "fromInstance", "blockDeviceMappings")
"""What AWS can't change on an existing AMI."""
UPDATE_KEYS = ("deregistrationProtection", "description", "tags", "deleteSnapshotsOnDestroy")
"""What is changed in place (`deleteSnapshotsOnDestroy` only in the state)."""

_DEFAULTS: dict[str, Any] = {
    "deregistrationProtection": Protection.ENABLED.value,
    "deleteSnapshotsOnDestroy": True,
}


def _current_form(olds: dict[str, Any]) -> dict[str, Any]:
    """Recorded state as this version writes it: the dynamic-provider version kept, beside each
    snapshot it made of a volume, the volume's id, which the image itself never used."""
    mappings = olds.get("blockDeviceMappings")
    if DYNAMIC_PROVIDER_KEY not in olds or not isinstance(mappings, list):
        return olds
    return {**olds, "blockDeviceMappings": [_without_snapshotted_volume(m) for m in mappings]}


def _without_snapshotted_volume(mapping: Any) -> Any:
    ebs = mapping.get("ebs") if isinstance(mapping, dict) else None
    if isinstance(ebs, dict) and "snapshotId" in ebs and "volumeId" in ebs:
        return {**mapping, "ebs": {k: v for k, v in ebs.items() if k != "volumeId"}}
    return mapping


class ImageProvider(AwsSettings):
    """Creates, updates, refreshes and deletes one AMI with boto3."""

    def check(
        self,
        olds: dict[str, Any],
        news: dict[str, Any],
        *,
        urn: str = "",
        in_component: bool = False,
    ) -> CheckResult:
        """`in_component`: the image is a `MachineImage`'s, which may pass on a volume to
        snapshot only when the component's own inputs are refused (so that the refusal is
        reported here, as check failures)."""
        inputs = {**news}
        for key, default in _DEFAULTS.items():
            if inputs.get(key) is None:
                inputs[key] = default
        failures = validate_image_props(inputs, standalone=not in_component)
        # Only a create of exactly this declaration (its botocore retries, or the next `up`
        # after an interrupted one) can adopt what it finds.
        inputs[TOKEN_PROPERTY] = checked_token(
            olds, inputs, urn=urn, replacing=bool(changed_keys(olds, inputs, REPLACE_KEYS))
        )
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds = self.comparable(_current_form(olds))
        news = self.comparable(news)
        replaces = changed_keys(olds, news, REPLACE_KEYS)
        updates = changed_keys(olds, news, UPDATE_KEYS)
        if replaces:
            self._refuse_protected_replacement(_id, olds, replaces)
        if DYNAMIC_PROVIDER_KEY in olds:
            # State written by the dynamic-provider version: one update rewrites it without the
            # pickled provider (DescribeImages only, unless something else changed).
            updates.append(DYNAMIC_PROVIDER_KEY)
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            updates=updates,
            stables=[k for k in OUTPUT_KEYS if k != "protectionState"],
        )

    def _refuse_protected_replacement(
        self, id_: str, olds: dict[str, Any], replaces: list[str]
    ) -> None:
        """A replacement makes the new AMI, then deregisters the old one: refused before
        anything is made (at preview) while protection would refuse that deregistration."""
        recorded = str(olds.get("protectionState") or "")
        if not recorded.lower().startswith(("enabled", "disabled")):
            # Not AWS's own string (state of an older version): the declared setting says.
            recorded = str(olds.get("deregistrationProtection") or Protection.ENABLED.value)
            if recorded != Protection.DISABLED.value:
                recorded = f"{recorded} (as declared)"
        state = parse_protection_state(recorded)
        now = self.now()
        if not state.blocks_deregistration(now):
            return
        name = olds.get("imageName", id_)
        changed = " and ".join(replaces)
        if state.enabled:
            cooldown = (
                f" Its protection has the {COOLDOWN_HOURS}-hour cooldown: after the first "
                f"`pulumi up`, the second is refused until the cooldown ends."
                if state.with_cooldown
                else ""
            )
            advice = (
                f'Do it in two steps: set its deregistrationProtection to "disabled" with '
                f"{changed} as {'they are' if len(replaces) > 1 else 'it is'} now, run `pulumi "
                f"up`; then change {changed} and run `pulumi up` again.{cooldown}"
            )
        else:
            assert state.cooldown_ends is not None  # blocks_deregistration: a cooldown's end
            advice = (
                f"Protection is off, but its {COOLDOWN_HOURS}-hour cooldown runs until "
                f"{state.cooldown_ends:%Y-%m-%d %H:%M:%S} UTC: run `pulumi up` again after "
                "that time."
            )
        raise ProtectedImageError(
            "replacing",
            f"{name}, {id_}",
            f"changing {changed} replaces the AMI: the new one is made first, then this one "
            f"is deregistered, which its deregistration protection ({state.raw}) refuses. "
            f"Nothing was changed. {advice}",
        )

    def preview_update(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """An update's outputs as a preview shows them: an update changes only protection,
        description and tags, so every other output stays what it is."""
        kept = {k: olds.get(k) for k in OUTPUT_KEYS}
        if changed_keys(olds, news, ["deregistrationProtection"]):
            kept["protectionState"] = UNKNOWN
        return {**news, **kept}

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = ImageSpec.from_props(props)
        image = create_image(
            self.client(spec.region),
            spec,
            token=token_of(props) or creation_token("", props),
            report=self.reporter(f"image {spec.image_name}"),
            schedule=self.schedule,
            clock=self.clock,
        )
        image_id = str(image.get("ImageId"))
        outs = image_outputs(image, spec.declared_rates())
        return CreateResult(image_id, {**props, **outs})

    @requires("ec2:DescribeImages")
    def read(
        self, id_: str, props: dict[str, Any], inputs: dict[str, Any] | None = None
    ) -> ReadResult:
        """Refresh (`props` is the recorded state) or import (`props` is empty: every input is
        read from AWS, so that a program declaring what AWS reports shows no diff)."""
        client = self.client(props.get("region"))
        report = self.reporter(f"image {id_}")
        try:
            image = find_image(client, id_)
        except ImageNotFoundError:
            report("deregistered outside Pulumi; it is gone from the stack")
            return ReadResult("", {}, {})
        except ClientError as error:
            raise AwsCallError("reading", id_, error_code(error), str(error)) from error
        except (HTTPClientError, EndpointUnreachableError) as error:
            # Only an answer may drop the image from the stack; no answer changes nothing.
            raise AwsCallError(
                "reading",
                id_,
                type(error).__name__,
                f"DescribeImages got no answer after botocore's retries ({error}); nothing was "
                "changed, run `pulumi refresh` again.",
            ) from error
        if image.get("State") == "disabled":
            # A disabled AMI still exists and still costs its snapshots: it stays in the stack.
            report(
                "disabled (DisableImage): it can't launch instances and was made private (its "
                "launch permissions were removed). It stays in the stack; to use it again, "
                f"re-enable it with EnableImage (`aws ec2 enable-image --image-id {id_}`) and "
                "share it again where needed."
            )
        if not props:
            declared = imported_inputs(image)
            report("imported: every input read from DescribeImages")
            return ReadResult(id_, {**declared, **image_outputs(image, {})}, declared)
        # What AWS reports replaces the recorded value, so the next `up` repairs drift; what it
        # doesn't report (VolumeInitializationRate, the declared mappings) stays as declared.
        drift = {
            "deregistrationProtection": protection_setting(image.get("DeregistrationProtection")),
            "description": image.get("Description") or props.get("description"),
            "tags": reported_tags(image.get("Tags", [])) or None,
        }
        outs = {**props, **image_outputs(image, recorded_rates(props)), **drift}
        return ReadResult(id_, outs, {**(inputs or {}), **drift})

    @requires("ec2:ModifyImageAttribute", "ec2:DescribeImages")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        spec = ImageSpec.from_props(news)
        client = self.client(spec.region)
        report = self.reporter(f"image {spec.image_name} ({id_})")
        recorded = str(olds.get("protectionState") or "")
        # Only AWS's own strings say what is set; anything else (such as the `true` that older
        # versions stored from the enable call's `Return`) means "ask AWS again".
        known = recorded.lower().startswith(("enabled", "disabled"))
        if not (known and parse_protection_state(recorded).satisfies(spec.protection)):
            set_protection(client, id_, spec.protection)
            report(f"deregistration protection set to {spec.protection.value}")
        if normalized(olds.get("description")) != normalized(news.get("description")):
            client.modify_image_attribute(
                ImageId=id_, Description={"Value": spec.description or ""}
            )
        old_tags = {str(k): str(v) for k, v in (olds.get("tags") or {}).items()}
        if old_tags != dict(spec.tags):
            # Snapshots CreateImage made belong to the image; snapshots from elsewhere don't.
            owned = list(olds.get("snapshotIds") or []) if spec.from_instance else []
            retag(client, [id_, *owned], old_tags, spec.tags)
        # One read gives every output, the protection AWS now reports among them.
        image = find_image(client, id_)
        outs = image_outputs(image, spec.declared_rates())
        return UpdateResult({**news, **outs})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        delete_snapshots = props.get("deleteSnapshotsOnDestroy")
        deregister_image(
            self.client(props.get("region")),
            id_,
            # Only an explicit true deletes: state written before inputs were type-checked may
            # hold the string "false", which truthiness would read as true.
            delete_snapshots=delete_snapshots is None or str(delete_snapshots).lower() == "true",
            recorded_snapshot_ids=[str(s) for s in props.get("snapshotIds") or []],
            report=self.reporter(f"image {props.get('imageName', id_)} ({id_})"),
            now=self.now,
        )
