#!/usr/bin/env bash
# Live operation on one machine: `scripts/live.sh start|status|stop`.
#
# start  — PostgreSQL (the local cluster, started only when it is down), a database for zhicheng
#          and one for Prefect, `prefect server start` on the latter, the process work pool
#          `zhicheng`, the deployments of prefect.yaml, process workers and the dashboard; each
#          in the background in its own process group, with a log and a pid file in the state
#          directory, and each answering before the next starts.
# status — which of them run and answer.
# stop   — ends exactly what start started (the process groups named in the pid files and
#          whatever they spawned into other sessions), nothing else. Safe to call twice.
#
# Settings (environment; the defaults keep clear of a developer's 4200 and 8000):
#   ZHICHENG_HOME                  zhicheng's home (default ~/.zhicheng)
#   ZHICHENG_LIVE_DIR              state directory (default $ZHICHENG_HOME/live)
#   ZHICHENG_LIVE_PG_HOST/_PORT/_USER/_PASSWORD   PostgreSQL (127.0.0.1, 5432, postgres, none)
#   ZHICHENG_LIVE_DB               zhicheng's database (zhicheng_live)
#   ZHICHENG_LIVE_PREFECT_DB       Prefect's database (zhicheng_live_prefect)
#   ZHICHENG_LIVE_PREFECT_PORT     Prefect API and UI (4280)
#   ZHICHENG_LIVE_DASHBOARD_PORT   the dashboard (8280)
#   ZHICHENG_LIVE_WORKERS          how many process workers (2)
#   ZHICHENG_LIVE_WORKER_PORT      worker 1's health port; worker i uses this + i - 1 (8290)
#   ZHICHENG_LIVE_PREFETCH_SECONDS how early a worker starts a run's process (60): a cold
#                                  process takes seconds to import the flows, and the server
#                                  holds the run until its instant, so it starts on time
#   ZHICHENG_LIVE_START_TIMEOUT    seconds to wait for each service to answer (180)
#   ZHICHENG_LIVE_STOP_GRACE       seconds between SIGTERM and SIGKILL at stop (10)
#   ZHICHENG_CHECKOUT              the checkout the workers run flows from (this one)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${ZHICHENG_BIN:-$ROOT/.venv/bin}"
export ZHICHENG_HOME="${ZHICHENG_HOME:-$HOME/.zhicheng}"
STATE="${ZHICHENG_LIVE_DIR:-$ZHICHENG_HOME/live}"
PG_HOST="${ZHICHENG_LIVE_PG_HOST:-127.0.0.1}"
PG_PORT="${ZHICHENG_LIVE_PG_PORT:-5432}"
PG_USER="${ZHICHENG_LIVE_PG_USER:-postgres}"
PG_PASSWORD="${ZHICHENG_LIVE_PG_PASSWORD:-}"
DB="${ZHICHENG_LIVE_DB:-zhicheng_live}"
PREFECT_DB="${ZHICHENG_LIVE_PREFECT_DB:-zhicheng_live_prefect}"
PREFECT_PORT="${ZHICHENG_LIVE_PREFECT_PORT:-4280}"
DASHBOARD_PORT="${ZHICHENG_LIVE_DASHBOARD_PORT:-8280}"
WORKERS="${ZHICHENG_LIVE_WORKERS:-2}"
WORKER_PORT="${ZHICHENG_LIVE_WORKER_PORT:-8290}"
PREFETCH="${ZHICHENG_LIVE_PREFETCH_SECONDS:-60}"
START_TIMEOUT="${ZHICHENG_LIVE_START_TIMEOUT:-180}"
STOP_GRACE="${ZHICHENG_LIVE_STOP_GRACE:-10}"
POOL=zhicheng  # the work pool named in prefect.yaml
CHECKOUT="${ZHICHENG_CHECKOUT:-$ROOT}"

for name in "$DB" "$PREFECT_DB"; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "数据库名 '$name' 只能含小写字母、数字和下划线" >&2; exit 2; }
done

CREDENTIALS="$PG_USER${PG_PASSWORD:+:$PG_PASSWORD}"
export ZHICHENG_DATABASE_URL="postgresql+psycopg2://$CREDENTIALS@$PG_HOST:$PG_PORT/$DB"
PREFECT_DB_URL="postgresql+asyncpg://$CREDENTIALS@$PG_HOST:$PG_PORT/$PREFECT_DB"
PREFECT_URL="http://127.0.0.1:$PREFECT_PORT"
DASHBOARD_URL="http://127.0.0.1:$DASHBOARD_PORT"
export PREFECT_API_URL="$PREFECT_URL/api"
# Its own Prefect home: the profile of a developer's ~/.prefect must not redirect the stack.
export PREFECT_HOME="$STATE/prefect"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export ZHICHENG_CHECKOUT="$CHECKOUT"
[ -n "$PG_PASSWORD" ] && export PGPASSWORD="$PG_PASSWORD"

