#include "actors/health/check_runner.hpp"

namespace conductor::health {

namespace {

class engine_runner final : public check_runner {
public:
  explicit engine_runner(check_engine::callback on_result) : engine_(std::move(on_result)) {
  }

  void submit(check_request request) override {
    engine_.submit(std::move(request));
  }

private:
  check_engine engine_;
};

} // namespace

std::unique_ptr<check_runner> make_engine_runner(check_engine::callback on_result) {
  return std::make_unique<engine_runner>(std::move(on_result));
}

} // namespace conductor::health
