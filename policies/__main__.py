"""Entry point of the pack: the Pulumi CLI runs `python -u -m pulumi.policy <engine> .` here."""

from typing import TYPE_CHECKING

from pulumi_policy import PolicyPack

if TYPE_CHECKING:
    # Type checkers start from the repository root, where this directory is the `policies` package.
    from policies.ami_guard import PACK_OPTIONS
else:
    # The CLI runs this file with this directory on sys.path.
    from ami_guard import PACK_OPTIONS

PolicyPack(**PACK_OPTIONS)
