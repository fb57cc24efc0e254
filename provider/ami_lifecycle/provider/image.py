"""`ImageProvider`: the CRUD of `ami-lifecycle:index:Image`, one AMI, kept thin over creation,
updates and deregistration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachableError
from pulumi.runtime.rpc import UNKNOWN

from ..adoption import TOKEN_PROPERTY, checked_token, creation_token, token_of
from ..attributes import (
    ATTRIBUTE_KEYS,
    apply_attributes,
    attribute_outputs,
    blocked_message,
    canonical_attributes,
    check_deprecation_window,
    declares_attributes,
    deprecation_instant,
    drifted_attributes,
    public_sharing_blocked,
)
from ..aws.clients import error_code
from ..aws.finder import find_image
from ..creation import create_image, set_protection
from ..deregistration import deregister_image
from ..errors import (
    AwsCallError,
    ImageNotFoundError,
    ImageOperationError,
    InputProblem,
    ProtectedImageError,
)
from ..iam import requires
from ..image_spec import ImageSpec, recorded_rates
from ..outputs import OUTPUT_KEYS, image_outputs, protection_setting, reported_tags
from ..protection import COOLDOWN_HOURS, Protection, parse_protection_state
from ..tagging import retag
from ..validation import is_unknown, validate_image_props
from .aws_settings import AwsSettings
from .imported import imported_inputs
from .property_diff import DYNAMIC_PROVIDER_KEY, changed_keys, normalized
from .results import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import ImageTypeDef

__all__ = ["DEFAULTS", "REPLACE_KEYS", "UPDATE_KEYS", "ImageProvider"]

REPLACE_KEYS = ("imageName", "region", "fromSnapshots", "fromInstance", "blockDeviceMappings")
"""What AWS can't change on an existing AMI."""
UPDATE_KEYS = (
    "deregistrationProtection",
    "description",
    "tags",
    "deleteSnapshotsOnDestroy",
    "deleteWhenInUse",
    *ATTRIBUTE_KEYS,
)
"""What is changed in place (`deleteSnapshotsOnDestroy`, `deleteWhenInUse` only in the state)."""

