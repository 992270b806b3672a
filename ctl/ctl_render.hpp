// ctl_render.hpp -- what conductorctl prints: a table for people or JSON for
// scripts, for each answer the inspector gives. Plain functions of the
// answers, so the output is tested without a node.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/types.hpp"

namespace conductor::ctl {

std::string render_status(const scaler_status& s, const std::vector<child_info>& actors,
                          bool json);
std::string render_actors(const std::vector<child_info>& actors, bool json);
std::string render_history(const std::vector<decision>& rows, bool json);
std::string render_plugins(const std::vector<plugin_event>& plugins, bool json);
std::string render_health(const std::vector<target_health>& targets, bool json);
std::string render_explanation(const std::vector<decision>& rows, bool json);
/// One audit row in full (explain ID): every field, the limits before and
/// after, the inputs pretty-printed.
std::string render_decision(const decision& d, bool json);
/// The answer to a manual resize (scale): the step's id and status, and that
/// the scaler is in manual mode now.
std::string render_scaled(const decision& d, bool json);
std::string render_preflight(const preflight_answer& a, bool json);
/// A what-if report (replay/whatif.hpp, whatif_json): the replay's figures
/// beside the node's ("would" vs "did"), then both decision lists. Shared by
/// conductorctl whatif and conductor-replay --from-db.
std::string render_whatif(const nlohmann::json& report, bool json);

/// Columns padded to their widest cell, two spaces apart; the first row is
/// the header.
std::string table(const std::vector<std::vector<std::string>>& rows);

} // namespace conductor::ctl