# --- process groups recorded in pid files -------------------------------------------------

services() {  # in the order they start; stop goes backwards
  echo prefect-server
  local i
  for ((i = 1; i <= WORKERS; i++)); do echo "worker-$i"; done
  echo dashboard
}

started_at() {  # the kernel's start time of a pid: a reused pid has another one
  sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

# The process group a pid file names, when it is still ours: the leader with the recorded
# start time, or (leader gone) members left in its group — Linux reuses no pid that is
# still a process group id.
group_of() {
  local file="$STATE/$1.pid" pgid start now
  [ -f "$file" ] || return 1
  read -r pgid start < "$file" || return 1
  now="$(started_at "$pgid")"
  if [ -n "$now" ]; then
    [ "$now" = "$start" ] || return 1
  else
    pgrep -g "$pgid" >/dev/null || return 1
  fi
  echo "$pgid"
}

# Every process of these groups and all their descendants, also those a worker started in a
# session of their own (its flow runs): collected before anything is killed, while the
# parent links still exist.
family() {
  ps -eo pid=,ppid=,pgid= | awk -v roots=" $* " '
    { parent[$1] = $2; group[$1] = $3 }
    END {
      for (p in group) if (index(roots, " " group[p] " ")) mine[p] = 1
      do {
        grew = 0
        for (p in parent) if (!(p in mine) && (parent[p] in mine)) { mine[p] = 1; grew = 1 }
      } while (grew)
      for (p in mine) print p, group[p]
    }'
}

launch() {  # name, command...
  local name="$1"
  shift
  setsid "$@" >> "$STATE/$name.log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid $(started_at "$pid")" > "$STATE/$name.pid"
}

answers() {  # url [expected body]
  local body
  body="$(curl -fsS --max-time 3 "$1" 2>/dev/null)" || return 1
  [ -z "${2:-}" ] || [ "$body" = "$2" ]
}

wait_until_answers() {  # name url [expected body]
  local name="$1" url="$2" expected="${3:-}" deadline=$((SECONDS + START_TIMEOUT)) began=$SECONDS
  until answers "$url" "$expected"; do
    if ! group_of "$name" >/dev/null; then
      echo "$name 启动失败，日志末尾（$STATE/$name.log）：" >&2
      tail -n 30 "$STATE/$name.log" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "$name 在 $START_TIMEOUT 秒内没有应答（$url）；日志：$STATE/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
  printf '  %-15s 已就绪（%s 秒）  %s\n' "$name" "$((SECONDS - began))" "$url"
}

port_taken() {
  (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

worker_name() {
  echo "${HOSTNAME:-zhicheng}-live-$1"
}

online() {  # worker name: listed online in the work pool by the server
  curl -fsS --max-time 3 -X POST "$PREFECT_API_URL/work_pools/$POOL/workers/filter" \
    -H 'Content-Type: application/json' -d '{}' 2> /dev/null \
    | jq -e --arg name "$1" 'any(.[]; .name == $name and .status == "ONLINE")' > /dev/null
}

wait_until_online() {  # service, worker name
  local deadline=$((SECONDS + START_TIMEOUT))
  until online "$2"; do
    if ! group_of "$1" > /dev/null || ((SECONDS >= deadline)); then
      echo "$1 没有在 Prefect 服务器上登记（工作池 $POOL）；日志：$STATE/$1.log" >&2
      tail -n 30 "$STATE/$1.log" >&2
      return 1
    fi
    sleep 0.5
  done
  printf '  %-15s 已在工作池 %s 登记为 %s\n' "$1" "$POOL" "$2"
}

health_url() {  # name
  case "$1" in
    prefect-server) echo "$PREFECT_URL/api/health" ;;
    dashboard) echo "$DASHBOARD_URL/login" ;;
    worker-*) echo "http://127.0.0.1:$((WORKER_PORT + ${1#worker-} - 1))/health" ;;
  esac
}

# --- PostgreSQL ------------------------------------------------------------------------------

psql_admin() {
  psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qtAc "$1"
}