DEFAULTS: dict[str, Any] = {
    "deregistrationProtection": Protection.ENABLED.value,
    "deleteSnapshotsOnDestroy": True,
    "deleteWhenInUse": False,
    "disabled": False,
}
"""The defaults check fills in: what an image (or a copy) gets when its program says nothing."""
_ADDED_LATER: dict[str, Any] = {"deleteWhenInUse": False}
"""Inputs newer than some recorded states: absent there means the default, not a change."""


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

    replace_keys: tuple[str, ...] = REPLACE_KEYS
    update_keys: tuple[str, ...] = UPDATE_KEYS
    noun = "image"
    """What its progress messages call the AMI."""

    def check(
        self,
        olds: dict[str, Any],
        news: dict[str, Any],
        *,
        urn: str = "",
        in_component: bool = False,
    ) -> CheckResult:
        inputs = {**news}
        for key, default in DEFAULTS.items():
            if inputs.get(key) is None:
                inputs[key] = default
        failures = self.validate(inputs, in_component=in_component)
        replacing = bool(changed_keys(olds, inputs, self.replace_keys))
        failures += check_deprecation_window(
            olds, inputs, now=self.now(), setting=not olds or replacing
        )
        failures += self._public_sharing_problems({} if replacing else olds, inputs)
        # Only a create of exactly this declaration (its botocore retries, or the next `up`
        # after an interrupted one) can adopt what it finds.
        inputs[TOKEN_PROPERTY] = checked_token(olds, inputs, urn=urn, replacing=replacing)
        return CheckResult(inputs, failures)

    def validate(self, inputs: dict[str, Any], *, in_component: bool) -> list[InputProblem]:
        """`in_component`: the image is a `MachineImage`'s, which may pass on a volume to
        snapshot only when the component's own inputs are refused (so that the refusal is
        reported here, as check failures)."""
        return validate_image_props(inputs, standalone=not in_component)

    def _public_sharing_problems(
        self, olds: dict[str, Any], inputs: dict[str, Any]
    ) -> list[InputProblem]:
        """Block public access for AMIs refuses a new public share. Worth one read-only call,
        only when an image is to become public: otherwise the preview passes and the `up`
        fails after the image is made (a create then undoes it)."""
        sharing, old = inputs.get("launchPermissions"), olds.get("launchPermissions")
        if not (isinstance(sharing, Mapping) and sharing.get("public") is True):
            return []
        # An AMI that is public stays public (EnableImageBlockPublicAccess).
        if isinstance(old, Mapping) and old.get("public") is True:
            return []
        declared = inputs.get("region")
        if is_unknown(declared):
            return []
        client = self.client(declared if isinstance(declared, str) else None)
        try:
            blocked = public_sharing_blocked(client)
        except (ClientError, BotoCoreError):
            # Not allowed or not reachable: the share itself then fails and says why.
            return []
        if not blocked:
            return []
        message = blocked_message(client.meta.region_name)
        return [InputProblem("launchPermissions.public", message)]

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds = self.comparable(canonical_attributes({**_ADDED_LATER, **_current_form(olds)}))
        news = self.comparable(canonical_attributes(news))
        replaces = changed_keys(olds, news, self.replace_keys)
        updates = changed_keys(olds, news, self.update_keys)
        if replaces:
            self._refuse_protected_replacement(_id, olds, replaces)
        elif "deprecationTime" in updates:
            self._refuse_public_deprecation(_id, olds, news)
        if DYNAMIC_PROVIDER_KEY in olds:
            # State written by the dynamic-provider version: one update rewrites it without the
            # pickled provider (DescribeImages only, unless something else changed).
            updates.append(DYNAMIC_PROVIDER_KEY)
        # AWS reports a launch a day later, whenever an update reads the image.
        moving = {"protectionState", "lastLaunchedTime"}
        if "disabled" in updates:
            moving.add("state")  # DisableImage and EnableImage change it
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            updates=updates,
            stables=[k for k in OUTPUT_KEYS if k not in moving],
        )

    def _refuse_public_deprecation(
        self, id_: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> None:
        """A public image's deprecation time is limited by its creation date, which only the
        state knows (check has the old inputs alone): refused here, at preview."""
        created = deprecation_instant(olds.get("creationDate"))
        if created is None:
            return
        problems = check_deprecation_window(olds, news, now=self.now(), created=created)
        public = [p for p in problems if "public AMIs" in p.reason]
        if public:
            name = olds.get("imageName", id_)
            raise ImageOperationError("updating", f"{name}, {id_}", str(public[0]))

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
        if changed_keys(canonical_attributes(olds), canonical_attributes(news), ["disabled"]):
            kept["state"] = UNKNOWN
        return {**news, **kept}

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = ImageSpec.from_props(props)
        client = self.client(spec.region)
        report = self.reporter(f"image {spec.image_name}")

        def finish(image_id: str, image: ImageTypeDef) -> ImageTypeDef:
            apply_attributes(client, image_id, {}, props, report=report, now=self.now())
            if not declares_attributes(props):
                return image
            # What AWS made of it: the rounded deprecation time, the disabled state.
            return find_image(client, image_id)

        image = create_image(
            client,
            spec,
            token=token_of(props) or creation_token("", props),
            report=report,
            schedule=self.schedule,
            clock=self.clock,
            finish=finish,
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
        image = self.reported(client, id_, report)
        if image is None:
            return ReadResult("", {}, {})
        if image.get("State") == "disabled" and props.get("disabled") is not True:
            # A disabled AMI still exists and still costs its snapshots: it stays in the stack.
            report(
                "disabled (DisableImage): it can't launch instances and was made private (its "
                "launch permissions were removed). It stays in the stack as disabled: the next "
                "`pulumi up` re-enables it (EnableImage) and shares it as launchPermissions "
                "declare, unless the program sets disabled to true; or re-enable it by hand "
                f"(`aws ec2 enable-image --image-id {id_}`)."
            )
        reported = attribute_outputs(client, image)
        if not props:
            declared = {
                **imported_inputs(image),
                # Only what differs from an AMI as created: a program declares no more.
                **{k: v for k, v in reported.items() if v},
            }
            report("imported: every input read from DescribeImages")
            return ReadResult(id_, {**declared, **image_outputs(image, {})}, declared)
        # What AWS reports replaces the recorded value, so the next `up` repairs drift; what it
        # doesn't report (VolumeInitializationRate, the declared mappings) stays as declared.
        drift = {
            "deregistrationProtection": protection_setting(image.get("DeregistrationProtection")),
            "description": image.get("Description") or props.get("description"),
            "tags": reported_tags(image.get("Tags", [])) or None,
            **drifted_attributes(props, reported),
        }
        outs = {**props, **image_outputs(image, recorded_rates(props)), **drift}
        return ReadResult(id_, outs, {**(inputs or {}), **drift})

    @staticmethod
    def reported(client: EC2Client, id_: str, report: Callable[[str], None]) -> ImageTypeDef | None:
        """The AMI as DescribeImages reports it for a refresh or an import; None when AWS says
        it is gone (deregistered outside Pulumi)."""
        try:
            return find_image(client, id_)
        except ImageNotFoundError:
            report("deregistered outside Pulumi; it is gone from the stack")
            return None
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

    @requires("ec2:ModifyImageAttribute", "ec2:DescribeImages")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        spec = ImageSpec.from_props(news)
        client = self.client(spec.region)
        # Snapshots CreateImage made belong to the image; snapshots from elsewhere don't.
        owned = list(olds.get("snapshotIds") or []) if spec.from_instance else []
        self.change_in_place(
            client,
            id_,
            olds,
            news,
            protection=spec.protection,
            description=spec.description,
            tags=spec.tags,
            owned_snapshots=owned,
            report=self.reporter(f"image {spec.image_name} ({id_})"),
        )
        # One read gives every output, the protection AWS now reports among them.
        image = find_image(client, id_)
        outs = image_outputs(image, spec.declared_rates())
        return UpdateResult({**news, **outs})

    def change_in_place(
        self,
        client: EC2Client,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        *,
        protection: Protection,
        description: str | None,
        tags: Mapping[str, str],
        owned_snapshots: list[str],
        report: Callable[[str], None],
    ) -> None:
        """What an update changes on an AMI, one call per changed input: protection,
        description, tags (on the image and the snapshots it owns), and the attributes."""
        recorded = str(olds.get("protectionState") or "")
        # Only AWS's own strings say what is set; anything else (such as the `true` that older
        # versions stored from the enable call's `Return`) means "ask AWS again".
        known = recorded.lower().startswith(("enabled", "disabled"))
        if not (known and parse_protection_state(recorded).satisfies(protection)):
            set_protection(client, id_, protection)
            report(f"deregistration protection set to {protection.value}")
        if normalized(olds.get("description")) != normalized(news.get("description")):
            client.modify_image_attribute(ImageId=id_, Description={"Value": description or ""})
        old_tags = {str(k): str(v) for k, v in (olds.get("tags") or {}).items()}
        if old_tags != dict(tags):
            retag(client, [id_, *owned_snapshots], old_tags, tags)
        apply_attributes(client, id_, olds, news, report=report, now=self.now())

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        delete_snapshots = props.get("deleteSnapshotsOnDestroy")
        deregister_image(
            self.client(props.get("region")),
            id_,
            # Only an explicit true deletes: state written before inputs were type-checked may
            # hold the string "false", which truthiness would read as true.
            delete_snapshots=delete_snapshots is None or str(delete_snapshots).lower() == "true",
            # Like deleteSnapshotsOnDestroy: only an explicit true deletes an image in use.
            delete_when_in_use=str(props.get("deleteWhenInUse")).lower() == "true",
            recorded_snapshot_ids=[str(s) for s in props.get("snapshotIds") or []],
            report=self.reporter(f"{self.noun} {props.get('imageName', id_)} ({id_})"),
            now=self.now,
            recycle_bin=self.recycle_bin_report,
        )
