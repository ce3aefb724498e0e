#!/usr/bin/env bash
# Installs the Debian packages statebench needs, skipping what is present.
# Idempotent; uses sudo when not root.
# Usage: scripts/install-deps.sh [--with-browser] [--with-fuzz] [--with-dev]
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  librocksdb-dev libhiredis-dev libpqxx-dev libpq-dev
  libcli11-dev libfmt-dev libbenchmark-dev libgtest-dev libgmock-dev
  nlohmann-json3-dev libyaml-cpp-dev libssl-dev zlib1g-dev libzstd-dev liblz4-dev
  redis-server redis-tools postgresql postgresql-client rocksdb-tools
)
for arg in "$@"; do
  case $arg in
    --with-browser) packages+=(chromium) ;;
    # libFuzzer and the sanitizer runtimes come with clang; llvm brings
    # llvm-symbolizer for symbolised fuzzer stack traces (make fuzz).
    --with-fuzz) packages+=(clang llvm) ;;
    # clang-format, for contributors (the style of the tree).
    --with-dev) packages+=(clang-format) ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 3
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
# Installing a server package must not start a system-wide service we would
# then share with the user's machine: policy-rc.d forbids service starts.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  created_policy=1
fi
status=0
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
if ((created_policy)); then
  "${sudo_cmd[@]}" rm -f "$policy"
fi
exit $status
