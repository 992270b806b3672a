#include "node/webhook_sender.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/collector/http_get.hpp"
#include "actors/http_request.hpp"
#include "actors/logger.hpp"
#include "api/json_views.hpp"

namespace conductor {

namespace {

constexpr auto max_backoff = std::chrono::seconds(30);

/// The request for `url` with `body` as JSON, or why the URL is not usable.
std::string prepare_post(const std::string& url, const std::string& body, http_get_target& out) {
  std::string request;
  if (auto error = prepare_http_request(url, out.address, request, "POST"); !error.empty())
    return error;
  const std::string empty = "Content-Length: 0\r\n\r\n";
  request.resize(request.size() - empty.size());
  request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size())
             + "\r\n\r\n" + body;
  out.request = std::move(request);
  return {};
}

} // namespace

webhook_sender::webhook_sender(event_hub& hub, const std::vector<config::webhook_spec>& hooks,
                               std::string node_name)
  : node_(std::move(node_name)) {
  for (const auto& hook : hooks) {
    http_get_target probe;
    if (auto error = prepare_post(hook.url, "", probe); !error.empty()) {
      CONDUCTOR_LOG(error, "webhooks") << hook.url << ": not used: " << error;
      continue;
    }
    auto sub = hub.subscribe();
    if (!sub) {
      CONDUCTOR_LOG(error, "webhooks") << hook.url << ": not used: too many event subscribers";
      continue;
    }
    threads_.emplace_back([this, hook, s = std::move(sub)]() mutable { run(hook, std::move(s)); });
  }
}

webhook_sender::~webhook_sender() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    t.join();
}

bool webhook_sender::pause(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock{mtx_};
  return !cv_.wait_for(lock, d, [&] { return stop_.load(); });
}

std::string webhook_sender::post(const config::webhook_spec& hook, const std::string& body) {
  http_get_target target;
  if (auto error = prepare_post(hook.url, body, target); !error.empty())
    return error;
  bool cancelled = false;
  auto deadline = std::chrono::steady_clock::now() + hook.timeout;
  auto results = http_get_all({target}, deadline, 4096, -1, cancelled);
  return results.front().ok ? "" : results.front().error;
}

void webhook_sender::run(config::webhook_spec hook, std::unique_ptr<event_hub::subscription> sub) {
  std::vector<node_event> events;
  uint64_t dropped = 0;
  while (!stop_) {
    // Short waits, so that a stop is seen within a second.
    if (!sub->wait(std::chrono::seconds(1), events, dropped))
      return;
    if (dropped > 0)
      CONDUCTOR_LOG(warn, "webhooks") << hook.url << ": " << dropped
                                      << " event(s) dropped: the receiver is too slow";
    for (const auto& ev : events) {
      if (!hook.events.empty()
          && std::find(hook.events.begin(), hook.events.end(), ev.kind) == hook.events.end())
        continue;
      auto body = api::to_text(nlohmann::json{{"event", ev.kind},
                                              {"seq", ev.seq},
                                              {"node", node_},
                                              {"data", nlohmann::json::parse(ev.json, nullptr, false)}});
      std::chrono::milliseconds backoff{1000};
      for (int attempt = 0; !stop_; ++attempt) {
        auto error = post(hook, body);
        if (error.empty())
          break;
        if (attempt >= hook.retries) {
          CONDUCTOR_LOG(error, "webhooks") << hook.url << ": " << ev.kind << " event " << ev.seq
                                           << " not delivered after " << attempt + 1
                                           << " attempt(s): " << error;
          break;
        }
        CONDUCTOR_LOG(warn, "webhooks") << hook.url << ": " << error << "; retrying in "
                                        << backoff.count() << " ms";
        if (!pause(backoff))
          return;
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, max_backoff);
      }
    }
  }
}

} // namespace conductor
