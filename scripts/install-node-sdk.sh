#!/usr/bin/env bash
# Installs the generated Node.js SDK into tests/sdk/typescript, the TypeScript program tests/sdk
# type-checks against it: @pulumi/pulumi, TypeScript and @types/node from the npm registry at the
# versions its package-lock.json pins, and a copy of sdk/nodejs (its .npmrc sets install-links),
# which the SDK's postinstall script compiles there with that TypeScript.
#
# node_modules stays between runs (it is gitignored), so only the first run downloads; the SDK's
# copy is made afresh every time, because npm does not notice that a file: package has changed.
set -euo pipefail
cd "$(dirname "$0")/../tests/sdk/typescript"

command -v npm >/dev/null || { echo "install-node-sdk: npm is needed (Node.js 20 or later)" >&2; exit 1; }

if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    rm -rf node_modules/@ami-lifecycle
    # --no-save: the committed lock is only read, never rewritten by a test run.
    npm install --no-save --prefer-offline --no-audit --no-fund
else
    npm ci --no-audit --no-fund
fi

# npm 11 runs the SDK's postinstall script (with a warning: it is not in an allowScripts list,
# which cannot name a file: package portably); should npm skip it, the SDK is compiled here.
SDK_COPY=node_modules/@ami-lifecycle/pulumi
if [ ! -f "$SDK_COPY/bin/package.json" ]; then
    (cd "$SDK_COPY" && npm run --silent postinstall)
fi
