#!/bin/bash
# Builds the libFuzzer targets of tests/fuzz and runs each for a while
# (`make fuzz`; see tests/fuzz/README.md).  Called by the Makefile with:
#   FUZZ_CC            clang
#   FUZZ_SECONDS       how long each target runs (0: build only)
#   FUZZ_JOBS          how many targets run at once
#   FUZZ_CPPFLAGS      include paths of the library
#   FUZZ_LIBEXECDIR    the value of OU_LIBEXECDIR
#   FUZZ_LIBS          the external libraries (yajl, libseccomp, ...)
#   FUZZ_SOURCES       the sources of libociunion (headers are skipped)
#   srcdir, builddir   the top source and build directories
# Writes BUILDDIR/tests/fuzz/fuzz.log and fuzz.trs (one :test-result: per
# target, so tests/run-all.sh counts them).  A crash, sanitizer report,
# leak or timeout of a target is a failure; its input is kept as
# BUILDDIR/tests/fuzz/artifacts/TARGET-crash-*.  Exits 1 if any target failed.
set -uo pipefail

targets="config process resources state mount_opts union volume_json signal id"
out="$builddir/tests/fuzz"
obj="$out/obj"
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
seeds="$srcdir/tests/fuzz/seeds"
data="$srcdir/tests/data"

mkdir -p "$obj" "$out/artifacts" || exit 1
rm -f "$out"/result_* "$out/fuzz.trs"

# Compile one library source into $obj (name with / turned into _).
# A generated source (runtime/trampoline_blob.c) is in the build directory.
compile() {
	local src=$1 o path
	o="$obj/$(echo "${src%.c}" | tr / _).o"
	path="$srcdir/$src"
	[ -f "$path" ] || path="$builddir/$src"
	# shellcheck disable=SC2086
	$FUZZ_CC $flags -fsanitize=fuzzer-no-link $FUZZ_CPPFLAGS \
		-DOU_LIBEXECDIR="\"${FUZZ_LIBEXECDIR:-/usr/local/libexec}\"" -c "$path" -o "$o"
}
export -f compile
export FUZZ_CC FUZZ_CPPFLAGS FUZZ_LIBEXECDIR srcdir builddir obj flags

build() {
	local t
	printf '%s\n' $FUZZ_SOURCES | grep '\.c$' |
		xargs -P "$FUZZ_JOBS" -I{} bash -c 'compile "$@"' _ {} || return 1
	for t in $targets; do
		# shellcheck disable=SC2086
		$FUZZ_CC $flags -fsanitize=fuzzer $FUZZ_CPPFLAGS \
			"$srcdir/tests/fuzz/fuzz_$t.c" "$obj"/*.o $FUZZ_LIBS \
			-o "$out/fuzz_$t" || return 1
	done
}

# The seed directories of a target (read only; new inputs go to corpus/).
seed_dirs() {
	case $1 in
	config) echo "$data/config/good $data/config/bad $data/hostile" ;;
	state) echo "$seeds/state $data/state" ;;
	*) echo "$seeds/$1" ;;
	esac
}

# Run one target; prints "PASS" or "FAIL" as its last line.
run_one() {
	local t=$1 dirs d log="$out/fuzz_$t.log"
	mkdir -p "$out/corpus/$t"
	dirs=""
	for d in $(seed_dirs "$t"); do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	# shellcheck disable=SC2086
	if "$out/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=60 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$t-" "$out/corpus/$t" $dirs >"$log" 2>&1; then
		echo "ok fuzz_$t $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs"
		return 0
	fi
	echo "not ok fuzz_$t (tail of $log:)"
	tail -n 40 "$log" | sed 's/^/#   /'
	return 1
}

run_all() {
	local t running=0 failed=0
	for t in $targets; do
		run_one "$t" >"$out/result_$t" &
		running=$((running + 1))
		if [ "$running" -ge "$FUZZ_JOBS" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
	for t in $targets; do
		cat "$out/result_$t"
		grep -q '^ok ' "$out/result_$t" || failed=1
	done
	return $failed
}

# fuzz.trs in the format of automake's TAP driver.
write_trs() {
	local t r global=PASS
	: >"$out/fuzz.trs"
	for t in $targets; do
		r=FAIL
		grep -q '^ok ' "$out/result_$t" 2>/dev/null && r=PASS
		[ "$r" = FAIL ] && global=FAIL
		echo ":test-result: $r fuzz_$t" >>"$out/fuzz.trs"
	done
	echo ":global-test-result: $global" >>"$out/fuzz.trs"
}

{
	echo "fuzz: building with $FUZZ_CC"
	if ! build; then
		echo "not ok fuzz build"
		for t in $targets; do echo "not ok fuzz_$t (not built)" >"$out/result_$t"; done
		write_trs
		exit 1
	fi
	[ "$FUZZ_SECONDS" -gt 0 ] || exit 0
	echo "fuzz: running each target for ${FUZZ_SECONDS}s, $FUZZ_JOBS at a time"
	run_all
	rc=$?
	write_trs
	exit $rc
} 2>&1 | tee "$out/fuzz.log"
exit "${PIPESTATUS[0]}"
