# Shared by the engine suites (test_podman.sh, test_containerd.sh): TAP
# output, assertions, a private work directory and its cleanup.
# Sourced with bash; the suite sets KNOWN_FAILURES (check names whose
# failure is a runtime bug the lead fixes) before calling t_check.
#
# Environment:
#   OCIUNION      the runtime under test (default: ./ociunion in the build
#                 directory, $abs_top_builddir/ociunion, then PATH)
#   OU_ENGINES_TRACE=1  put a wrapper between the engine and the runtime
#                 that records every call and its exit status in
#                 $WORK/calls.log, shown under a failing check
#   OU_ENGINES_KEEP=1   keep the work directory (state is still stopped)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
mkrootfs=$top/tests/lib/mkrootfs.sh
t_n=0
t_failed=0
t_known=0
WORK=""
declare -a KNOWN_FAILURES=()
declare -a t_cleanups=()

# Prints the runtime to test, or nothing.
ou_find_runtime() {
	local c
	for c in "${OCIUNION:-}" "${abs_top_builddir:-.}/ociunion" ./ociunion; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			(cd "$(dirname "$c")" && echo "$PWD/$(basename "$c")")
			return
		fi
	done
	command -v ociunion || true
}

# Skips the whole suite (TAP plan 1..0) with REASON and exits 0.
t_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# Checks what every suite needs: root, the runtime, busybox, COMMANDS...
t_require() {
	local c
	[ "$(id -u)" -eq 0 ] || t_skip_all "host: needs root"
	RUNTIME=$(ou_find_runtime)
	[ -n "$RUNTIME" ] || t_skip_all "no ociunion binary (set OCIUNION)"
	for c in "$@" python3 script timeout; do
		command -v "$c" >/dev/null 2>&1 || t_skip_all "host: '$c' is not installed"
	done
	[ -x /bin/busybox ] || t_skip_all "host: busybox-static is not installed"
}

# Makes $WORK and sets the EXIT trap that runs the registered cleanups
# (last registered first), unmounts what is left under $WORK and removes it.
t_setup() {
	WORK=$(mktemp -d /tmp/ouengines-XXXXXX)
	chmod 0755 "$WORK"
	trap t_teardown EXIT
	trap 'exit 130' INT TERM HUP
	if [ "${OU_ENGINES_TRACE:-0}" = 1 ]; then
		# Named as the runtime: podman looks its basename up in
		# runtime_supports_json.
		mkdir "$WORK/trace"
		cat >"$WORK/trace/ociunion" <<EOF
#!/bin/sh
echo "call: \$*" >>"$WORK/calls.log"
"$RUNTIME" "\$@"
rc=\$?
echo "exit \$rc: \$*" >>"$WORK/calls.log"
echo "exit \$rc: \$*" >>"$WORK/calls-all.log"
exit \$rc
EOF
		chmod 0755 "$WORK/trace/ociunion"
		RUNTIME=$WORK/trace/ociunion
	fi
}

# Registers a cleanup command (a string evaluated at exit).
t_on_exit() {
	t_cleanups+=("$1")
}

t_teardown() {
	local i mp
	set +e
	for ((i = ${#t_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${t_cleanups[$i]}" >/dev/null 2>&1
	done
	[ -n "$WORK" ] && [ -d "$WORK" ] || return 0
	# Deepest first: overlay mounts of the engines' storage, bind mounts.
	awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mp; do umount -l "$mp" 2>/dev/null; done
	if [ "${OU_ENGINES_KEEP:-0}" = 1 ]; then
		echo "# kept $WORK"
	else
		rm -rf "$WORK"
	fi
}

# Is check NAME in KNOWN_FAILURES ("name # reason")?  Prints the reason.
t_known_reason() {
	local k
	for k in "${KNOWN_FAILURES[@]}"; do
		if [ "${k%% # *}" = "$1" ]; then
			echo "${k#* # }"
			return 0
		fi
	done
	return 1
}

# Runs check function FUNC (in a subshell, output to a log) as test NAME.
# A failing assertion exits the subshell; the log is shown as # lines.
t_check() {
	local name=$1 log reason
	shift
	t_n=$((t_n + 1))
	log=$WORK/check-$t_n.log
	[ -f "$WORK/calls.log" ] && : >"$WORK/calls.log"
	if ("$@") >"$log" 2>&1 </dev/null; then
		echo "ok $t_n - $name"
		return
	fi
	if reason=$(t_known_reason "$name"); then
		echo "not ok $t_n - $name # runtime bug: $reason"
		t_known=$((t_known + 1))
	else
		echo "not ok $t_n - $name"
		t_failed=$((t_failed + 1))
	fi
	tail -n 40 "$log" | sed 's/^/#   /'
	if [ -s "$WORK/calls.log" ]; then
		echo "#   runtime calls:"
		tail -n 40 "$WORK/calls.log" | sed 's/^/#     /'
	fi
}

# Prints a SKIP result for NAME with REASON.
t_skip() {
	t_n=$((t_n + 1))
	echo "ok $t_n - $1 # SKIP $2"
}

# Prints the plan and exits: 1 when a check not in KNOWN_FAILURES failed.
t_done() {
	echo "1..$t_n"
	[ "$t_known" -eq 0 ] || echo "# $t_known known runtime bug(s), see KNOWN_FAILURES"
	[ "$t_failed" -eq 0 ]
	exit $?
}

# Assertions for check functions: each prints what it saw and exits 1.
fail() {
	echo "FAIL: $*"
	exit 1
}

# must CMD...: runs CMD, fails the check when it fails.
must() {
	echo "+ $*"
	"$@" || fail "command failed (exit $?): $*"
}

# expect_rc RC CMD...: CMD must exit with RC.
expect_rc() {
	local want=$1 rc=0
	shift
	echo "+ $*"
	"$@" || rc=$?
	[ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: $*"
}

# expect_out WANT CMD...: CMD must succeed and print exactly WANT
# (trailing carriage returns of a terminal are dropped).
expect_out() {
	local want=$1 out
	shift
	echo "+ $*"
	out=$("$@") || fail "command failed (exit $?): $*"
	out=${out//$'\r'/}
	[ "$out" = "$want" ] || fail "output '$out', expected '$want': $*"
}

# expect_fail CMD...: CMD must fail.
expect_fail() {
	echo "+ $* (must fail)"
	if "$@"; then
		fail "command succeeded: $*"
	fi
}

# in_tty CMD...: runs CMD with a pseudo terminal on stdin/stdout/stderr
# (script(1)) and prints what it wrote there; exits with CMD's status.
in_tty() {
	local cmd
	printf -v cmd '%q ' "$@"
	script -qefc "$cmd" /dev/null </dev/null
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# The container limits: the podman defaults (RLIMIT_NOFILE and
# RLIMIT_NPROC 1048576) are above the hard limits, which only
# CAP_SYS_RESOURCE may raise.  Prints 1 when this process has it.
has_cap_sys_resource() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	if (((0x$eff >> 24) & 1)); then echo 1; else echo 0; fi
}

# Builds the busybox rootfs of the test images in DIR, with /data/seed
# (the content an image VOLUME /data brings) and /etc/app/default.conf.
make_rootfs() {
	sh "$mkrootfs" "$1" >/dev/null
	mkdir -p "$1/data" "$1/etc/app"
	echo seed >"$1/data/seed"
	echo default >"$1/etc/app/default.conf"
}
