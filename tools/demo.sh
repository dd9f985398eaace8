#!/bin/bash
# Berth demo on a fresh Debian 12 machine, as root, fully offline:
#   1. installs the packages (tools/setup.sh) and builds berthd and berth,
#   2. starts a local registry holding library/hello-world:latest, an image built
#      here from a static C binary,
#   3. starts berthd with that registry as its Docker Hub mirror,
#   4. runs `berth pull hello-world` and `berth images`.
# berthd and the registry keep running afterwards; `tools/demo.sh stop` stops them.
#
# Environment: BERTH_DEMO_DIR (default /tmp/berth-demo), BAZEL_STARTUP_OPTS (e.g.
# --output_base=...), BAZEL_OPTS (extra build flags).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
demo="${BERTH_DEMO_DIR:-/tmp/berth-demo}"
bazel_startup=(${BAZEL_STARTUP_OPTS:-})
bazel_opts=(${BAZEL_OPTS:-})

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

stop_demo() {
  for name in berthd registry; do
    if [[ -f "${demo}/${name}.pid" ]]; then
      pid="$(cat "${demo}/${name}.pid")"
      if kill -0 "${pid}" 2>/dev/null; then
        kill -TERM "${pid}" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
      fi
      rm -f "${demo}/${name}.pid"
    fi
  done
}

if [[ "${1:-}" == "stop" ]]; then
  stop_demo
  echo "demo stopped"
  exit 0
fi

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port_free() {
  /usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1])))' "$1" 2>/dev/null
}

wait_for() {  # wait_for DESCRIPTION COMMAND...
  local what="$1"; shift
  for _ in $(seq 300); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for ${what}" >&2
  return 1
}

say "Installing packages"
"${repo}/tools/setup.sh"

say "Building berthd and berth"
cd "${repo}"
bazel "${bazel_startup[@]}" build "${bazel_opts[@]}" //engine:berthd //cli:berth
bin="$(bazel "${bazel_startup[@]}" info "${bazel_opts[@]}" bazel-bin 2>/dev/null)"
berthd="${bin}/engine/berthd"
berth="${bin}/cli/berth"

stop_demo
mkdir -p "${demo}"

say "Building hello-world from a static C binary"
cat > "${demo}/hello.c" <<'C'
#include <stdio.h>
int main(void) {
  printf("\nHello from Berth!\n"
         "This message shows that your installation appears to be working correctly.\n\n"
         "The image was built locally from a static binary, pushed to a local registry\n"
         "and pulled by berthd through its registry mirror, with no network access.\n");
  return 0;
}
C
gcc -static -Os -s -o "${demo}/hello" "${demo}/hello.c"

say "Starting a local registry"
port=5000
port_free "${port}" || port="$(free_port)"
mkdir -p "${demo}/registry"
cat > "${demo}/registry.yml" <<YML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: ${demo}/registry}
  delete: {enabled: true}
http: {addr: "127.0.0.1:${port}"}
YML
setsid /usr/bin/docker-registry serve "${demo}/registry.yml" >"${demo}/registry.log" 2>&1 &
echo $! > "${demo}/registry.pid"
wait_for "the registry on 127.0.0.1:${port}" curl -fsS "http://127.0.0.1:${port}/v2/"
echo "registry: http://127.0.0.1:${port} (log ${demo}/registry.log)"
"${repo}/tools/push_image.py" --registry "http://127.0.0.1:${port}" --repo library/hello-world \
  --tag latest --file "${demo}/hello:/hello" --cmd /hello >/dev/null

say "Starting berthd (mirror for docker.io: http://127.0.0.1:${port})"
sock="${demo}/berth.sock"
rm -f "${sock}"
setsid "${berthd}" -H "unix://${sock}" --data-root "${demo}/data" --exec-root "${demo}/exec" \
  --pidfile "${demo}/berthd.pid.daemon" --registry-mirror "http://127.0.0.1:${port}" \
  >"${demo}/berthd.log" 2>&1 &
echo $! > "${demo}/berthd.pid"
wait_for "berthd on ${sock}" test -S "${sock}"
export BERTH_HOST="unix://${sock}"

say "berth pull hello-world"
"${berth}" pull hello-world

say "berth images"
"${berth}" images

cat <<MSG

berthd is still running (log ${demo}/berthd.log). Try:
  export BERTH_HOST=${BERTH_HOST}
  ${berth} image inspect hello-world
Stop everything with: tools/demo.sh stop
MSG
