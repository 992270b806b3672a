# Debian's libcaf-dev ships no CMake package: find CAF 0.17 by hand and refuse
# anything else (0.18 changed the API we use). Defines caf::core, caf::io and
# caf::openssl (the inspector's TLS; it links OpenSSL too, whose headers the
# node uses to check the certificate files before CAF reads them).
#
# CONDUCTOR_CAF_ROOT names another install of CAF to use instead, and only it:
# make test-tsan builds one with ThreadSanitizer (cmake/caf-tsan.sh).
set(CONDUCTOR_CAF_ROOT "" CACHE PATH "use the CAF installed under this prefix, not the system's")
if(CONDUCTOR_CAF_ROOT)
  set(caf_only_there PATHS "${CONDUCTOR_CAF_ROOT}" PATH_SUFFIXES include lib NO_DEFAULT_PATH)
endif()
find_path(CAF_INCLUDE_DIR caf/config.hpp ${caf_only_there})
find_library(CAF_CORE_LIBRARY caf_core ${caf_only_there})
find_library(CAF_IO_LIBRARY caf_io ${caf_only_there})
find_library(CAF_OPENSSL_LIBRARY caf_openssl ${caf_only_there})
if(CONDUCTOR_SANITIZE MATCHES "thread" AND NOT CONDUCTOR_CAF_ROOT)
  message(WARNING "ThreadSanitizer with the system's uninstrumented CAF reports every "
                  "message hand-off as a race: set CONDUCTOR_CAF_ROOT (make test-tsan does)")
endif()
if(NOT CAF_INCLUDE_DIR OR NOT CAF_CORE_LIBRARY OR NOT CAF_IO_LIBRARY OR NOT CAF_OPENSSL_LIBRARY)
  message(FATAL_ERROR "CAF not found: install libcaf-dev (make setup does)")
endif()
find_package(OpenSSL REQUIRED COMPONENTS SSL Crypto)
file(READ "${CAF_INCLUDE_DIR}/caf/config.hpp" caf_config_hpp)
string(REGEX MATCH "#define CAF_VERSION ([0-9]+)" _ "${caf_config_hpp}")
set(CAF_VERSION_INT "${CMAKE_MATCH_1}")
if(NOT CAF_VERSION_INT OR CAF_VERSION_INT LESS 1706 OR CAF_VERSION_INT GREATER_EQUAL 1800)
  message(FATAL_ERROR "need CAF 0.17.6+ (< 0.18), found '${CAF_VERSION_INT}'")
endif()
message(STATUS "CAF ${CAF_VERSION_INT} at ${CAF_INCLUDE_DIR}")
add_library(caf::core INTERFACE IMPORTED)
target_include_directories(caf::core INTERFACE "${CAF_INCLUDE_DIR}")
target_link_libraries(caf::core INTERFACE "${CAF_CORE_LIBRARY}" Threads::Threads)
# Every message type must carry a type ID: an unnamed type fails to compile.
target_compile_definitions(caf::core INTERFACE CAF_ENABLE_TYPE_ID_CHECKS)
add_library(caf::io INTERFACE IMPORTED)
target_link_libraries(caf::io INTERFACE "${CAF_IO_LIBRARY}" caf::core)
add_library(caf::openssl INTERFACE IMPORTED)
target_link_libraries(caf::openssl INTERFACE "${CAF_OPENSSL_LIBRARY}" caf::io OpenSSL::SSL
                      OpenSSL::Crypto)
