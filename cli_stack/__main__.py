"""`python -m cli_stack [stack]`: the example stack's story through the real Pulumi CLI."""

from __future__ import annotations

import sys

from .story import StoryFailedError, play


def main(argv: list[str]) -> int:
    try:
        play(argv[0] if argv else "demo")
    except StoryFailedError as failure:
        print(f"\ndemo failed: {failure}", file=sys.stderr)
        return 1
    print("\ndemo finished: every step did what it says, and nothing was left behind")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
