// error.hpp -- conductor's error codes, rendered through the "conductor"
// category registered in register_types().
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp> // CAF_ERROR_CODE_ENUM needs caf::message complete

namespace conductor {

/// Why an operation of conductor failed. 0 must mean "no error".
enum class ec : uint8_t {
  none = 0,
  /// A configuration file or value failed validation.
  invalid_config,
  /// A supervised actor crashed more often than the restart intensity allows;
  /// the context names the actor. The node exits with code 3.
  restart_intensity,
  /// SQLite refused an operation (context: the statement and SQLite's message).
  database_error,
  /// A /proc, statvfs or cgroup read failed (context: the path).
  probe_failed,
  /// A request named an actor, plugin or target that does not exist.
  unknown_name,
  /// A request's argument is not one the receiver accepts (context: which).
  invalid_argument,
  /// A request does not fit the receiver's state (enabling a running plugin).
  conflict,
  /// What a request needs is not there in this process (context: what).
  unavailable,
};

/// The name of an error code, e.g. "restart_intensity".
std::string to_string(ec x);

} // namespace conductor

// The category is an atom: at most 10 characters.
CAF_ERROR_CODE_ENUM(conductor::ec, "conductor")
