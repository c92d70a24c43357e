#!/usr/bin/env bash
# ApplicationStart: run the new version now, and at every boot.
set -euo pipefail

systemctl enable webapp.service
systemctl restart webapp.service
