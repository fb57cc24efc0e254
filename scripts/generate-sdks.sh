#!/usr/bin/env bash
# Regenerates the Node.js and Go SDKs and sdk/schema.json from the provider's schema
# (package_schema() in provider/ami_lifecycle/schema.py), with Pulumi's own code generators at
# the pinned CLI's version (tools/sdkgen). The generated files are committed; never edit them.
#
#   scripts/generate-sdks.sh [OUT]
#
# OUT defaults to sdk; tests/sdk passes a temporary folder and compares the result with what is
# committed. sdkgen is built into .tools/bin: about a minute the first time, then Go's caches
# make it a second.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="${1:-sdk}"
BIN="$PWD/.tools/bin"
mkdir -p "$OUT" "$BIN"

command -v go >/dev/null || { echo "generate-sdks: Go is needed to build tools/sdkgen" >&2; exit 1; }
# `go install`, unlike `go build -o`, leaves an up-to-date binary alone instead of relinking it.
(cd tools/sdkgen && GOBIN="$BIN" go install -buildvcs=false .)

.venv/bin/python -c '
import json, sys
from ami_lifecycle.schema import package_schema
json.dump(package_schema(), sys.stdout, indent=2)
print()
' > "$OUT/schema.json"

"$BIN/sdkgen" -out "$OUT" "$OUT/schema.json"

# sdkgen's go.mod names only the Pulumi Go SDK: tidy adds what that requires, and go.sum.
(cd "$OUT/go" && go mod tidy)
