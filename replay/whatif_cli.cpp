#include "replay/whatif_cli.hpp"

#include <unistd.h>

#include <charconv>
#include <iostream>
#include <string>

#include "config/units.hpp"
#include "ctl/ctl_render.hpp"
#include "replay/cli_flags.hpp"
#include "replay/whatif.hpp"

namespace conductor::replay {

namespace {

constexpr const char* usage_text = R"(usage: conductor-replay --from-db DATA_DIR/conductor.db
                        --plugin NAME [options]

What-if on a node's own history: replays the samples a node recorded
(autoscaler_metrics) through the node's own scaler, predictor and cascade (a
virtual node, every step carried out at once) with the configuration the node
ran with, or another policy, and sets what it would have decided beside what
the node did (its audit, autoscaler_history). The database is opened
read-only: a running node's works too.

  --from-db FILE    the node's database (DATA_DIR/conductor.db)
  --plugin NAME     a plugin of the configuration, or "host" (host-level and
                    cascade decisions only)
  --since DURATION  how far back from the newest sample (default: 24h)
  --policy NAME     a policy of scaler.policies to replay with instead of the
                    configuration's (e.g. aggressive, predictive)
  --config FILE     the configuration the node ran with (default: )"
                                  CONDUCTOR_DEFAULT_CONFIG R"(, if it
                    exists; the one used is named on standard error)
  --max-rows N      read at most N sample rows (default: 1000000); the oldest
                    of the window are replayed and the report says it was cut
  --json            the report as JSON (as POST /api/whatif answers)
  --help            this text

The replay runs with the scaler enabled whatever scaler.mode says, and on
this machine's cores and memory (the host tier, the reserves). What it cannot
know: a step it takes does not change the samples that follow (they are what
was recorded), and every step succeeds.

Output: for CPU (cores) and memory (bytes) of the plugin, the limit changes,
the mean limit, the slack (mean share of the limit left unused) and the
throttled time (share of samples whose use was over the limit), and the
cascade steps, for the replay ("would") and the node ("did"); then both
decision lists.

Exit codes: 0 ok; 1 no samples in the window; 2 a bad flag or input (no such
file, a file that cannot be read, not a conductor database or another schema
version, an unknown plugin or policy, an invalid config).
)";


} // namespace

int whatif_main(int argc, char** argv) {
  // --help anywhere, even where a flag's value would be (--from-db --help).
  for (int i = 1; i < argc; ++i)
    if (std::string{argv[i]} == "--help" || std::string{argv[i]} == "-h") {
      std::cout << usage_text;
      return 0;
    }
  cli_flags f;
  std::string error;
  if (!parse_cli_flags(argc, argv, {"from-db", "plugin", "since", "policy", "config", "max-rows"},
                       {"json"}, f, error))
    return cli_fail(error + " (see --from-db --help)", 2);
  if (f.has("help")) {
    std::cout << usage_text;
    return 0;
  }
  whatif_request req;
  req.db_path = f.get("from-db");
  if (req.db_path.empty())
    return cli_fail("--from-db needs the node's database file (DATA_DIR/conductor.db)", 2);
  req.plugin = f.get("plugin");
  if (req.plugin.empty())
    return cli_fail("--plugin is required: a plugin of the configuration, or host", 2);
  if (f.has("since")) {
    auto d = config::parse_duration(f.get("since"));
    if (!d)
      return cli_fail("--since: invalid duration \"" + f.get("since") + "\": " + d.error, 2);
    if (d.value->count() <= 0)
      return cli_fail("--since: must be more than 0", 2);
    req.since = std::chrono::duration_cast<std::chrono::seconds>(*d.value);
    if (req.since.count() <= 0)
      return cli_fail("--since: must be at least 1s", 2);
  }
  req.policy = f.get("policy");
  if (f.has("policy") && req.policy.empty())
    return cli_fail("--policy needs a policy name", 2);
  if (f.has("max-rows")) {
    auto text = f.get("max-rows");
    size_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || ptr != text.data() + text.size() || n == 0)
      return cli_fail("--max-rows: expected a positive whole number, got \"" + text + "\"", 2);
    req.max_rows = n;
  }
  // Offline: there is no node to protect, only a person waiting.
  req.deadline = std::chrono::minutes(10);
  std::string config_path = f.get("config");
  if (config_path.empty()) {
    if (::access(CONDUCTOR_DEFAULT_CONFIG, R_OK) != 0)
      return cli_fail(std::string{"--config FILE is required: the configuration the node ran with ("}
                    + CONDUCTOR_DEFAULT_CONFIG + " does not exist here)",
                  2);
    config_path = CONDUCTOR_DEFAULT_CONFIG;
  }
  std::cerr << "conductor-replay: replaying with the configuration " << config_path
            << (f.has("config") ? "" : " (the default; pass --config FILE for the node's own)")
            << '\n';
  if (!load_cli_config(config_path, req.config))
    return 2;
  whatif_report report;
  whatif_failure why = whatif_failure::none;
  if (!run_whatif(req, report, error, why))
    return cli_fail(error, why == whatif_failure::no_data ? 1 : 2);
  std::cout << ctl::render_whatif(whatif_json(report), f.has("json"));
  std::cout.flush();
  return std::cout ? 0 : 1;
}

} // namespace conductor::replay
