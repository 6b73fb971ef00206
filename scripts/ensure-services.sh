#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis that the tests talk to are up on 127.0.0.1,
# starting them with this machine's own commands, installing them from Debian if missing.
set -euo pipefail

log() { echo "[ensure-services] $*"; }

apt_install() {
  log "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

wait_until() {
  local what=$1; shift
  for _ in $(seq 1 60); do "$@" && return 0; sleep 0.5; done
  log "$what did not come up"; return 1
}

if ! pg_up; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_until PostgreSQL pg_up
  # A fresh install has no trust auth for TCP nor the test database; the machine image has both.
  if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
    hba=/etc/postgresql/$version/main/pg_hba.conf
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    su postgres -c "psql -c 'create database test'" >/dev/null 2>&1 || true
  fi
fi
log "PostgreSQL is up"

if ! redis_up; then
  command -v redis-server >/dev/null || apt_install redis-server
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_until Redis redis_up
fi
log "Redis is up"
