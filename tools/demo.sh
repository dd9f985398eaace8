#!/bin/bash
# Berth demo on a fresh Debian 12 machine, as root, fully offline:
#   1. installs the packages (tools/setup.sh) and builds berthd, berth and berth-shim,
#   2. starts a local registry on loopback holding the project's own test images,
#      library/hello-world:latest (a small static C program) and library/busybox:latest
#      (Debian's busybox-static), pushed by tools/seed_images.py,
#   3. starts berthd with that registry as its Docker Hub mirror (so the demo runs offline,
#      and unchanged where Docker Hub is reachable),
#   4. starts berth-gateway, which serves the Docker Engine API for the docker CLI and
#      docker-py on ${BERTH_DEMO_DIR}/docker.sock,
#   5. runs `berth run hello-world`: the image is missing, so berth pulls it, then the
#      container runs and prints its greeting.
# berthd, the gateway and the registry keep running afterwards; `tools/demo.sh stop` stops
# them.
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
  # Containers outlive berthd (each has its own shim): remove them while berthd still runs.
  if [[ -f "${demo}/berth.path" && -S "${demo}/berth.sock" ]]; then
    local cli ids
    cli="$(cat "${demo}/berth.path")"
    ids="$("${cli}" -H "unix://${demo}/berth.sock" ps -a -q 2>/dev/null || true)"
    if [[ -n "${ids}" ]]; then
      "${cli}" -H "unix://${demo}/berth.sock" rm -f ${ids} >/dev/null 2>&1 || true
    fi
  fi
  for name in gateway berthd registry; do
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

say "Building berthd, berth, berth-shim and berth-gateway"
cd "${repo}"
bazel "${bazel_startup[@]}" build "${bazel_opts[@]}" //engine:berthd //cli:berth //shim:berth-shim \
  //gateway:berth-gateway
bin="$(bazel "${bazel_startup[@]}" info "${bazel_opts[@]}" bazel-bin 2>/dev/null)"
berthd="${bin}/engine/berthd"
berth="${bin}/cli/berth"
shim="${bin}/shim/berth-shim"
gateway="${bin}/gateway/berth-gateway"

stop_demo
mkdir -p "${demo}"

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
say "Seeding it with library/hello-world and library/busybox"
/usr/bin/python3 "${repo}/tools/seed_images.py" --registry "http://127.0.0.1:${port}"

say "Starting berthd (mirror for docker.io: http://127.0.0.1:${port})"
sock="${demo}/berth.sock"
rm -f "${sock}"
setsid "${berthd}" -H "unix://${sock}" --data-root "${demo}/data" --exec-root "${demo}/exec" \
  --pidfile "${demo}/berthd.pid.daemon" --registry-mirror "http://127.0.0.1:${port}" \
  --shim-binary "${shim}" >"${demo}/berthd.log" 2>&1 &
echo $! > "${demo}/berthd.pid"
wait_for "berthd on ${sock}" test -S "${sock}"
export BERTH_HOST="unix://${sock}"
echo "${berth}" > "${demo}/berth.path"

say "Starting berth-gateway (the Docker Engine API on ${demo}/docker.sock)"
docker_sock="${demo}/docker.sock"
rm -f "${docker_sock}"
setsid "${gateway}" -H "unix://${docker_sock}" --engine "unix://${sock}" \
  >"${demo}/gateway.log" 2>&1 &
echo $! > "${demo}/gateway.pid"
wait_for "berth-gateway on ${docker_sock}" test -S "${docker_sock}"

say "berth run hello-world"
"${berth}" run hello-world

cat <<MSG

berthd is still running (log ${demo}/berthd.log). Try:
  export BERTH_HOST=${BERTH_HOST}
  ${berth} run -it busybox sh
  ${berth} ps -a
The docker CLI and docker-py work through the gateway:
  DOCKER_HOST=unix://${docker_sock} docker run --rm busybox echo hello
Stop everything with: tools/demo.sh stop
MSG
