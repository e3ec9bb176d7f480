#!/usr/bin/env bash
# Installs (from Debian) and starts what the test-suite talks to. Idempotent: packages already
# installed are not installed again and services already listening are left alone.
set -euo pipefail

need_pkgs=()
want() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$1"); }

# Independent AMQP 1.0 / STOMP peers and the AMQP specification XML.
want python3-qpid-proton
want python3-stomp
want amqp-specs

if [ ${#need_pkgs[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi
