#!/usr/bin/env bash
# contrib_rules.sh NODE_BINARY SOURCE_DIR -- contrib/ is valid and names only real metrics:
#  1. promtool accepts the alert rules and the example Prometheus config;
#  2. the Grafana dashboard is valid JSON with a Prometheus data source variable;
#  3. every metric name the dashboard's queries and the rules' expressions use is exported
#     by a real node (tests/contrib/metric_names.py; `up` and histogram suffixes allowed). The
#     node runs a plugin and two health checks, so plugin, health and breaker families have
#     series; families that stay empty until something goes wrong are checked against the
#     binary instead (metric_names.py's MAY_BE_ABSENT); that node's /metrics passes
#     `promtool check metrics` too.
set -euo pipefail

NODE_BIN=$1
SOURCE_DIR=$2
# shellcheck source=tests/contrib/lib.sh
. "$SOURCE_DIR/tests/contrib/lib.sh"
contrib_init

DASHBOARD=$SOURCE_DIR/contrib/grafana/conductor-dashboard.json
RULES=$SOURCE_DIR/contrib/prometheus/conductor-alerts.yml
PROM_CONFIG=$SOURCE_DIR/contrib/prometheus/prometheus.yml
NAMES="python3 $SOURCE_DIR/tests/contrib/metric_names.py"

# -- 1. promtool ---------------------------------------------------------------------
command -v promtool >/dev/null || fail "promtool not found (cmake/setup-deps.sh installs prometheus)"
promtool check rules "$RULES" || fail "promtool check rules $RULES"
# rule_files are resolved relative to the config file: this also loads the rules.
promtool check config "$PROM_CONFIG" || fail "promtool check config $PROM_CONFIG"

# -- 2. the dashboard ------------------------------------------------------------------
python3 -m json.tool "$DASHBOARD" >/dev/null || fail "$DASHBOARD is not valid JSON"
python3 - "$DASHBOARD" <<'EOF' || fail "$DASHBOARD is not a dashboard with a Prometheus data source"
import json, sys
d = json.load(open(sys.argv[1]))
assert d.get("schemaVersion", 0) >= 36, "schemaVersion"
assert d.get("panels"), "panels"
ds = [v for v in d["templating"]["list"] if v.get("type") == "datasource"]
assert ds and ds[0]["name"] == "DS_PROMETHEUS" and ds[0]["query"] == "prometheus", "variable"
uid = "${DS_PROMETHEUS}"
for p in d["panels"]:
    if p.get("type") == "row":
        continue
    assert p.get("datasource", {}).get("uid") == uid, p.get("title")
    assert p.get("targets"), p.get("title")
    for t in p["targets"]:
        assert t.get("expr") and t.get("datasource", {}).get("uid") == uid, p.get("title")
ids = [p["id"] for p in d["panels"]]
assert len(ids) == len(set(ids)), "duplicate panel ids"
EOF

# -- 3. a real node, and the names it exports -----------------------------------------
http_port=$(free_port)
inspect_port=$(free_port)
find_plugin_cgroup_root
cgroups_flag=""
[ -n "$CGROUP_ROOT" ] || cgroups_flag="--no-cgroups"
{
  node_config_base "$http_port" "$inspect_port" "$CGROUP_ROOT"
  cat <<'EOF'
prediction:
  step: 1s
  window: 1m
  horizon: 5s
health:
  interval: 200ms
  timeout: 200ms
  breaker: {failure_threshold: 1, reset_timeout: 1s}
  targets:
    - name: always-fails
      type: exec
      command: ["/bin/false"]
plugins:
  - name: sleeper
    command: ["/bin/sleep", "120"]
    limits: {memory_max: 256MiB, tasks_max: 64}
    health: {type: process}
EOF
} >"$WORK/node.yaml"
"$NODE_BIN" --check-config "$WORK/node.yaml" >/dev/null || fail "the test's node config is invalid"
start_node "$WORK/node.yaml"

# Forecasts need a few prediction steps: poll until nothing referenced is missing.
names_match() {
  kill -0 "$NODE_PID" 2>/dev/null || fail "the node exited"
  scrape "$http_port" "$WORK/metrics.txt" || return 1
  $NAMES check "$DASHBOARD" "$RULES" "$WORK/metrics.txt" "$NODE_BIN" $cgroups_flag \
    >"$WORK/check.out" 2>&1
  local rc=$?
  [ $rc -ne 2 ] || { cat "$WORK/check.out" >&2; fail "contrib/ names metrics conductor does not have"; }
  return $rc
}
if ! wait_until 30 names_match; then
  cat "$WORK/check.out" >&2
  fail "the node does not export every metric contrib/ uses"
fi
cat "$WORK/check.out"
# This node has plugin, health-check and histogram series: lint them too.
promtool check metrics <"$WORK/metrics.txt" || fail "promtool check metrics rejects /metrics"
echo "ok: $($NAMES referenced "$DASHBOARD" "$RULES" | wc -l) metric names in contrib/, all exported by the node"
