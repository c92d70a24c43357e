#!/usr/bin/env bash
# ValidateService: the deployment succeeds only once the application answers its health check
# on this instance; only then does CodeDeploy put the instance back behind the load balancer.
set -euo pipefail

URL="http://localhost:{{PORT}}{{HEALTH_PATH}}"
ATTEMPTS=30
DELAY_SECONDS=2

for attempt in $(seq 1 "$ATTEMPTS"); do
  if curl --fail --silent --show-error --max-time 3 --output /dev/null "$URL"; then
    echo "healthy: $URL (attempt $attempt)"
    exit 0
  fi
  sleep "$DELAY_SECONDS"
done
echo "unhealthy: $URL did not answer with a 2xx/3xx status after $ATTEMPTS attempts" >&2
systemctl status webapp.service --no-pager >&2 || true
exit 1
