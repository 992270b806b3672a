#include "node/http_api.hpp"

#include <civetweb.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <set>
#include <sstream>

#include "api/json_views.hpp"

namespace conductor {

namespace {

using nlohmann::json;
using api_ptr = std::shared_ptr<api::node_api>;

/// How long an event stream waits before a heartbeat comment: a client that
/// went away is noticed at the next write.
constexpr auto heartbeat = std::chrono::seconds(15);

/// Event streams open at once: each holds one of the server's 96 workers,
/// so the rest always has workers left to answer.
constexpr int max_streams = 8;

http_response reply(const api::result& r) {
  return {r.status, "application/json", api::to_text(r.body)};
}

/// Who made a request, for the audit.
std::string origin(const http_request& req) {
  return "http:" + req.remote;
}

/// One query parameter, URL-decoded; false when absent.
bool query_value(const http_request& req, const char* name, std::string& out) {
  char buf[1024];
  int n = mg_get_var(req.query.c_str(), req.query.size(), name, buf, sizeof(buf));
  if (n < 0)
    return false;
  out.assign(buf, static_cast<size_t>(n));
  return true;
}

/// The body as JSON; an empty body is `fallback` (or an error when null).
std::optional<http_response> parse_body(const http_request& req, json& out,
                                        const json& fallback = nullptr) {
  if (req.body.empty()) {
    if (fallback.is_null())
      return json_error(400, "this endpoint needs a JSON body");
    out = fallback;
    return std::nullopt;
  }
  try {
    out = json::parse(req.body);
  } catch (const json::parse_error& e) {
    return json_error(400, std::string{"malformed JSON: "} + e.what());
  }
  return std::nullopt;
}

/// A handler taking the body as JSON.
template <class F>
std::function<http_response(const http_request&)> with_body(F f, json fallback = nullptr) {
  return [f, fallback](const http_request& req) {
    json body;
    if (auto bad = parse_body(req, body, fallback))
      return *bad;
    return reply(f(req, body));
  };
}

/// GET /api/events: Server-Sent Events from the event hub.
class event_stream : public http_stream {
public:
  event_stream(std::unique_ptr<event_hub::subscription> sub, std::set<std::string> kinds,
               std::shared_ptr<std::atomic<int>> open)
    : sub_(std::move(sub)), kinds_(std::move(kinds)), open_(std::move(open)) {
  }

  ~event_stream() override {
    --*open_;
  }

