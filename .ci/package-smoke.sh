#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, `npm install -g` of the tarball into an empty prefix
# (production dependencies only, no tsx, esbuild or TypeScript), then, from a directory outside the
# clone, the installed `timeport serve` answers /healthz, /ui/, /docs and /openapi.json, and the
# installed `timeport import` imports one entry into it (token from TRACKER_TOKEN, no --token).
# Called by .ci/run; runs on whichever Node is first on the PATH.
set -euo pipefail

cd "$(dirname "$0")/.."
fail() { printf 'PACKAGE SMOKE TEST FAILED: %s\n' "$*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/timeport-package.XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "node $(node --version), npm $(npm --version); working in $work"
npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/timeport-*.tgz)
echo "packed $(basename "$tarball") ($(tar -tzf "$tarball" | wc -l) files)"

prefix=$work/prefix
mkdir -p "$prefix" "$work/elsewhere"
# A project's .npmrc or the clone's node_modules must play no part: install from elsewhere.
(cd "$work/elsewhere" && npm install -g --prefix "$prefix" --no-audit --no-fund --loglevel=error "$tarball")
installed=$prefix/lib/node_modules/timeport
for dev in tsx esbuild typescript @esbuild playwright-core; do
  [[ ! -e $installed/node_modules/$dev && ! -e $prefix/lib/node_modules/$dev ]] || fail "the install holds the development dependency $dev"
done
timeport=$prefix/bin/timeport
cd "$work/elsewhere"
version=$("$timeport" --version)
[[ $version == "$(node -p "require('$OLDPWD/package.json').version")" ]] || fail "timeport --version printed '$version'"
echo "timeport --version: $version"

token=tpt_package-smoke-test-admin-token-0000000001
env -u DATABASE_URL TIMEPORT_DATA_DIR="$work/data" PORT=0 HOST=127.0.0.1 LOG_LEVEL=warn TIMEPORT_ADMIN_TOKEN=$token \
  "$timeport" serve >"$work/server.log" 2>&1 &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -nE 's/^Timeport is listening on (http:\/\/[^ ]+)$/\1/p' "$work/server.log" | head -n 1)
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the installed server exited: $(cat "$work/server.log")"
  sleep 0.2
done
[[ -n $url ]] || fail "the installed server printed no listening line: $(cat "$work/server.log")"
echo "installed server listening on $url"
for page in /healthz /ui/ /docs /openapi.json /favicon.ico; do
  status=$(curl -s -o /dev/null -L -w '%{http_code}' "$url$page")
  [[ $status == 200 ]] || fail "GET $page answered $status"
  echo "GET $page: $status"
done

auth=(-H "Authorization: OAuth $token" -H 'X-Org-ID: 1' -H 'Content-Type: application/json')
curl -sf "${auth[@]}" -d '{"key":"SMOKE","name":"Smoke","lead":"admin"}' "$url/v3/queues/" >/dev/null || fail "could not create queue SMOKE"
issue=$(curl -sf "${auth[@]}" -d '{"queue":"SMOKE","summary":"Smoke","createdAt":"2025-01-01T00:00:00.000+0000","createdBy":"admin","updatedAt":"2025-12-31T00:00:00.000+0000","updatedBy":"admin"}' \
  "$url/v3/issues/_import" | node -e 'let s="";process.stdin.on("data",(c)=>(s+=c)).on("end",()=>console.log(JSON.parse(s).key))')
echo '{"issue":"'"$issue"'","externalId":"smoke-1","createdBy":"admin","createdAt":"2025-01-02T11:00:00.000+0000","start":"2025-01-02T10:00:00.000+0000","duration":"PT1H","comment":"smoke"}' >entries.ndjson
TRACKER_URL=$url TRACKER_TOKEN=$token TRACKER_ORG_ID=1 XDG_STATE_HOME="$work/state" "$timeport" import entries.ndjson | tee import.log
grep -q 'created 1,' import.log || fail "timeport import did not create the entry: $(cat ./*.failures.csv 2>/dev/null)"
count=$(curl -sf "${auth[@]}" "$url/v3/issues/$issue/worklog" | node -e 'let s="";process.stdin.on("data",(c)=>(s+=c)).on("end",()=>console.log(JSON.parse(s).length))')
[[ $count == 1 ]] || fail "the issue has $count worklogs, not 1"
echo "the installed package serves and imports"
