#!/usr/bin/env bash
# Installs the Debian packages conductor needs to build and test, and nothing else.
# Idempotent: packages already present are skipped, and `apt-get update` runs only
# when something is actually missing (so a warm machine does no network at all).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcaf-dev             # CAF 0.17.6: core, io, test framework
  libyaml-cpp-dev        # config loader
  libsqlite3-dev         # persistence
  libcivetweb-dev        # HTTP server (/metrics, API)
  civetweb               # its CMake config references /usr/bin/civetweb; without it find_package fails
  nlohmann-json3-dev     # JSON bodies
  libssl-dev             # CAF's OpenSSL module (the inspector over TLS) links against it
  openssl                # tests make their TLS certificates with its command line
  curl                   # tests scrape /metrics with a real HTTP client
  prometheus             # promtool and the server, for the contrib tests (tests/contrib/);
                         # its service is stopped after install, see below
  clang libclang-rt-14-dev  # bench/fuzz.sh: libFuzzer and clang's ASan/UBSan runtimes (fuzz/)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or install them with apt-get) and try again" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

# The prometheus package enables and starts a system server on :9090 (unless a
# policy-rc.d forbids it, as in most containers). The tests start their own on a
# free port and only need the binaries, so a server this script installed is
# stopped and disabled again; one installed before is left alone.
if [[ " ${missing[*]} " == *" prometheus "* ]]; then
  if [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/prometheus ]; then
    /etc/init.d/prometheus stop >/dev/null 2>&1 || true
  fi
fi
