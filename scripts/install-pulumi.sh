#!/usr/bin/env bash
# Puts the pinned Pulumi CLI, the YAML language host and the policy-pack launcher in .tools/bin.
#
# A `pulumi` already on PATH is used when it is at least the pinned version. Otherwise the CLI
# is built from Go modules (tools/pulumi-cli pins it) into .tools/bin: a few minutes the first
# time, then cached (the binary, and Go's module and build caches).
#
# Beside it goes the launcher a Pulumi distribution ships for Python policy packs, which the CLI
# runs as a plugin: it runs the Python on PATH (or in $PULUMI_RUNTIME_VIRTUALENV), so callers
# put the project's virtualenv first.
set -euo pipefail
cd "$(dirname "$0")/.."

PINNED="3.274.1"
YAML_HOST="1.25.0"
BIN="$PWD/.tools/bin"
mkdir -p "$BIN"

version_of() { "$1" version 2>/dev/null | sed 's/^v//'; }
at_least() { [ "$(printf '%s\n%s\n' "$PINNED" "$1" | sort -V | head -n1)" = "$PINNED" ]; }

found="$(command -v pulumi || true)"
if [ -n "$found" ] && [ "$found" != "$BIN/pulumi" ] && at_least "$(version_of "$found")"; then
    ln -sf "$found" "$BIN/pulumi"
elif [ ! -x "$BIN/pulumi" ] || [ "$(version_of "$BIN/pulumi")" != "$PINNED" ]; then
    command -v go >/dev/null || { echo "install-pulumi: no pulumi >= $PINNED on PATH and no Go to build it" >&2; exit 1; }
    echo "install-pulumi: building the Pulumi CLI v$PINNED from Go modules (first time: a few minutes)" >&2
    started=$(date +%s)
    (cd tools/pulumi-cli && go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PINNED" \
        -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    mv "$BIN/pulumi.tmp" "$BIN/pulumi"
    echo "install-pulumi: built in $(( $(date +%s) - started ))s" >&2
fi

# The YAML language host: the one host that builds from the Go module proxy here, so plain
# `pulumi up` and `pulumi import` run in a YAML project (the Python host is refused: README).
if ! go version -m "$BIN/pulumi-language-yaml" 2>/dev/null | grep -Eq "^\s+mod\s+github.com/pulumi/pulumi-yaml\s+v$YAML_HOST\s"; then
    echo "install-pulumi: building the YAML language host v$YAML_HOST from Go modules" >&2
    GOBIN="$BIN" go install -trimpath "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$YAML_HOST"
fi

cat > "$BIN/pulumi-analyzer-policy-python" <<'SCRIPT'
#!/bin/sh
# The Pulumi CLI runs this as a plugin: the analyzer of a Python policy pack.
if [ -n "${PULUMI_RUNTIME_VIRTUALENV:-}" ]; then
    exec "$PULUMI_RUNTIME_VIRTUALENV/bin/python" -u -m pulumi.policy "$@"
fi
exec python3 -u -m pulumi.policy "$@"
SCRIPT
chmod +x "$BIN/pulumi-analyzer-policy-python"

"$BIN/pulumi" version
