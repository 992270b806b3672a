#!/usr/bin/env python3
"""metric_names.py -- the metric names contrib/ refers to, against what a node exports.

  metric_names.py referenced DASHBOARD.json RULES.yml
      prints every metric name the dashboard's queries and the rules' expressions use
  metric_names.py check DASHBOARD.json RULES.yml METRICS.txt BINARY [--no-cgroups]
      compares them with the exposition text of a running node (METRICS.txt):
      exit 0 when every name is exported, or is one of MAY_BE_ABSENT (a family that has
      no series until something happens) and is declared in the node BINARY;
      exit 1 (names printed) when some are missing, exit 2 on a name the binary lacks.

Standard library only (no PyYAML): the rules file is read line by line, which is enough for
`expr:` values written on one line or as a `|`/`>` block.
"""
import json
import os
import re
import sys

# Families that are real but have no series on a freshly started node: the registry renders
# a family only once it has a series. Each is accepted when the node binary declares it.
MAY_BE_ABSENT = {
    "conductor_scaler_suspended": "set when the scaler suspends itself or its mode is set",
    "conductor_persistence_dropped_total": "counted once rows were dropped",
    "conductor_persistence_errors_total": "counted once a database write failed",
    "conductor_persistence_audit_backlog": "set once audit rows had to wait",
    "conductor_collector_skipped_ticks_total": "counted once a collector tick ran late",
    "conductor_collector_errors_total": "counted once a read failed",
    "conductor_actor_restarts_total": "counted once the supervisor restarted an actor",
    "conductor_host_swap_usage_ratio": "only on a host with swap",
    "conductor_plugin_memory_limit_bytes": "only while a plugin's cgroup has a memory limit",
    "conductor_plugin_memory_usage_ratio": "only while a plugin's cgroup has a memory limit",
    "conductor_plugin_pids_limit": "only while a plugin's cgroup has a task limit",
}
# Without cgroups for plugins (not root), their resource families stay empty.
CGROUP_ONLY = {
    n: "only with plugin cgroups (root)" for n in [
        "conductor_plugin_cpu_usage_cores", "conductor_plugin_cpu_seconds_total",
        "conductor_plugin_memory_bytes", "conductor_plugin_pids", "conductor_plugin_oom_kills_total",
        "conductor_plugin_pressure_ratio", "conductor_plugin_pressure_stalled_seconds_total"]
}
# Without pressure stall information (/proc/pressure), the pressure families stay empty.
PSI_ONLY = {
    n: "only on a kernel with PSI" for n in [
        "conductor_host_pressure_ratio", "conductor_host_pressure_stalled_seconds_total",
        "conductor_plugin_pressure_ratio", "conductor_plugin_pressure_stalled_seconds_total"]
}
# Series Prometheus adds to every target itself.
SYNTHETIC = {"up"}

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "inf", "nan", "start", "end"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def promql_names(expr):
    """The metric names an expression selects (a lexical scan, enough for these files)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    s = re.sub(r"#[^\n]*", " ", s)
    s = re.sub(r"\{[^}]*\}", " ", s)   # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)  # ranges and subqueries
    s = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    names = set()
    for m in re.finditer(r"(?<![\w:.$])[A-Za-z_:][\w:]*", s):
        word = m.group(0)
        if word.lower() in KEYWORDS:
            continue
        if re.match(r"\s*\(", s[m.end():]):  # a function or an aggregation
            continue
        names.add(word)
    return names


def dashboard_exprs(path):
    """Every PromQL expression of a Grafana dashboard: the targets' and the variables'."""
    with open(path) as f:
        dash = json.load(f)
    exprs = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("expr"), str):
                exprs.append(node["expr"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(dash.get("panels", []))
    for var in dash.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        q = var.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        m = re.match(r"\s*(label_values|query_result)\s*\((.*)\)\s*$", q, re.S)
        if not m:
            raise SystemExit(f"{path}: variable {var.get('name')}: unknown query {q!r}")
        arg = m.group(2)
        if m.group(1) == "label_values":
            # label_values(selector, label): the selector is an expression.
            arg = arg.rsplit(",", 1)[0] if "," in arg else ""
        if arg:
            exprs.append(arg)
    return exprs


def rules_exprs(path):
    """The `expr:` values of a rules file, and the names its `record:` rules define."""
    exprs, recorded, rules = [], set(), 0
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if re.match(r"\s*(?:-\s+)?(?:alert|record):", line):
            rules += 1
        m = re.match(r"(\s*)(?:-\s+)?record:\s*(\S+)", line)
        if m:
            recorded.add(m.group(2).strip("'\""))
        m = re.match(r"(\s*)(?:-\s+)?expr:\s*(.*?)\s*$", line)
        if not m:
            continue
        indent, value = len(m.group(1)), m.group(2)
        if re.fullmatch(r"[|>][-+]?", value):
            block = []
            while i < len(lines) and (not lines[i].strip()
                                      or len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i])
                i += 1
            value = "\n".join(block)
        elif len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if not value.strip():
            raise SystemExit(f"{path}: an empty expr")
        exprs.append(value)
    if rules != len(exprs):
        raise SystemExit(f"{path}: {rules} rules but {len(exprs)} expr values read")
    return exprs, recorded


def referenced(dashboard, rules):
    names = set()
    for e in dashboard_exprs(dashboard):
        names |= promql_names(e)
    exprs, recorded = rules_exprs(rules)
    for e in exprs:
        names |= promql_names(e)
    return names - recorded


def exported(metrics_text):
    """Names in exposition text: sample lines, and a histogram's suffixed names."""
    names, histograms = set(), set()
    for line in metrics_text.splitlines():
        m = re.match(r"#\s*TYPE\s+(\S+)\s+(\S+)", line)
        if m and m.group(2) == "histogram":
            histograms.add(m.group(1))
        m = re.match(r"([A-Za-z_:][\w:]*)[{ ]", line)
        if m:
            names.add(m.group(1))
    for h in histograms:
        names.add(h)
        names.update(h + s for s in HISTOGRAM_SUFFIXES)
    return names