  bool next(std::string& chunk) override {
    chunk.clear();
    if (!greeted_) {
      greeted_ = true;
      chunk = "retry: 3000\n: conductor events\n\n";
      return true;
    }
    uint64_t dropped = 0;
    if (!sub_->wait(heartbeat, events_, dropped))
      return false;
    if (dropped > 0)
      chunk += "event: dropped\ndata: {\"dropped\":" + std::to_string(dropped) + "}\n\n";
    for (const auto& ev : events_)
      if (kinds_.empty() || kinds_.count(ev.kind))
        chunk += "id: " + std::to_string(ev.seq) + "\nevent: " + ev.kind + "\ndata: " + ev.json
                 + "\n\n";
    if (chunk.empty())
      chunk = ": keepalive\n\n";
    return true;
  }

private:
  std::unique_ptr<event_hub::subscription> sub_;
  std::set<std::string> kinds_;
  std::vector<node_event> events_;
  std::shared_ptr<std::atomic<int>> open_;
  bool greeted_ = false;
};

http_route get(std::string path, std::function<http_response(const http_request&)> h) {
  return {"GET", std::move(path), std::move(h)};
}

http_route change(std::string method, std::string path,
                  std::function<http_response(const http_request&)> h) {
  return {std::move(method), std::move(path), std::move(h), true};
}

} // namespace

std::vector<http_route> api_routes(api_ptr api, std::shared_ptr<event_hub> events,
                                   std::shared_ptr<metrics_hub> metrics) {
  std::vector<http_route> r;
  r.push_back(get("/metrics", [metrics](const http_request&) {
    return http_response{200, "text/plain; version=0.0.4; charset=utf-8", metrics->scrape()};
  }));
  r.push_back(get("/healthz", [](const http_request&) {
    return http_response{200, "application/json", R"({"status":"ok"})"};
  }));
  r.push_back(get("/readyz", [api](const http_request&) {
    auto res = api->actors();
    if (!res.ok())
      return reply(res);
    std::string down;
    for (const auto& a : res.body["actors"])
      if (!a.value("running", false))
        down += (down.empty() ? "" : ", ") + a.value("name", "");
    if (!down.empty())
      return json_error(503, "not ready: " + down + " not running");
    return http_response{200, "application/json", R"({"status":"ready"})"};
  }));
  // -- the autoscaler (the old design's paths) ----------------------------------
  r.push_back(get("/api/autoscaler/status", [api](const http_request&) {
    return reply(api->status());
  }));
  r.push_back(get("/api/autoscaler/metrics", [api](const http_request& req) {
    std::string metric;
    if (!query_value(req, "metric", metric))
      return reply(api->metrics());
    json q{{"metric", metric}};
    std::string text;
    if (query_value(req, "source", text))
      q["source"] = text;
    for (const char* key : {"from", "to", "points"})
      if (query_value(req, key, text)) {
        double v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{} || p != text.data() + text.size())
          return json_error(400, std::string{key} + " must be a number", key);
        q[key] = v;
      }
    return reply(api->metric_range(q));
  }));
  r.push_back(get("/api/autoscaler/history", [api](const http_request& req) {
    int64_t limit = 100;
    std::string text, plugin;
    if (query_value(req, "limit", text)) {
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (ec != std::errc{} || p != text.data() + text.size())
        return json_error(400, "limit must be a whole number between 1 and 1000", "limit");
    }
    query_value(req, "plugin", plugin);
    return reply(api->history(limit, plugin));
  }));
  r.push_back(get("/api/autoscaler/config", [api](const http_request&) {
    return reply(api->config());
  }));
  r.push_back(get("/api/autoscaler/prediction", [api](const http_request&) {
    return reply(api->prediction());
  }));
  r.push_back(get("/api/autoscaler/explain", [api](const http_request&) {
    return reply(api->explain());
  }));
  r.push_back(change("POST", "/api/autoscaler/mode",
                     with_body([api](const http_request& req, const json& b) {
                       return api->set_mode(b, origin(req));
                     })));
  r.push_back(change("POST", "/api/autoscaler/policy",
                     with_body([api](const http_request& req, const json& b) {
                       return api->set_policy(b, origin(req));
                     })));
  r.push_back(change("POST", "/api/autoscaler/scale",
                     with_body([api](const http_request& req, const json& b) {
                       return api->manual_scale(b, origin(req));
                     })));
  r.push_back(change("PUT", "/api/autoscaler/config",
                     with_body([api](const http_request& req, const json& b) {
                       return api->set_config(b, origin(req));
                     })));
  // -- plugins, health, decisions -----------------------------------------------
  r.push_back(get("/api/plugins", [api](const http_request&) { return reply(api->plugins()); }));
  r.push_back(change("POST", "/api/plugins/{name}/{action}", [api](const http_request& req) {
    if (!req.body.empty()) {
      json ignored;
      if (auto bad = parse_body(req, ignored))
        return *bad;
    }
    return reply(api->plugin_action(req.params.at("name"), req.params.at("action"), origin(req)));
  }));
  r.push_back(get("/api/health", [api](const http_request&) { return reply(api->health()); }));
  r.push_back(change("POST", "/api/health/{target}/{action}",
                     with_body(
                       [api](const http_request& req, const json& b) {
                         return api->breaker(req.params.at("target"), req.params.at("action"), b,
                                             origin(req));
                       },
                       json::object())));
  r.push_back({"POST", "/api/preflight", with_body([api](const http_request&, const json& b) {
                 return api->preflight(b);
               })});
  // Changes nothing, but costs up to seconds of a core and reads the whole
  // history: behind the token like the commands (one runs at a time).
  r.push_back(change("POST", "/api/whatif", with_body([api](const http_request&, const json& b) {
                       return api->whatif(b);
                     })));
  r.push_back(get("/api/decisions/{id}", [api](const http_request& req) {
    const auto& text = req.params.at("id");
    int64_t id = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || p != text.data() + text.size())
      return json_error(400, "a decision id is a whole number, not \"" + text + "\"", "id");
    return reply(api->decision(id));
  }));
  r.push_back(get("/api/actors", [api](const http_request&) { return reply(api->actors()); }));
  http_route stream{"GET", "/api/events", nullptr};
  auto open = std::make_shared<std::atomic<int>>(0);
  stream.open_stream = [events, open](const http_request& req,
                                      http_response& refusal) -> std::unique_ptr<http_stream> {
    std::set<std::string> kinds;
    std::string text;
    if (query_value(req, "kinds", text)) {
      std::istringstream in{text};
      for (std::string k; std::getline(in, k, ',');)
        if (!k.empty())
          kinds.insert(k);
    }
    auto refuse = [&] {
      refusal = json_error(503, "too many event streams are open (at most "
                                  + std::to_string(max_streams) + "); try again later");
      refusal.headers.emplace_back("Retry-After", "5");
      return nullptr;
    };
    if (++*open > max_streams) {
      --*open;
      return refuse();
    }
    auto sub = events->subscribe();
    if (!sub) {
      --*open;
      return refuse();
    }
    return std::make_unique<event_stream>(std::move(sub), std::move(kinds), open);
  };
  r.push_back(std::move(stream));
  return r;
}

} // namespace conductor
