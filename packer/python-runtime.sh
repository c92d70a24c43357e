# What the sample application needs on the image: a Python 3 runtime.
set -euo pipefail
if command -v python3 >/dev/null 2>&1; then
  python3 --version
  exit 0
fi
if command -v dnf >/dev/null 2>&1; then
  dnf -y install python3
elif command -v yum >/dev/null 2>&1; then
  yum -y install python3
elif command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q python3
fi
python3 --version