def declared_in_binary(name, binary_bytes):
    """True when `name` is a NUL-terminated string literal of the binary."""
    def literal(n):
        pattern = rb"(?<![A-Za-z0-9_:])" + re.escape(n.encode()) + rb"\x00"
        return re.search(pattern, binary_bytes) is not None

    # A histogram's _bucket, _sum and _count are made at run time from its name.
    return literal(name) or any(name.endswith(s) and literal(name[: -len(s)])
                                for s in HISTOGRAM_SUFFIXES)


def check(dashboard, rules, metrics_file, binary, cgroups):
    refs = referenced(dashboard, rules)
    have = exported(open(metrics_file).read())
    if not have:
        print(f"{metrics_file}: no samples", file=sys.stderr)
        return 1
    may = dict(MAY_BE_ABSENT)
    if not cgroups:
        may.update(CGROUP_ONLY)
    if not os.path.exists("/proc/pressure"):
        may.update(PSI_ONLY)
    data = open(binary, "rb").read()
    missing, unknown = [], []
    for name in sorted(refs):
        if name in SYNTHETIC or name in have:
            continue
        base = name
        for s in HISTOGRAM_SUFFIXES:
            if name.endswith(s) and name[: -len(s)] in have:
                base = None
        if base is None:
            continue
        if name in may and declared_in_binary(name, data):
            print(f"  {name}: not exported now ({may[name]}); declared in the binary")
            continue
        (unknown if not declared_in_binary(name, data) else missing).append(name)
    if unknown:
        for name in unknown:
            print(f"UNKNOWN: {name} is referenced but is no metric of this node",
                  file=sys.stderr)
        return 2
    for name in missing:
        print(f"MISSING: {name} is referenced but the node does not export it",
              file=sys.stderr)
    return 1 if missing else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "referenced":
        for n in sorted(referenced(argv[2], argv[3])):
            print(n)
        return 0
    if len(argv) in (6, 7) and argv[1] == "check":
        cgroups = not (len(argv) == 7 and argv[6] == "--no-cgroups")
        return check(argv[2], argv[3], argv[4], argv[5], cgroups)
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
