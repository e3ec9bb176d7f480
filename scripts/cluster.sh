#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this one machine, for the failover test (npm run test:cluster)
# and for trying rx-mq's clients against a cluster by hand (docs/CLUSTER.md).
#
#   bash scripts/cluster.sh start            start the three nodes and join them (idempotent)
#   bash scripts/cluster.sh stop             stop every node of the cluster and delete its data
#   bash scripts/cluster.sh status           each node: running or not, its ports, the cluster's members
#   bash scripts/cluster.sh ctl N ARGS...    rabbitmqctl ARGS on node N (1..3), e.g. `ctl 2 stop_app`
#   bash scripts/cluster.sh declare-quorum Q declare the durable quorum queue Q (virtual host "/")
#
# The nodes live beside the shared single broker of scripts/brokers.sh and touch nothing of it:
# their own node names (rxmq-c1@localhost ...), their own ports (below), their own Erlang cookie
# (a HOME of their own holding .erlang.cookie, so that neither side can stop the other), their own
# configuration, enabled-plugins, data and log files, all under one directory of their own. Only
# the Erlang port mapper (epmd, port 4369) is shared, as it is meant to be.
#
# Ports (each can be moved with its variable; node N uses BASE + N):
#   AMQP 0-9-1 and AMQP 1.0   RXMQ_CLUSTER_AMQP_BASE   5680   -> 5681 5682 5683
#   STOMP                     RXMQ_CLUSTER_STOMP_BASE  61630  -> 61631 61632 61633
#   Erlang distribution       RXMQ_CLUSTER_DIST_BASE   25680  -> 25681 25682 25683
# The management plugin is not enabled (nothing here needs its HTTP API, and three more web
# servers would slow the start on a small machine); queues are declared with `rabbitmqctl eval`.
#
# Quorum queues: RabbitMQ 3.10 has no default queue type per virtual host, and over AMQP 1.0 it
# declares a missing queue as a classic one, so a queue meant to survive a node's loss is declared
# beforehand as quorum (`declare-quorum`), replicated on all three nodes.
set -euo pipefail

BASE_DIR="${TMPDIR:-/tmp}/rx-mq-cluster"
AMQP_BASE="${RXMQ_CLUSTER_AMQP_BASE:-5680}"
STOMP_BASE="${RXMQ_CLUSTER_STOMP_BASE:-61630}"
DIST_BASE="${RXMQ_CLUSTER_DIST_BASE:-25680}"
NODES=(1 2 3)
START_WAIT_S="${RXMQ_CLUSTER_START_WAIT_S:-240}"

# The server's own scripts, not Debian's wrappers in /usr/sbin: those switch to the rabbitmq user
# with `su`, which resets HOME and with it the cookie this cluster uses.
SBIN="$(dirname "$(readlink -f /usr/lib/rabbitmq/bin/rabbitmq-server 2>/dev/null || echo /nonexistent/x)")"
[ -x "$SBIN/rabbitmq-server" ] && [ -x "$SBIN/rabbitmqctl" ] ||
  { echo "cluster.sh: RabbitMQ is not installed (Debian package rabbitmq-server; bash scripts/brokers.sh installs it)" >&2; exit 1; }

node_name() { echo "rxmq-c$1@localhost"; }
node_dir() { echo "$BASE_DIR/c$1"; }

# The environment every server and CLI process of node N runs with.
node_env() {
  local n=$1 dir
  dir=$(node_dir "$n")
  echo HOME="$BASE_DIR/home" \
    RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_NODE_PORT=$((AMQP_BASE + n)) \
    RABBITMQ_DIST_PORT=$((DIST_BASE + n)) \
    RABBITMQ_CONF_ENV_FILE="$BASE_DIR/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$BASE_DIR/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$dir/data" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_PID_FILE="$dir/pid"
}

