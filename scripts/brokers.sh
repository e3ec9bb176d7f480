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
# ActiveMQ 5.17 (a second STOMP broker).
want activemq
# Qpid Proton's C example broker (a third AMQP 1.0 peer): library, example sources, compiler.
# libc6-dev (C headers, crt files) is only a Recommends of gcc, which --no-install-recommends skips.
want libqpid-proton11-dev
want libqpid-proton11-dev-examples
want gcc
want libc6-dev
# Headless Chromium for the browser tests (driven by playwright-core from npm).
want chromium-headless-shell
# Real proxies for the proxy tests: a SOCKS5 server (user/password per RFC 1929) and an HTTP
# proxy whose CONNECT takes Basic auth.
want microsocks
want tinyproxy

if [ ${#need_pkgs[@]} -gt 0 ]; then
  apt-get update -qq
  # Package scripts may try to start services; we start them ourselves below.
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the last lines of each log named, so that a CI run which fails here says why.
show_logs() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "brokers.sh: --- last lines of $(basename "$f") ---" >&2
    tail -n 40 "$f" >&2
  done
}

wait_port() { # port seconds name [pid of the process that should open it] [log...]
  local port=$1 seconds=$2 name=$3 pid=${4:-} i
  shift 4 2>/dev/null || shift $#
  for ((i = 0; i < seconds; i++)); do
    port_open "$port" && return 0
    # A process that has exited will never open the port: say so now rather than at the timeout.
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "brokers.sh: $name exited before opening port $port" >&2
      show_logs "$@"
      return 1
    fi
    sleep 1
  done
  echo "brokers.sh: $name did not open port $port within $seconds s" >&2
  show_logs "$@"
  return 1
}

# --- RabbitMQ ---------------------------------------------------------------------------------
# The broker keeps its data in a directory of this script's, emptied each time the script starts
# it. The test-suite and the benchmarks declare durable queues with unique names; kept across
# runs they pile up in their thousands and the broker recovers every one of them before it opens
# its ports, so a start on a machine that has run the suite many times could take minutes. Nothing
# in that data outlives a run (the users and virtual host below are made again on every start),
# and a system broker's own data directory is never touched.
RABBIT_PID=""
RABBIT_DATA="$LOG_DIR/rabbitmq-data"
if ! port_open 5672; then
  rabbitmq-plugins enable --offline rabbitmq_amqp1_0 rabbitmq_stomp rabbitmq_web_stomp >/dev/null
  rm -rf "$RABBIT_DATA"
  mkdir -p "$RABBIT_DATA"
  chown rabbitmq:rabbitmq "$RABBIT_DATA"
  RABBITMQ_MNESIA_BASE="$RABBIT_DATA" setsid nohup rabbitmq-server >"$LOG_DIR/rabbitmq.log" 2>&1 < /dev/null &
  RABBIT_PID=$!
fi
wait_port 5672 300 "RabbitMQ AMQP" "$RABBIT_PID" "$LOG_DIR/rabbitmq.log" /var/log/rabbitmq/startup_err
wait_port 61613 60 "RabbitMQ STOMP"
wait_port 15674 60 "RabbitMQ Web-STOMP"
# A virtual host of its own for the tests that close every connection (rabbitmqctl
# close_all_connections -p), so they never cut connections of anything else using the broker.
rabbitmqctl -q add_vhost rx-mq-outage >/dev/null 2>&1 || true
rabbitmqctl -q set_permissions -p rx-mq-outage guest '.*' '.*' '.*' >/dev/null
# A user with restricted permissions, for the tests of ERROR on a forbidden destination: on "/"
# it may configure, write and read only resources named rxmq-limited-*, and publish through the
# default exchange (what a STOMP SEND to /queue/X does); anything else, e.g. /queue/rxmq-forbidden,
# is refused with access_refused. add_user fails when the user exists, so it runs only then;
# change_password and set_permissions are idempotent and put back the expected state.
if ! rabbitmqctl -q list_users 2>/dev/null | grep -q '^rxmq-limited[[:space:]]'; then
  rabbitmqctl -q add_user rxmq-limited rxmq-limited-pw >/dev/null
fi
rabbitmqctl -q change_password rxmq-limited rxmq-limited-pw >/dev/null
rabbitmqctl -q set_permissions -p / rxmq-limited '^rxmq-limited-.*' '^(amq\.default|rxmq-limited-.*)$' '^rxmq-limited-.*' >/dev/null
echo "brokers.sh: RabbitMQ listening (AMQP 5672, STOMP 61613, Web-STOMP 15674)"

# --- ActiveMQ ---------------------------------------------------------------------------------
# Debian's package ships an instance "main" in /etc/activemq/instances-available/main that only
# speaks OpenWire on 127.0.0.1:61616. We add a STOMP connector on 61614, enable the instance
# (a symlink in instances-enabled) and start it with the package's SysV script, which runs the
# broker as the activemq user through start-stop-daemon (no systemd needed).
AMQ_CONF=/etc/activemq/instances-available/main/activemq.xml
if ! grep -q 'name="stomp"' "$AMQ_CONF"; then
  sed -i 's#\(<transportConnector name="openwire"[^>]*/>\)#\1\n            <transportConnector name="stomp" uri="stomp://127.0.0.1:61614"/>#' "$AMQ_CONF"
fi
grep -q 'name="stomp"' "$AMQ_CONF" || { echo "brokers.sh: could not add the STOMP connector to $AMQ_CONF" >&2; exit 1; }
[ -e /etc/activemq/instances-enabled/main ] || ln -s /etc/activemq/instances-available/main /etc/activemq/instances-enabled/main
if ! port_open 61614; then
  /etc/init.d/activemq start >"$LOG_DIR/activemq.log" 2>&1 || true
fi
wait_port 61616 90 "ActiveMQ OpenWire" "" "$LOG_DIR/activemq.log"
wait_port 61614 30 "ActiveMQ STOMP"
echo "brokers.sh: ActiveMQ listening (OpenWire 61616, STOMP 61614)"

# --- Qpid Proton C example broker ---------------------------------------------------------------
# libqpid-proton11-dev-examples ships the C examples as source only. broker.c (with the examples'
# thread.h beside it) is compiled once into the cache directory and started on 127.0.0.1:5673
# (its arguments are HOST PORT). It keeps queues in memory, offers SASL ANONYMOUS only, and sends
# to consumers pre-settled.
#
# One line is changed before compiling. On each PN_DELIVERY event the example appends the
# readable bytes of an incoming message to its buffer, but passes pn_link_recv the start of the
# buffer: when a large message arrives over several events, each part overwrites the first and
# the end of the stored message is whatever realloc left there. Large messages through this
# broker were then intermittently corrupt (rx-mq's large-message benchmark saw it about once in
# ten runs); the change makes the call receive at the end of what has arrived.
PROTON_PORT=5673
PROTON_BIN="$LOG_DIR/proton-c-broker-recv-fixed"
if [ ! -x "$PROTON_BIN" ]; then
  PROTON_SRC=$(dpkg -L libqpid-proton11-dev-examples | grep '/examples/c/broker\.c$' || true)
  [ -n "$PROTON_SRC" ] || { echo "brokers.sh: libqpid-proton11-dev-examples has no examples/c/broker.c" >&2; exit 1; }
  sed 's|recv = pn_link_recv(l, m->start, m->size);|recv = pn_link_recv(l, m->start + (m->size - size), size);|' \
    "$PROTON_SRC" >"$LOG_DIR/broker.c"
  grep -q 'pn_link_recv(l, m->start + (m->size - size), size);' "$LOG_DIR/broker.c" ||
    { echo "brokers.sh: broker.c no longer has the pn_link_recv call this script corrects; check it" >&2; exit 1; }
  gcc -O2 -I"$(dirname "$PROTON_SRC")" -o "$PROTON_BIN.tmp" "$LOG_DIR/broker.c" -lqpid-proton -lpthread
  mv "$PROTON_BIN.tmp" "$PROTON_BIN"
fi
# A broker this script started from an earlier build (without the change) is stopped, by the
# process id it recorded, so that the one below replaces it.
PROTON_PID_FILE="$LOG_DIR/proton-c-broker.pid"
if [ -f "$PROTON_PID_FILE" ]; then
  OLD_PID=$(cat "$PROTON_PID_FILE")
  if kill -0 "$OLD_PID" 2>/dev/null && [ "$(readlink "/proc/$OLD_PID/exe" || true)" != "$PROTON_BIN" ]; then
    kill "$OLD_PID"
    for ((i = 0; i < 50 && $(port_open "$PROTON_PORT" && echo 1 || echo 0) == 1; i++)); do sleep 0.1; done
  fi
fi
if ! port_open "$PROTON_PORT"; then
  # Run from the cache directory: the broker looks for ./ssl-certs and, finding none, logs that
  # it has no server certificate and serves plain AMQP only.
  (
    cd "$LOG_DIR"
    setsid nohup "$PROTON_BIN" 127.0.0.1 "$PROTON_PORT" >"$LOG_DIR/proton-c-broker.log" 2>&1 < /dev/null &
    echo $! >"$PROTON_PID_FILE"
  )
fi
wait_port "$PROTON_PORT" 30 "Qpid Proton C broker" "$(cat "$PROTON_PID_FILE" 2>/dev/null || true)" "$LOG_DIR/proton-c-broker.log"
echo "brokers.sh: Qpid Proton C example broker listening (AMQP $PROTON_PORT)"

# --- Proxies ------------------------------------------------------------------------------------
# microsocks twice: without authentication on 11080, and requiring user/password on 11081.
# tinyproxy on 13128 with Basic auth, its config written here (no ConnectPort line: CONNECT to any
# port). Each is started once and recorded by process id, like the Proton broker above.
PROXY_USER=rxmq-proxy
PROXY_PASSWORD=rxmq-proxy-pw
start_proxy() { # name port command...
  local name=$1 port=$2
  shift 2
  if ! port_open "$port"; then
    setsid nohup "$@" >"$LOG_DIR/$name.log" 2>&1 < /dev/null &
    echo $! >"$LOG_DIR/$name.pid"
  fi
  wait_port "$port" 30 "$name" "$(cat "$LOG_DIR/$name.pid" 2>/dev/null || true)" "$LOG_DIR/$name.log"
}
start_proxy microsocks-open 11080 microsocks -i 127.0.0.1 -p 11080
start_proxy microsocks-auth 11081 microsocks -i 127.0.0.1 -p 11081 -u "$PROXY_USER" -P "$PROXY_PASSWORD"
cat >"$LOG_DIR/tinyproxy.conf" <<CONF
Port 13128
Listen 127.0.0.1
Timeout 600
MaxClients 200
Allow 127.0.0.1
BasicAuth $PROXY_USER $PROXY_PASSWORD
LogLevel Info
CONF
start_proxy tinyproxy 13128 tinyproxy -d -c "$LOG_DIR/tinyproxy.conf"
echo "brokers.sh: proxies listening (SOCKS5 11080 open, 11081 user/password; HTTP CONNECT 13128 Basic auth)"
