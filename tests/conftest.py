"""Shared fixtures: the EC2 emulator (in-process and as a server) for every test area."""

import os

# moto's default AMIs are irrelevant here and slow every backend start.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

pytest_plugins = ["ec2_emulator.pytest_plugin"]
