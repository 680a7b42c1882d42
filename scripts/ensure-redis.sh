#!/usr/bin/env bash
# Makes sure a Redis answers on 127.0.0.1:6379: installs it when missing, starts it when stopped.
# Never skips: a test run without Redis must fail loudly, not pass by leaving tests out.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found; installing it"
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
redis-cli -h 127.0.0.1 -p 6379 ping