ensure_postgres() {
  if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    local version
    version="$(ls /etc/postgresql 2> /dev/null | sort -V | tail -n 1)"
    if [ -z "$version" ] || ! command -v pg_ctlcluster > /dev/null; then
      echo "PostgreSQL（$PG_HOST:$PG_PORT）未运行，本机也没有可启动的集群" >&2
      return 1
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    echo "$version main" > "$STATE/postgres.started"  # stop ends it only then
    local i
    for i in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || { echo "PostgreSQL 启动后仍不应答" >&2; return 1; }
    echo "  postgresql      已启动（集群 $version/main）"
  fi
  local name
  for name in "$DB" "$PREFECT_DB"; do
    if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]; then
      psql_admin "CREATE DATABASE \"$name\""
      echo "  postgresql      已建库 $name"
    fi
  done
}

# --- commands --------------------------------------------------------------------------------

start_failed() {
  echo "启动未完成：结束已启动的部分（日志保留在 $STATE）" >&2
  stop >&2 || true
}

start() {
  mkdir -p "$STATE" "$PREFECT_HOME"
  local name running=()
  for name in $(services); do
    if group_of "$name" > /dev/null; then running+=("$name"); fi
  done
  if ((${#running[@]})); then
    echo "已在运行：${running[*]}。先 $0 stop 再启动。" >&2
    return 1
  fi
  local port
  for port in "$PREFECT_PORT" "$DASHBOARD_PORT" $(seq "$WORKER_PORT" $((WORKER_PORT + WORKERS - 1))); do
    if port_taken "$port"; then
      echo "端口 $port 已被占用：用 ZHICHENG_LIVE_*_PORT 另选端口" >&2
      return 1
    fi
  done

  echo "启动在线运行环境（状态目录 $STATE）"
  trap start_failed EXIT
  ensure_postgres
  local began=$SECONDS
  "$BIN/python" -c "from models.migrate import upgrade; upgrade()" >> "$STATE/migrate.log" 2>&1 \
    || { echo "zhicheng 数据库迁移失败：$STATE/migrate.log" >&2; return 1; }
  echo "  zhicheng 数据库 已迁移到最新结构（$((SECONDS - began)) 秒）"

  PREFECT_SERVER_DATABASE_CONNECTION_URL="$PREFECT_DB_URL" \
    launch prefect-server "$BIN/prefect" server start --host 127.0.0.1 --port "$PREFECT_PORT"
  wait_until_answers prefect-server "$(health_url prefect-server)" true

  # The first worker creates the work pool with the process worker's job template; a worker
  # counts as started when the server lists it online, not when its own health port answers
  # (that answers before the worker has reached the server). `zhicheng worker` first takes back
  # the runs a killed worker of the same name left (run again, or rescheduled), then becomes
  # `prefect worker start`: a start after a crash recovers what the crash cut off.
  local i
  for ((i = 1; i <= WORKERS; i++)); do
    PREFECT_WORKER_WEBSERVER_HOST=127.0.0.1 \
      PREFECT_WORKER_WEBSERVER_PORT=$((WORKER_PORT + i - 1)) \
      PREFECT_WORKER_PREFETCH_SECONDS="$PREFETCH" \
      launch "worker-$i" "$BIN/zhicheng" worker --pool "$POOL" \
      --name "$(worker_name "$i")" --with-healthcheck
    wait_until_answers "worker-$i" "$(health_url "worker-$i")"
    wait_until_online "worker-$i" "$(worker_name "$i")"
  done

  began=$SECONDS
  (cd "$CHECKOUT" && "$BIN/prefect" --no-prompt deploy --all) >> "$STATE/deploy.log" 2>&1 \
    || { echo "prefect deploy --all 失败：$STATE/deploy.log" >&2; return 1; }
  echo "  部署            已注册 prefect.yaml 的全部部署（$((SECONDS - began)) 秒，工作池 $POOL）"

  launch dashboard "$BIN/zhicheng" dashboard --host 127.0.0.1 --port "$DASHBOARD_PORT"
  wait_until_answers dashboard "$(health_url dashboard)"

  trap - EXIT
  cat > "$STATE/env" << EOF
# source this file to use the live stack: zhicheng launch, prefect deployment ls, …
export ZHICHENG_HOME='$ZHICHENG_HOME'
export ZHICHENG_DATABASE_URL='$ZHICHENG_DATABASE_URL'
export PREFECT_API_URL='$PREFECT_API_URL'
export PREFECT_SERVER_ANALYTICS_ENABLED=false
EOF
  cat << EOF

Prefect 界面     $PREFECT_URL/
Prefect API      $PREFECT_API_URL
工作台           $DASHBOARD_URL/
zhicheng 数据库  postgresql://$PG_USER@$PG_HOST:$PG_PORT/$DB
Prefect 数据库   postgresql://$PG_USER@$PG_HOST:$PG_PORT/$PREFECT_DB
日志             $STATE/*.log
在另一终端使用   source $STATE/env && $BIN/zhicheng launch jiayuguan-2024
停止             $0 stop
EOF
}

status() {
  local name pgid any=1
  for name in $(services); do
    if pgid="$(group_of "$name")"; then
      local url
      url="$(health_url "$name")"
      if answers "$url" && { [[ "$name" != worker-* ]] || online "$(worker_name "${name#worker-}")"; }; then
        printf '%-15s 运行中  进程组 %-8s %s\n' "$name" "$pgid" "$url"
      else
        printf '%-15s 无应答  进程组 %-8s %s（日志 %s）\n' "$name" "$pgid" "$url" "$STATE/$name.log"
      fi
      any=0
    else
      printf '%-15s 未运行\n' "$name"
    fi
  done
  [ -f "$STATE/postgres.started" ] && echo "postgresql      由本脚本启动（stop 时停止）"
  return $any
}

alive_pids() {  # group ids, pids: those still running (a zombie is already dead)
  local pid state
  for pid in $({ for pid in $1; do pgrep -g "$pid" || true; done; echo "$2"; }); do
    state="$(sed 's/^.*) //' "/proc/$pid/stat" 2> /dev/null | cut -d' ' -f1)"
    [ -n "$state" ] && [ "$state" != Z ] && echo "$pid"
  done | sort -u
  return 0
}

# Ends the process groups of these services together (one grace period for all of them).
stop_services() {
  local name pgid roots="" names=""
  for name in "$@"; do
    if pgid="$(group_of "$name")"; then
      roots+="$pgid "
      names+="$name "
    else
      rm -f "$STATE/$name.pid"
    fi
  done
  [ -n "$roots" ] || return 0
  local members groups pids g
  members="$(family $roots)"
  groups="$(awk '{print $2}' <<< "$members" | sort -u | tr '\n' ' ')$roots"
  pids="$(awk '{print $1}' <<< "$members" | tr '\n' ' ')"
  for g in $groups; do kill -TERM -- "-$g" 2> /dev/null || true; done
  # Prefect's worker asks its flow runs to finish first and may not exit on SIGTERM at all:
  # after the grace period everything left is killed, with what it spawned meanwhile.
  local deadline=$((SECONDS + STOP_GRACE))
  while [ -n "$(alive_pids "$groups" "$pids")" ] && ((SECONDS < deadline)); do sleep 0.2; done
  if [ -n "$(alive_pids "$groups" "$pids")" ]; then
    members="$(family $groups)"
    groups="$(awk '{print $2}' <<< "$members" | sort -u | tr '\n' ' ')$groups"
    pids="$(awk '{print $1}' <<< "$members" | tr '\n' ' ')$pids"
    for g in $groups; do kill -KILL -- "-$g" 2> /dev/null || true; done
    for g in $(alive_pids "" "$pids"); do kill -KILL "$g" 2> /dev/null || true; done
    deadline=$((SECONDS + 5))
    while [ -n "$(alive_pids "$groups" "$pids")" ] && ((SECONDS < deadline)); do sleep 0.2; done
  fi
  local left
  left="$(alive_pids "$groups" "$pids")"
  if [ -n "$left" ]; then
    echo "${names% }：进程 $(tr '\n' ' ' <<< "$left")仍在运行" >&2
    return 1
  fi
  for name in $names; do
    rm -f "$STATE/$name.pid"
    echo "$name 已停止"
  done
}

stop() {
  local failed=0 file extra=()
  # Also workers of an earlier start with more of them than ZHICHENG_LIVE_WORKERS says now.
  for file in "$STATE"/worker-*.pid; do
    [ -e "$file" ] && extra+=("$(basename "$file" .pid)")
  done
  # The dashboard and the workers first, so that no run is submitted to a server going away.
  stop_services dashboard $( (services | grep '^worker-'; printf '%s\n' "${extra[@]}") | sort -u) || failed=1
  stop_services prefect-server || failed=1
  if [ -f "$STATE/postgres.started" ]; then
    local version cluster
    read -r version cluster < "$STATE/postgres.started"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop && rm -f "$STATE/postgres.started" \
      && echo "postgresql（本脚本启动的集群 $version/$cluster）已停止"
  fi
  return $failed
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *)
    echo "用法：$0 start|status|stop" >&2
    exit 2
    ;;
esac
