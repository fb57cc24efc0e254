"""`python -m cli_stack [--language python|typescript|go|yaml] [stack]`: the example stack's
story through the real Pulumi CLI, with the Python example (`__main__.py`, the default), or the
same stack in another language (`examples/<language>`: YAML with plain `pulumi` commands,
TypeScript and Go as Automation API programs)."""

from __future__ import annotations

import argparse
import sys

from .story import LANGUAGES, StoryFailedError, play


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cli_stack",
        description="The example stack's story through the real Pulumi CLI, on a local EC2 "
        "emulator.",
    )
    parser.add_argument("stack", nargs="?", default="demo", help="the stack's name (demo)")
    parser.add_argument(
        "--language",
        choices=sorted(LANGUAGES),
        default="python",
        help="which example plays the story (python)",
    )
    arguments = parser.parse_args(argv)
    try:
        play(arguments.stack, driver=LANGUAGES[arguments.language])
    except StoryFailedError as failure:
        print(f"\ndemo failed: {failure}", file=sys.stderr)
        return 1
    print("\ndemo finished: every step did what it says, and nothing was left behind")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
