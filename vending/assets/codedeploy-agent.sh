# Ensure the CodeDeploy agent is installed and running (Amazon Linux, RHEL-likes, Debian/Ubuntu).
# Used by the Packer bake and, as a safety net, by the instances' user data.
# Expects REGION in the environment.
set -euo pipefail
: "${REGION:?REGION must be set}"
if systemctl is-active --quiet codedeploy-agent 2>/dev/null; then
  echo "codedeploy-agent already running"
  exit 0
fi
if command -v dnf >/dev/null 2>&1; then
  dnf -y install ruby wget
elif command -v yum >/dev/null 2>&1; then
  yum -y install ruby wget
elif command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q ruby-full wget
fi
installer="$(mktemp)"
wget -q -O "$installer" "https://aws-codedeploy-${REGION}.s3.${REGION}.amazonaws.com/latest/install"
chmod +x "$installer"
"$installer" auto
rm -f "$installer"
systemctl enable --now codedeploy-agent
