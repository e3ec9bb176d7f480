#!/usr/bin/env bash
# Installs (from Debian) and starts what the test-suite talks to. Idempotent: packages already
# installed are not installed again and services already listening are left alone.
set -euo pipefail

LOG_DIR="${TMPDIR:-/tmp}/rx-mq-brokers"
mkdir -p "$LOG_DIR"

need_pkgs=()
want() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$1"); }

# Independent AMQP 1.0 / STOMP peers and the AMQP specification XML.
want python3-qpid-proton
want python3-stomp
want amqp-specs
# RabbitMQ 3.10: AMQP 1.0, STOMP and Web-STOMP plugins.
want rabbitmq-server

if [ ${#need_pkgs[@]} -gt 0 ]; then
  apt-get update -qq
  # Package scripts may try to start services; we start them ourselves below.
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds name
  local i
  for ((i = 0; i < $2; i++)); do
    port_open "$1" && return 0
    sleep 1
  done
  echo "brokers.sh: $3 did not open port $1 within $2 s; see $LOG_DIR" >&2
  return 1
}

# --- RabbitMQ ---------------------------------------------------------------------------------
if ! port_open 5672; then
  rabbitmq-plugins enable --offline rabbitmq_amqp1_0 rabbitmq_stomp rabbitmq_web_stomp >/dev/null
  setsid nohup rabbitmq-server >"$LOG_DIR/rabbitmq.log" 2>&1 < /dev/null &
fi
wait_port 5672 120 "RabbitMQ AMQP"
wait_port 61613 60 "RabbitMQ STOMP"
wait_port 15674 60 "RabbitMQ Web-STOMP"
echo "brokers.sh: RabbitMQ listening (AMQP 5672, STOMP 61613, Web-STOMP 15674)"
