#!/usr/bin/env bash
# AfterInstall: the application belongs to root and is read-only for the service account;
# systemd reloads the (possibly changed) unit file.
set -euo pipefail

APP_DIR=/opt/webapp
UNIT=/etc/systemd/system/webapp.service

chown -R root:root "$APP_DIR"
chmod -R u=rwX,go=rX "$APP_DIR"
chmod 0644 "$UNIT"
systemctl daemon-reload
