#!/bin/bash
# run.sh [OUTDIR]: runs the engine suites (test_podman.sh, test_containerd.sh)
# with OCIUNION (the runtime to test), prints their TAP, and writes for each
# OUTDIR/NAME.log (the TAP) and OUTDIR/NAME.trs (automake's result format:
# PASS, FAIL, SKIP, and XFAIL for a known runtime bug), so that
# tests/run-all.sh counts them with the other tests.  Exits 1 when a check
# not in its suite's KNOWN_FAILURES failed, or a suite ended without a plan.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-.}
mkdir -p "$out"
status=0

# Writes the .trs of the TAP file $1 to $2; prints FAIL when a result
# failed or the plan is missing.
tap_to_trs() {
	awk '
	/^ok / { r = ($0 ~ /# SKIP/) ? "SKIP" : "PASS" }
	/^not ok / { r = ($0 ~ /# runtime bug:/) ? "XFAIL" : "FAIL" }
	/^(not )?ok / {
		name = $0; sub(/^(not )?ok [0-9]+ - /, "", name)
		printf ":test-result: %s %s\n", r, name
		if (r == "FAIL") bad = 1
		n++
	}
	/^1\.\.[0-9]+/ { plan = 1 }
	END {
		if (!plan) { print ":test-result: ERROR no TAP plan"; bad = 1 }
		printf ":global-test-result: %s\n", bad ? "FAIL" : (n ? "PASS" : "SKIP")
		printf ":recheck: %s\n", bad ? "yes" : "no"
		printf ":copy-in-global-log: %s\n", bad ? "yes" : "no"
		if (bad) print "FAIL" > "/dev/stderr"
	}' "$1" >"$2"
}

for suite in test_podman test_containerd; do
	echo "# $suite"
	bash "$here/$suite.sh" 2>&1 | tee "$out/$suite.log"
	if [ -n "$(tap_to_trs "$out/$suite.log" "$out/$suite.trs" 2>&1)" ]; then
		status=1
	fi
done
exit $status
