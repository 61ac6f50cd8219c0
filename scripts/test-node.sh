#!/usr/bin/env bash
# Runs the whole suite (npm test) on another Node version, before a release:
#   npm run test:node -- 24        (or 22, or an exact 24.1.0)
# The binary is the npm registry's node-<platform>-<arch> package, kept in a cache
# folder, and its bin/ goes first on PATH, so npm, tsc, tap and every child process
# run on it. node_modules is reused as installed (the one native module, secp256k1,
# is N-API and loads on any version).
set -euo pipefail
version="${1:?usage: npm run test:node -- <node version, e.g. 24>}"
cd "$(dirname "$0")/.."
target="$(node -p 'process.platform + "-" + process.arch')"
cache="${NODE_VERSIONS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fastify-ocean-compute/node}"
mkdir -p "$cache"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Resolve "24" to the newest 24.x the registry has; the download happens once per version.
exact="$(npm view "node-$target@$version" version --json | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log([].concat(v).at(-1))')"
dir="$cache/node-$target-$exact"
if [ ! -x "$dir/bin/node" ]; then
  npm pack "node-$target@$exact" --pack-destination "$tmp" --silent >/dev/null
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tmp"/node-*.tgz -C "$tmp/unpacked"
  rm -rf "$dir"
  mv "$tmp/unpacked/package" "$dir"
fi

export PATH="$dir/bin:$PATH"
echo "node $(node --version) from $dir"
start=$SECONDS
status=0
npm test || status=$?
echo "npm test on node $(node --version): exit $status after $(( SECONDS - start )) s"
exit "$status"
