#!/usr/bin/env bash
# Installs and compiles the TypeScript example, examples/typescript: @pulumi/pulumi, TypeScript
# and @types/node from the npm registry at the versions its package-lock.json pins (`npm ci`),
# and a copy of sdk/nodejs (its .npmrc sets install-links), which the SDK's postinstall script
# compiles there with that TypeScript; then the example itself, into examples/typescript/bin.
#
# Both stay between runs (node_modules and bin are gitignored): the install is redone only when
# the lock, the manifest, .npmrc or the SDK's sources change (npm does not notice that a file:
# package has changed), and the compile only when the example's sources or the install are newer
# than it. Warm, the script takes well under a second; npm's cache serves a cold install.
set -euo pipefail
cd "$(dirname "$0")/../examples/typescript"

command -v npm >/dev/null || { echo "install-typescript-example: npm is needed (Node.js 20 or later)" >&2; exit 1; }

STAMP=node_modules/.installed-from
# What the installed node_modules is made from.
wanted=$(
    {
        sha256sum package.json package-lock.json .npmrc
        cd ../../sdk/nodejs
        find . \( -name node_modules -o -name bin \) -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum
    } | sha256sum | cut -d' ' -f1
)

if [ "$(cat "$STAMP" 2>/dev/null)" != "$wanted" ]; then
    # --prefer-offline: what npm's cache has is not fetched again.
    npm ci --prefer-offline --no-audit --no-fund
    # npm 11 runs the SDK's postinstall script (with a warning: it is not in an allowScripts
    # list, which cannot name a file: package portably); should npm skip it, it is run here.
    SDK_COPY=node_modules/@ami-lifecycle/pulumi
    if [ ! -f "$SDK_COPY/bin/package.json" ]; then
        (cd "$SDK_COPY" && npm run --silent postinstall)
    fi
    echo "$wanted" >"$STAMP"
fi

if [ ! -f bin/automation.js ] || [ -n "$(find index.ts automation.ts tsconfig.json "$STAMP" -newer bin/automation.js)" ]; then
    node_modules/.bin/tsc -p .
fi
