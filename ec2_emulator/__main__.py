"""``python -m ec2_emulator``: run the emulator server until SIGTERM/SIGINT.

Why this exists: other processes need a real endpoint. The first stdout line is the endpoint
URL (``http://127.0.0.1:PORT``), so a parent can start this with ``--port 0`` and read where it
listens; boto3 reaches it with ``endpoint_url=`` or ``AWS_ENDPOINT_URL_EC2``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

from .clock import Clock, FakeClock, SystemClock
from .server import EmulatorServer
from .state import EmulatorSettings


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ec2_emulator",
        description="moto's EC2 with the 2025 AMI API, served on a local port.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument("--region", default="us-east-1", help="default region of the controls")
    parser.add_argument(
        "--fake-clock",
        metavar="ISO-8601",
        nargs="?",
        const="",
        default=None,
        help="use a clock that only moves via the control API (optionally starting at this "
        "timezone-aware time); default: real time",
    )
    parser.add_argument("--pending-seconds", type=float, default=0.0)
    parser.add_argument(
        "--echo-volume-initialization-rate",
        action="store_true",
        help="DescribeImages reports Ebs.VolumeInitializationRate (2025 changelog reading)",
    )
    parser.add_argument(
        "--deregistered-visible-seconds",
        type=float,
        default=0.0,
        help="how long DescribeImages still shows a deregistered AMI (default 0)",
    )
    parser.add_argument(
        "--deregistered-empty-seconds",
        type=float,
        default=0.0,
        help="how long after that its ID answers an empty list, not InvalidAMIID.NotFound "
        "(default 0)",
    )
    parser.add_argument(
        "--disabled-image-deregistration",
        choices=("allowed", "refused"),
        default="allowed",
        help="whether DeregisterImage accepts a disabled AMI (no AWS text says; default allowed)",
    )
    parser.add_argument(
        "--protection-return",
        choices=("true", "state"),
        default="true",
        help="the Return of the protection calls: true (the botocore model, default) or the new "
        "protection state (the AWS CLI examples)",
    )
    parser.add_argument(
        "--deprecated-image-ids",
        choices=("described", "hidden"),
        default="described",
        help="whether DescribeImages by ID answers another account's deprecated AMI without "
        "IncludeDeprecated: described (the User Guide, default) or hidden (the model's words)",
    )
    parser.add_argument(
        "--last-launched-delay-seconds",
        type=float,
        default=86400.0,
        help="how long after a launch LastLaunchedTime reports it (default 86400: the 24 hours "
        "of the texts)",
    )
    parser.add_argument(
        "--block-public-access-seconds",
        type=float,
        default=0.0,
        help="how long EnableImageBlockPublicAccess takes to be in force (up to 600; default 0)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    clock: Clock
    if args.fake_clock is None:
        clock = SystemClock()
    elif args.fake_clock:
        clock = FakeClock(datetime.fromisoformat(args.fake_clock))
    else:
        clock = FakeClock()
    settings = EmulatorSettings().update(
        pending_seconds=args.pending_seconds,
        echo_volume_initialization_rate=args.echo_volume_initialization_rate,
        deregistered_visible_seconds=args.deregistered_visible_seconds,
        deregistered_empty_seconds=args.deregistered_empty_seconds,
        disabled_image_deregistration=args.disabled_image_deregistration,
        protection_return=args.protection_return,
        deprecated_image_ids=args.deprecated_image_ids,
        last_launched_delay_seconds=args.last_launched_delay_seconds,
        block_public_access_seconds=args.block_public_access_seconds,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    server = EmulatorServer(
        args.host, args.port, clock=clock, settings=settings, region=args.region
    )
    server.start()
    try:
        print(server.endpoint_url, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
