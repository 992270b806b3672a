#!/usr/bin/env bash
# prometheus_scrape.sh NODE_BINARY SOURCE_DIR -- a real Prometheus scrapes a real node:
#  1. `promtool check metrics` accepts the node's /metrics output (lint included);
#  2. a prometheus server (scrape and evaluation every 1 s, contrib's alert rules loaded)
#     scrapes the node: its query API returns up == 1 and the node's host series, with
#     plausible values, and every alert rule evaluates without error;
#  3. once the node stops (SIGTERM: exit 0), Prometheus sees up == 0, what
#     ConductorNodeDown alerts on.
# Everything started here is killed on exit.
set -euo pipefail

NODE_BIN=$1
SOURCE_DIR=$2
# shellcheck source=tests/contrib/lib.sh
. "$SOURCE_DIR/tests/contrib/lib.sh"
contrib_init

PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
[ -x "$PROMETHEUS" ] || fail "$PROMETHEUS not found (cmake/setup-deps.sh installs prometheus)"
command -v promtool >/dev/null || fail "promtool not found"

# -- the node ---------------------------------------------------------------------------
http_port=$(free_port)
inspect_port=$(free_port)
{
  node_config_base "$http_port" "$inspect_port"
  echo "plugins: []"
} >"$WORK/node.yaml"
start_node "$WORK/node.yaml"

node_shows_host_memory() {
  kill -0 "$NODE_PID" 2>/dev/null || fail "the node exited"
  scrape "$http_port" "$WORK/metrics.txt" \
    && grep -q '^conductor_host_memory_usage_ratio ' "$WORK/metrics.txt"
}
wait_until 15 node_shows_host_memory || fail "the node's /metrics shows no host memory series"

# -- 1. promtool check metrics -----------------------------------------------------------
if ! promtool check metrics <"$WORK/metrics.txt" >"$WORK/lint.out" 2>&1; then
  cat "$WORK/lint.out" >&2
  fail "promtool check metrics rejects the node's /metrics output"
fi
[ ! -s "$WORK/lint.out" ] || cat "$WORK/lint.out"

# -- 2. a prometheus server --------------------------------------------------------------
prom_port=$(free_port)
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $SOURCE_DIR/contrib/prometheus/conductor-alerts.yml
scrape_configs:
  - job_name: conductor
    static_configs:
      - targets: ["127.0.0.1:$http_port"]
EOF
promtool check config "$WORK/prometheus.yml" >/dev/null || fail "the test's prometheus.yml"
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" \
  --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" \
  >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")
API="http://127.0.0.1:$prom_port/api/v1"

# query PROMQL: the result's samples, one `value<TAB>labels-as-json` line each.
query() {
  local body
  body=$(curl -sf --max-time 2 -G "$API/query" --data-urlencode "query=$1") || return 1
  printf '%s' "$body" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "success", r
for s in r["data"]["result"]:
    print(s["value"][1] + "\t" + json.dumps(s["metric"], sort_keys=True))'
}

# expect_value PROMQL PYTHON-CONDITION-ON-v: true once the query returns exactly one sample
# and the condition holds for its value v.
expect_value() {
  kill -0 "$PROM_PID" 2>/dev/null || fail "prometheus exited"
  local out
  out=$(query "$1") || return 1
  [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || return 1
  python3 -c "import sys; v = float(sys.argv[1]); sys.exit(0 if ($2) else 1)" "${out%%$'\t'*}"
}

prometheus_ready() {
  kill -0 "$PROM_PID" 2>/dev/null || fail "prometheus exited"
  curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$prom_port/-/ready"
}
wait_until 20 prometheus_ready || fail "prometheus did not become ready"

node_up() {
  kill -0 "$NODE_PID" 2>/dev/null || fail "the node exited"
  expect_value 'up{job="conductor"}' 'v == 1'
}
wait_until 30 node_up || fail "Prometheus never scraped the node successfully (up != 1)"

# The node's own series, through Prometheus: a host share, a counter that moves, the build.
host_memory='conductor_host_memory_usage_ratio{job="conductor"}'
wait_until 10 expect_value "$host_memory" '0 < v <= 1' \
  || fail "$host_memory: $(query "$host_memory")"
expect_value 'conductor_host_memory_total_bytes{job="conductor"}' 'v > 0' \
  || fail "no host memory total"
expect_value 'count(conductor_host_cpu_usage_ratio{job="conductor"} >= 0 <= 1)' 'v == 1' \
  || fail "no host CPU share in [0, 1]"
expect_value 'conductor_persistence_available{job="conductor"}' 'v == 1' \
  || fail "persistence not available"
version=$("$NODE_BIN" --version | awk '{print $2}')
expect_value "conductor_build_info{job=\"conductor\",version=\"$version\"}" 'v == 1' \
  || fail "no conductor_build_info for version $version"
ticks_moving() {
  expect_value 'increase(conductor_collector_ticks_total{job="conductor"}[5s])' 'v > 0'
}
wait_until 10 ticks_moving || fail "conductor_collector_ticks_total does not move"

# contrib's alert rules, evaluated on real data: every one healthy, none firing.
rules_ok() {
  curl -sf --max-time 2 "$API/rules" >"$WORK/rules.json" || return 1
  python3 - "$WORK/rules.json" <<'EOF'
import json, sys
rules = [r for g in json.load(open(sys.argv[1]))["data"]["groups"] for r in g["rules"]]
bad = [(r["name"], r.get("lastError")) for r in rules if r["health"] == "err"]
if bad:
    print("rules with errors:", bad, file=sys.stderr)
    sys.exit(2)
sys.exit(0 if len(rules) > 0 and all(r["health"] == "ok" for r in rules) else 1)
EOF
}
wait_until 10 rules_ok || fail "contrib's alert rules did not evaluate cleanly"
firing=$(query 'ALERTS{alertname=~"Conductor.*",alertstate="firing"}') || firing=""
[ -z "$firing" ] || echo "note: alerts firing on this host: $firing"

# -- 3. the node stops: Prometheus sees it down --------------------------------------------
kill -TERM "$NODE_PID"
node_rc=0
wait "$NODE_PID" || node_rc=$?
PIDS=("$PROM_PID")
[ "$node_rc" -eq 0 ] || fail "the node exited $node_rc on SIGTERM"
node_down() {
  expect_value 'up{job="conductor"}' 'v == 0'
}
wait_until 10 node_down || fail "Prometheus still sees the stopped node up"
echo "ok: Prometheus scraped conductor $version; up went 1 -> 0 when the node stopped"
