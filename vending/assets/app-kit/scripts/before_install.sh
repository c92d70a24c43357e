#!/usr/bin/env bash
# BeforeInstall: stop the running version, and make sure the service account exists.
set -euo pipefail

SERVICE=webapp

if systemctl is-active --quiet "$SERVICE"; then
  systemctl stop "$SERVICE"
fi
if ! id -u "$SERVICE" >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVICE"
fi
