#!/usr/bin/env bash
# Local services for Sluice's integration tests and cluster mode:
#   Redis 7 on 127.0.0.1:6379 (Debian's redis-server, no persistence)
#   Apache Kafka 3.9.1, one KRaft node (broker + controller) on 127.0.0.1:19092 (controller :19093),
#   assembled from Maven Central jars by scripts/kafka/pom.xml (see /work/shared/KAFKA.md).
#
# Usage: bash scripts/services.sh start|stop|status [redis] [kafka]   (no name = both)
#   start   idempotent: a service that already answers is left alone.
#   stop    stops only what this script started (PID files under .cache/); a Redis or Kafka
#           that was already running is never touched. Kafka gets SIGTERM, by PID.
#   status  prints up/down for each service; exit 1 if any is down.
#
# State lives in .cache/ (git-ignored): .cache/kafka/{libs,data,kafka.log,kafka.pid},
# .cache/redis/{redis.log,redis.pid}. Kafka's data dir is recreated on every start.
#
# A second, private broker (e.g. for a test that stops and restarts a broker without
# disturbing the shared one) is selected with environment variables:
#   SLUICE_KAFKA_PORT (19092), SLUICE_KAFKA_CONTROLLER_PORT (19093): its listeners;
#   SLUICE_KAFKA_STATE (.cache/kafka): its data dir, log, pid and config (the jars stay shared);
#   SLUICE_KAFKA_KEEP_DATA=1: `start` reuses an already formatted data dir, so topics,
#     committed offsets and transactions survive a stop/start.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"

REDIS_HOST=127.0.0.1
REDIS_PORT=6379
REDIS_DIR="$CACHE/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

KAFKA_HOST=127.0.0.1
KAFKA_PORT=${SLUICE_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${SLUICE_KAFKA_CONTROLLER_PORT:-19093}
KAFKA_DIR="$CACHE/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_STATE="${SLUICE_KAFKA_STATE:-$KAFKA_DIR}"
KAFKA_KEEP_DATA="${SLUICE_KAFKA_KEEP_DATA:-0}"
KAFKA_DATA="$KAFKA_STATE/data"
KAFKA_PID="$KAFKA_STATE/kafka.pid"
KAFKA_LOG="$KAFKA_STATE/kafka.log"
KAFKA_CONF="$KAFKA_STATE/server.properties"
KAFKA_POM="$ROOT/scripts/kafka/pom.xml"
KAFKA_JOPTS=(-Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError)
KAFKA_START_TIMEOUT=90

log() { printf '[services] %s\n' "$*"; }
err() { printf '[services] ERROR: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
since() { local t0=$1; local ms=$(( $(now_ms) - t0 )); printf '%d.%03ds' $((ms / 1000)) $((ms % 1000)); }

# True when something accepts TCP connections on host:port (bash's /dev/tcp, no nc needed).
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# True when the PID is alive and its command line contains the given marker, so a PID file
# left over from a reboot never makes us signal an unrelated process that reused the number.
pid_is() {
  local pid=$1 marker=$2
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# ---------------------------------------------------------------- Redis
redis_ping() {
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
  else
    timeout 3 bash -c '
      exec 3<>/dev/tcp/'"$REDIS_HOST/$REDIS_PORT"' || exit 1
      printf "PING\r\n" >&3
      IFS= read -r line <&3
      [[ "$line" == +PONG* ]]' 2>/dev/null
  fi
}

redis_start() {
  if redis_ping; then
    log "redis: already up on $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    err "redis is not running on $REDIS_HOST:$REDIS_PORT and redis-server is not installed: apt-get install -y redis-server"
    return 1
  fi
  local t0; t0=$(now_ms)
  mkdir -p "$REDIS_DIR"
  log "redis: starting redis-server on $REDIS_HOST:$REDIS_PORT (no persistence, log $REDIS_LOG)"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
    --save "" --appendonly no --dir "$REDIS_DIR" \
    --logfile "$REDIS_LOG" --pidfile "$REDIS_PID" </dev/null >/dev/null 9>&- # 9: see the lock below
  local i
  for ((i = 0; i < 100; i++)); do
    if redis_ping; then
      log "redis: up in $(since "$t0")"
      return 0
    fi
    sleep 0.1
  done
  err "redis did not answer PING within 10 s; last log lines:"
  tail -n 20 "$REDIS_LOG" >&2 || true
  return 1
}

redis_stop() {
  local pid
  pid=$(cat "$REDIS_PID" 2>/dev/null || true)
  if pid_is "$pid" redis-server; then
    log "redis: stopping pid $pid (SIGTERM)"
    kill -TERM "$pid"
    wait_exit "$pid" 10 || { err "redis pid $pid still alive after 10 s"; return 1; }
  else
    log "redis: nothing to stop (not started by this script)"
  fi
  rm -f "$REDIS_PID"
}

redis_status() {
  if redis_ping; then log "redis: up on $REDIS_HOST:$REDIS_PORT"; else log "redis: down"; return 1; fi
}

# ---------------------------------------------------------------- Kafka
wait_exit() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# describeCluster through kafkajs. Returns 2 when kafkajs is not installed yet.
kafka_admin_ready() {
  node "$ROOT/scripts/kafka/wait-ready.mjs" --brokers "$KAFKA_HOST:$KAFKA_PORT" --timeout-ms "$1"
}

# Copies the broker's jars into .cache/kafka/libs once. The marker holds the pom's checksum,
# so editing the pom (e.g. another Kafka version) re-assembles the libs.
kafka_libs() {
  local sum marker="$KAFKA_LIBS/.complete"
  sum=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
  if [[ -f "$marker" && "$(cat "$marker")" == "$sum" ]]; then
    log "kafka: jars already in $KAFKA_LIBS"
    return 0
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    err "Kafka's jars are not in $KAFKA_LIBS and mvn is not installed: apt-get install -y maven"
    return 1
  fi
  local t0 tmp; t0=$(now_ms)
  tmp="$KAFKA_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$KAFKA_DIR"
  log "kafka: fetching broker jars from Maven Central into $KAFKA_LIBS (first run downloads ~50 MB to ~/.m2)"
  # Output goes to a file (Maven 3.8 prints stray ANSI codes even with -B -q) and is shown on failure.
  if ! mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" </dev/null >"$KAFKA_DIR/mvn.log" 2>&1; then
    err "mvn could not assemble Kafka's jars (is Maven Central reachable?):"
    tail -n 40 "$KAFKA_DIR/mvn.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  # Rename into place only when complete, so an interrupted download is never mistaken for libs.
  echo "$sum" >"$tmp/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars ready in $(since "$t0")"
}

# 16 random bytes as unpadded base64url (22 chars), like Kafka's Uuid. An id starting with '-'
# would be read as an option by StorageTool's argument parser, so draw again (Kafka's own
# Uuid.randomUuid() avoids those too).
kafka_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

kafka_start() {
  if ! command -v java >/dev/null 2>&1; then
    err "java is not installed (Kafka needs Java 17): apt-get install -y default-jre-headless"
    return 1
  fi
  local pid
  pid=$(cat "$KAFKA_PID" 2>/dev/null || true)
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    log "kafka: something answers on $KAFKA_HOST:$KAFKA_PORT, checking it is a ready broker"
    local rc=0
    kafka_admin_ready 60000 || rc=$?
    case $rc in
      0) return 0 ;;
      2) log "kafka: kafkajs not installed, trusting the open port"; return 0 ;;
      *) err "port $KAFKA_PORT is open but no Kafka broker answers describeCluster there"; return 1 ;;
    esac
  fi
  if pid_is "$pid" "$KAFKA_CONF"; then
    # Ours, but not listening yet: another `start` launched it a moment ago (or it is stuck).
    log "kafka: pid $pid is starting, waiting for it"
    kafka_wait_ready "$pid" "$(now_ms)"
    return
  fi
  rm -f "$KAFKA_PID"

  local t0; t0=$(now_ms)
  kafka_libs
  local cp="$KAFKA_LIBS/*"

  mkdir -p "$KAFKA_STATE"
  sed -e "s#@LOG_DIRS@#$KAFKA_DATA#" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
    "$ROOT/scripts/kafka/server.properties.template" >"$KAFKA_CONF"
  if [[ "$KAFKA_KEEP_DATA" == 1 && -f "$KAFKA_DATA/meta.properties" ]]; then
    log "kafka: reusing the formatted data dir $KAFKA_DATA (SLUICE_KAFKA_KEEP_DATA=1)"
  else
    # A fresh log dir each start: tests create their own topics, and a reused KRaft metadata log
    # would need the same cluster id and could carry state from an earlier run.
    rm -rf "$KAFKA_DATA"
    mkdir -p "$KAFKA_DATA"
    local id; id=$(kafka_cluster_id)
    log "kafka: formatting $KAFKA_DATA (cluster id $id)"
    # With controller.quorum.voters set, format must run WITHOUT --standalone.
    java "${KAFKA_JOPTS[@]}" -Dlog4j.configuration="file:$ROOT/scripts/kafka/log4j.properties" -cp "$cp" \
      kafka.tools.StorageTool format -t "$id" -c "$KAFKA_CONF" >"$KAFKA_STATE/format.log" 2>&1 || {
      err "kafka storage format failed:"; cat "$KAFKA_STATE/format.log" >&2; return 1
    }
  fi

  log "kafka: starting broker on $KAFKA_HOST:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT), log $KAFKA_LOG"
  # setsid: the broker gets its own session, so a Ctrl-C aimed at the test run does not kill
  # it half-way; it is stopped by `services.sh stop` instead. All three standard streams are
  # redirected so a caller that captures our output (execSync) is not held open by the broker,
  # and fd 9 (the lock below) is closed so the broker does not hold the lock for its lifetime.
  setsid java "${KAFKA_JOPTS[@]}" -Dlog4j.configuration="file:$ROOT/scripts/kafka/log4j.properties" \
    -cp "$cp" kafka.Kafka "$KAFKA_CONF" </dev/null >"$KAFKA_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$KAFKA_PID"
  kafka_wait_ready "$pid" "$t0"
}

