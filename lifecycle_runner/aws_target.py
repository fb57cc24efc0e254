"""Where a run's AWS calls go, and how every process is pointed there.

Why this exists: the runner must never reach real AWS. Every process of a run (the program,
which runs inside the runner, the dynamic provider host, the policy pack) gets the same
environment: the endpoint for EC2 (``AWS_ENDPOINT_URL_EC2``, honoured by boto3 and the AWS
CLI) and for every other service (``AWS_ENDPOINT_URL``, so a stray STS or S3 call lands on the
local server too instead of leaving the machine), dummy credentials, the region, and no
instance-metadata lookups. The runner's own calls (seeding, checking for leftovers) use the
same endpoint through :meth:`AwsTarget.client`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class AwsTarget:
    endpoint_url: str
    region: str = DEFAULT_REGION
    seeded_config: Mapping[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL_EC2": self.endpoint_url,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            **DUMMY_CREDENTIALS,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, service: str = "ec2") -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
        )


# Pre-existing objects a program needs (a snapshot to register from, a volume to snapshot):
# creates them against the target and returns the stack config that names them.
Seed = Callable[[AwsTarget], dict[str, str]]

_LEFTOVER_QUERIES: dict[str, Callable[[Any], list[str]]] = {
    "images": lambda ec2: [i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]],
    "snapshots": lambda ec2: [
        s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    ],
    "volumes": lambda ec2: [v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]],
}
LEFTOVER_KINDS = tuple(_LEFTOVER_QUERIES)


def leftovers(target: AwsTarget, kinds: Sequence[str]) -> dict[str, list[str]]:
    """What of each kind still exists in the target's region (images and snapshots: own)."""
    ec2 = target.client("ec2")
    return {kind: _LEFTOVER_QUERIES[kind](ec2) for kind in kinds}
