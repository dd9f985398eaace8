#!/bin/bash
# Installs what is missing, builds everything and runs every test (unit tests and
# the e2e suites), then prints one line "N passed, N failed". Exits non-zero if
# anything failed or did not build.
#
# Environment: BAZEL_STARTUP_OPTS (e.g. --output_base=...), BAZEL_OPTS (extra flags,
# e.g. --config=asan), BERTH_TEST_TARGETS (default //...).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo}"
bazel_startup=(${BAZEL_STARTUP_OPTS:-})
bazel_opts=(${BAZEL_OPTS:-})
targets=(${BERTH_TEST_TARGETS:-//...})

"${repo}/tools/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }

log="$(mktemp /tmp/berth-test-XXXXXX.log)"
trap 'rm -f "${log}" "${log}.query"' EXIT

# --nocache_test_results: every test runs every time. The disk cache shared
# between checkouts keeps builds fast, but a cached pass of an e2e test says
# nothing about this machine's kernel, packages or docker CLI.
bazel "${bazel_startup[@]}" test --keep_going --test_output=errors --test_summary=short \
  --nocache_test_results "${bazel_opts[@]}" -- "${targets[@]}" 2>&1 | tee "${log}"
rc=${PIPESTATUS[0]}

# Layering: the SDK, the CLI and the gateway reach the engine only through the API
# (engine/base is shared code), and only engine/services and engine/server may link gRPC. One check, counted
# below as one passed or failed test.
layering_ok=1
layering_check() {
  local leaks grpc qerr="${log}.query"
  leaks="$(bazel "${bazel_startup[@]}" query --noshow_progress \
    'deps(//sdk/... + //cli/... + //gateway/...) intersect (//engine/... - //engine/base/...)' 2>"${qerr}")" ||
    { cat "${qerr}"; return 1; }
  if [[ -n "${leaks}" ]]; then
    echo "layering: //sdk, //cli or //gateway depends on engine internals:"
    sed 's/^/  /' <<<"${leaks}"
    return 1
  fi
  grpc="$(bazel "${bazel_startup[@]}" query --noshow_progress \
    'kind("cc_library", rdeps(//engine/..., //third_party:grpcpp)) intersect (//engine/... - //engine/services/... - //engine/server/...)' 2>"${qerr}")" ||
    { cat "${qerr}"; return 1; }
  if [[ -n "${grpc}" ]]; then
    echo "layering: engine libraries outside engine/services and engine/server depend on gRPC:"
    sed 's/^/  /' <<<"${grpc}"
    return 1
  fi
}
echo
if layering_check; then
  echo "layering check: PASSED"
else
  echo "layering check: FAILED"
  layering_ok=0
fi

# Per-target result lines: "//pkg:name   (cached) PASSED in 0.2s", "... FAILED in 3 out of 3",
# "... TIMEOUT", "... NO STATUS", "... FAILED TO BUILD", "... FLAKY, failed in 1 out of 2".
results="$(sed -E 's/\x1b\[[0-9;]*m//g' "${log}" |
  grep -E '^//[^ ]+ +(\(cached\) )?(PASSED|FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE|SKIPPED)')"
passed=$(grep -cE ' (\(cached\) )?(PASSED|FLAKY)' <<<"${results}")
failed=$(grep -cE ' (\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE)' <<<"${results}")

if [[ ${layering_ok} -eq 1 ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

if [[ ${failed} -gt 0 ]]; then
  echo
  echo "Failed:"
  grep -E ' (\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE)' <<<"${results}" | sed 's/^/  /'
  [[ ${layering_ok} -eq 1 ]] || echo "  layering check"
fi
# A build or analysis error that no test line accounts for still fails the run.
if [[ ${rc} -ne 0 && ${failed} -eq 0 ]]; then
  echo "bazel exited with ${rc} (build or analysis error; see above)"
  failed=1
fi
echo "${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
