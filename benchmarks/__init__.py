"""Benchmarks of the AMI lifecycle: API calls, waiting, the Pulumi CLI and the policy pack.

Why this exists: the component makes claims that are cheap to state and easy to break (a delete
costs three EC2 calls whatever the number of snapshots, the in-use check included; the waiter
notices an image within 10% of its wait; the policy pack answers fast enough to sit in every
`pulumi preview`). `python -m benchmarks` measures each claim on real runs against the EC2
emulator and the real gRPC protocols, compares it with what Terraform, Packer and
cloud-custodian do, and writes `benchmarks/RESULTS.md` plus charts. Nothing in the tables is
typed in by hand.
"""
