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
trap 'rm -f "${log}"' EXIT

bazel "${bazel_startup[@]}" test --keep_going --test_output=errors --test_summary=short \
  "${bazel_opts[@]}" -- "${targets[@]}" 2>&1 | tee "${log}"
rc=${PIPESTATUS[0]}

# Per-target result lines: "//pkg:name   (cached) PASSED in 0.2s", "... FAILED in 3 out of 3",
# "... TIMEOUT", "... NO STATUS", "... FAILED TO BUILD", "... FLAKY, failed in 1 out of 2".
results="$(sed -E 's/\x1b\[[0-9;]*m//g' "${log}" |
  grep -E '^//[^ ]+ +(\(cached\) )?(PASSED|FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE|SKIPPED)')"
passed=$(grep -cE ' (\(cached\) )?(PASSED|FLAKY)' <<<"${results}")
failed=$(grep -cE ' (\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE)' <<<"${results}")

if [[ ${failed} -gt 0 ]]; then
  echo
  echo "Failed:"
  grep -E ' (\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE)' <<<"${results}" | sed 's/^/  /'
fi
# A build or analysis error that no test line accounts for still fails the run.
if [[ ${rc} -ne 0 && ${failed} -eq 0 ]]; then
  echo "bazel exited with ${rc} (build or analysis error; see above)"
  failed=1
fi
echo "${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