# Ready = the "Kafka Server started" log line AND a successful kafkajs describeCluster().
kafka_wait_ready() {
  local pid=$1 t0=$2 i
  for ((i = 0; i < KAFKA_START_TIMEOUT * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      err "kafka broker (pid $pid) exited during start-up; last log lines:"
      tail -n 40 "$KAFKA_LOG" >&2 || true
      rm -f "$KAFKA_PID"
      return 1
    fi
    grep -q "Kafka Server started" "$KAFKA_LOG" 2>/dev/null && break
    sleep 0.1
  done
  if ! grep -q "Kafka Server started" "$KAFKA_LOG" 2>/dev/null; then
    err "kafka broker (pid $pid) did not log 'Kafka Server started' within ${KAFKA_START_TIMEOUT}s; see $KAFKA_LOG"
    return 1
  fi
  local rc=0
  kafka_admin_ready 30000 || rc=$?
  case $rc in
    0) ;;
    2) log "kafka: kafkajs not installed, ready by log line only" ;;
    *) err "kafka broker logged start-up but describeCluster failed; see $KAFKA_LOG"; return 1 ;;
  esac
  log "kafka: up (pid $pid) in $(since "$t0")"
}

kafka_stop() {
  local pid
  pid=$(cat "$KAFKA_PID" 2>/dev/null || true)
  if ! pid_is "$pid" "$KAFKA_CONF"; then
    log "kafka: nothing to stop (no broker started by this script)"
    rm -f "$KAFKA_PID"
    return 0
  fi
  local t0; t0=$(now_ms)
  log "kafka: stopping pid $pid (SIGTERM)"
  kill -TERM "$pid"
  if ! wait_exit "$pid" 30; then
    err "kafka pid $pid ignored SIGTERM for 30 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 5 || true
  fi
  rm -f "$KAFKA_PID"
  log "kafka: stopped in $(since "$t0")"
}

kafka_status() {
  local pid
  pid=$(cat "$KAFKA_PID" 2>/dev/null || true)
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    if pid_is "$pid" "$KAFKA_CONF"; then
      log "kafka: up on $KAFKA_HOST:$KAFKA_PORT (pid $pid, started by this script)"
    else
      log "kafka: up on $KAFKA_HOST:$KAFKA_PORT (not started by this script)"
    fi
  else
    log "kafka: down"
    return 1
  fi
}

# ---------------------------------------------------------------- main
cmd=${1:-}
shift || true
services=("$@")
[[ ${#services[@]} -eq 0 ]] && services=(redis kafka)
for s in "${services[@]}"; do
  [[ "$s" == redis || "$s" == kafka ]] || { err "unknown service '$s' (expected redis or kafka)"; exit 64; }
done

case "$cmd" in
  start | stop)
    mkdir -p "$CACHE"
    # Serialize concurrent start/stop calls (several test runs on one machine share the ports).
    exec 9>"$CACHE/services.lock"
    if ! flock -w 300 9; then err "another services.sh held $CACHE/services.lock for 5 min"; exit 1; fi
    for s in "${services[@]}"; do "${s}_${cmd}"; done
    ;;
  status)
    rc=0
    for s in "${services[@]}"; do "${s}_status" || rc=1; done
    exit $rc
    ;;
  *)
    echo "usage: bash scripts/services.sh start|stop|status [redis] [kafka]" >&2
    exit 64
    ;;
esac
