#!/bin/sh
# The re-executed binary runs from a sealed memfd and cannot be opened for
# writing through /proc/self/exe (CVE-2019-5736).
set -eu
out=$(shim/oci/sealed_main)
expected="sealed
ETXTBSY"
if [ "$out" != "$expected" ]; then
  echo "got: $out" >&2
  exit 1
fi