# rabbitmqctl on node N, bounded (a node that hangs must not hang the caller). Without the
# cluster's cookie there is no cluster to talk to (and the CLI would fail trying to create one).
ctl() {
  local n=$1
  shift
  [ -f "$BASE_DIR/home/.erlang.cookie" ] || { echo "cluster.sh: the cluster is not set up (bash scripts/cluster.sh start)" >&2; return 1; }
  # shellcheck disable=SC2046
  env $(node_env "$n") ERL_CRASH_DUMP="$BASE_DIR/erl_crash.dump" timeout 120 "$SBIN/rabbitmqctl" -n "$(node_name "$n")" "$@"
}

running() { ctl "$1" -q ping >/dev/null 2>&1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

show_logs() {
  local n f
  for n in "${NODES[@]}"; do
    for f in "$(node_dir "$n")/server.log" "$(node_dir "$n")"/log/*.log; do
      [ -f "$f" ] || continue
      echo "cluster.sh: --- last lines of $f ---" >&2
      tail -n 30 "$f" >&2
    done
  done
}

fail() {
  echo "cluster.sh: $*" >&2
  show_logs
  exit 1
}

# Whether all three nodes run and each sees the other two as running members.
healthy() {
  local n
  for n in "${NODES[@]}"; do running "$n" || return 1; done
  local members
  members=$(ctl 1 -q eval 'lists:sort(rabbit_nodes:all_running()).' 2>/dev/null) || return 1
  for n in "${NODES[@]}"; do [[ "$members" == *"$(node_name "$n")"* ]] || return 1; done
  for n in "${NODES[@]}"; do port_open $((AMQP_BASE + n)) && port_open $((STOMP_BASE + n)) || return 1; done
}

stop_all() {
  local n pid
  for n in "${NODES[@]}"; do
    if running "$n"; then ctl "$n" -q stop >/dev/null 2>&1 || true; fi
    # A node whose CLI does not answer is ended by the process id it recorded (never by name).
    pid=$(cat "$(node_dir "$n")/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$BASE_DIR"
}

write_config() {
  local n dir
  mkdir -p "$BASE_DIR/home"
  # One cookie for the three nodes and their CLI, and for nothing else.
  if [ ! -f "$BASE_DIR/home/.erlang.cookie" ]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$BASE_DIR/home/.erlang.cookie"
  fi
  chmod 400 "$BASE_DIR/home/.erlang.cookie"
  : >"$BASE_DIR/rabbitmq-env.conf"
  echo '[rabbitmq_amqp1_0,rabbitmq_stomp].' >"$BASE_DIR/enabled_plugins"
  for n in "${NODES[@]}"; do
    dir=$(node_dir "$n")
    mkdir -p "$dir/data" "$dir/log"
    cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = $((AMQP_BASE + n))
stomp.listeners.tcp.1 = $((STOMP_BASE + n))
# guest may log in from loopback only (the default), which is where the tests connect from.
log.file.level = info
EOF
    echo '[].' >"$dir/advanced.config"
  done
}

start_node() {
  local n=$1 dir
  dir=$(node_dir "$n")
  # shellcheck disable=SC2046
  (cd "$dir" && env $(node_env "$n") ERL_CRASH_DUMP="$dir/erl_crash.dump" setsid nohup "$SBIN/rabbitmq-server" >"$dir/server.log" 2>&1 </dev/null &)
}

# Waits (bounded) until node N answers and has booted; fails at once if its process has exited.
await_node() {
  local n=$1 started=$SECONDS pid
  # await_startup fails at once while the node has not yet registered its name: poll that first.
  until running "$n"; do
    pid=$(cat "$(node_dir "$n")/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then fail "node $(node_name "$n") exited while starting"; fi
    ((SECONDS - started < START_WAIT_S)) || fail "node $(node_name "$n") did not answer within $START_WAIT_S s"
    sleep 1
  done
  ctl "$n" -q await_startup --timeout "$START_WAIT_S" >/dev/null 2>&1 ||
    fail "node $(node_name "$n") did not finish booting within $START_WAIT_S s"
}

start() {
  if healthy; then
    echo "cluster.sh: cluster already running"
    status
    return 0
  fi
  # Anything half there (a node left from an earlier run, a node that left the cluster) is
  # started again from nothing: the cluster holds only what a test puts in it.
  stop_all
  write_config
  local n p
  for n in "${NODES[@]}"; do
    for p in $((AMQP_BASE + n)) $((STOMP_BASE + n)) $((DIST_BASE + n)); do
      port_open "$p" && fail "port $p is taken by something else (move the cluster's ports with RXMQ_CLUSTER_*_BASE)"
    done
  done
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in "${NODES[@]}"; do await_node "$n"; done
  for n in 2 3; do
    ctl "$n" -q stop_app >/dev/null || fail "stop_app on $(node_name "$n") failed"
    ctl "$n" -q join_cluster "$(node_name 1)" >/dev/null || fail "$(node_name "$n") could not join $(node_name 1)"
    ctl "$n" -q start_app >/dev/null || fail "start_app on $(node_name "$n") failed"
  done
  local i
  for ((i = 0; i < 60; i++)); do
    healthy && break
    sleep 1
  done
  healthy || fail "the cluster did not form (or a listener did not open) within 60 s of joining"
  echo "cluster.sh: cluster running"
  status
}

status() {
  local n state
  for n in "${NODES[@]}"; do
    if running "$n"; then
      if ctl "$n" -q eval 'rabbit:is_running().' 2>/dev/null | grep -q true; then state=running; else state='app stopped'; fi
    else
      state='not running'
    fi
    printf '%s  %-12s amqp://127.0.0.1:%s  stomp://127.0.0.1:%s  (distribution %s)\n' \
      "$(node_name "$n")" "$state" $((AMQP_BASE + n)) $((STOMP_BASE + n)) $((DIST_BASE + n))
  done
  if running 1; then echo "members running: $(ctl 1 -q eval 'lists:sort(rabbit_nodes:all_running()).' 2>/dev/null | tr -d '\n')"; fi
}

declare_quorum() {
  local q=$1 n
  [[ "$q" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "cluster.sh: queue name must match [A-Za-z0-9._-]+: $q" >&2; exit 2; }
  # Any running node will do (the test may have stopped one).
  for n in "${NODES[@]}"; do
    if ctl "$n" -q eval 'rabbit:is_running().' 2>/dev/null | grep -q true; then
      ctl "$n" -q eval "case rabbit_amqqueue:declare(rabbit_misc:r(<<\"/\">>, queue, <<\"$q\">>), true, false, [{<<\"x-queue-type\">>, longstr, <<\"quorum\">>}], none, <<\"cluster.sh\">>) of {new, _} -> new; {existing, _} -> existing; Other -> exit(Other) end." ||
        { echo "cluster.sh: could not declare quorum queue $q on $(node_name "$n")" >&2; exit 1; }
      return 0
    fi
  done
  echo "cluster.sh: no node of the cluster is running (bash scripts/cluster.sh start)" >&2
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop_all; echo "cluster.sh: cluster stopped" ;;
  status) status ;;
  ctl)
    [ $# -ge 3 ] || { echo "usage: cluster.sh ctl N ARGS..." >&2; exit 2; }
    [[ "$2" =~ ^[123]$ ]] || { echo "cluster.sh: node must be 1, 2 or 3" >&2; exit 2; }
    n=$2
    shift 2
    ctl "$n" "$@"
    ;;
  declare-quorum)
    [ $# -eq 2 ] || { echo "usage: cluster.sh declare-quorum QUEUE" >&2; exit 2; }
    declare_quorum "$2"
    ;;
  *)
    echo "usage: cluster.sh start|stop|status|ctl N ARGS...|declare-quorum QUEUE" >&2
    exit 2
    ;;
esac
