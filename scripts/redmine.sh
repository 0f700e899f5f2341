#!/usr/bin/env bash
# A real Redmine 5 for the live-source tests, from Debian's packages (redmine, redmine-sqlite, puma),
# listening on loopback only. Idempotent: installs what is missing, loads Redmine's default data,
# turns its REST API on, starts it if it is not answering, and writes the admin's API key.
#
#   scripts/redmine.sh start   # install if needed, start; prints the URL and the key file
#   scripts/redmine.sh stop
#
# REDMINE_PORT (3100) chooses the port; the tests read TIMEPORT_TEST_REDMINE_URL and
# TIMEPORT_TEST_REDMINE_KEY (or the key file, $REDMINE_STATE/api-key).
set -euo pipefail

PORT=${REDMINE_PORT:-3100}
URL="http://127.0.0.1:$PORT"
STATE=${REDMINE_STATE:-/var/lib/timeport-test-redmine}
APP=/usr/share/redmine
export RAILS_ENV=production X_DEBIAN_SITEID=default REDMINE_LANG=en

answering() { curl -fsS -o /dev/null --max-time 5 "$URL/projects.json" 2>/dev/null; }

install() {
  if [ -d "$APP" ] && dpkg -s redmine-sqlite puma >/dev/null 2>&1; then return 0; fi
  echo "redmine: installing Debian's redmine, redmine-sqlite and puma"
  # dbconfig-common asks where the database lives; answered here, so nothing prompts.
  debconf-set-selections <<SEL
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select sqlite3
redmine redmine/instances/default/db/basepath string /var/lib/dbconfig-common/sqlite3/redmine/instances/default
redmine redmine/instances/default/default-language select en
SEL
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redmine redmine-sqlite puma >/dev/null
}

configure() {
  mkdir -p "$STATE"
  (cd "$APP" && bundle exec rake redmine:load_default_data >/dev/null 2>&1 || true)
  # The REST API is off by default; the admin's key is created on first read.
  (cd "$APP" && bundle exec rails runner "Setting.rest_api_enabled = '1'; puts User.find_by_login('admin').api_key" 2>/dev/null) \
    | tail -n 1 > "$STATE/api-key"
  [ -s "$STATE/api-key" ] || { echo "redmine: could not read the admin's API key" >&2; exit 1; }
}

start() {
  install
  if ! answering; then
    configure
    (cd "$APP" && nohup puma -e production -b "tcp://127.0.0.1:$PORT" -t 5:5 --pidfile "$STATE/puma.pid" config.ru \
      > "$STATE/puma.log" 2>&1 &)
    for _ in $(seq 1 60); do
      answering && break
      sleep 1
    done
    answering || { echo "redmine: not answering on $URL (see $STATE/puma.log)" >&2; exit 1; }
  elif [ ! -s "$STATE/api-key" ]; then
    configure
  fi
  echo "redmine: $URL, API key in $STATE/api-key"
}

stop() {
  if [ -f "$STATE/puma.pid" ]; then kill "$(cat "$STATE/puma.pid")" 2>/dev/null || true; rm -f "$STATE/puma.pid"; fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
