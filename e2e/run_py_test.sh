#!/bin/bash
# Runs one e2e Python test file: e2e/run_py_test.sh e2e/<name>_test.py [unittest args...]
#
# Inside `bazel test` the binaries and proto files are in the runfiles tree (the
# current directory); outside Bazel they come from <repo>/bazel-bin unless
# BERTH_BIN_DIR is set. Debian's python3 is used on purpose: python3-grpcio and
# python3-grpc-tools are installed for it, not for other interpreters on PATH.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 e2e/<name>_test.py [unittest args...]" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${TEST_SRCDIR:-}" && -d "${TEST_SRCDIR}/${TEST_WORKSPACE:-berth}" ]]; then
  runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE:-berth}"
  cd "${runfiles}"
  export BERTH_BIN_DIR="${BERTH_BIN_DIR:-${runfiles}}"
  export BERTH_PROTO_ROOT="${BERTH_PROTO_ROOT:-${runfiles}}"
fi

test_file="$1"
shift
[[ -f "${test_file}" ]] || test_file="${here}/$(basename "${test_file}")"

export PYTHONDONTWRITEBYTECODE=1
export PYTHONUNBUFFERED=1
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
exec /usr/bin/python3 "${test_file}" "$@"
