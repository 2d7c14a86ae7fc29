#!/bin/bash
# containerd (through its io.containerd.runc.v2 shim) drives ociunion:
# ctr run --runc-binary PATH.  The test starts its own containerd with its
# own config, root, state and unix socket under a private work directory,
# imports a busybox OCI image archive, and stops containerd by its PID.
# TAP output; see README.md.
# shellcheck disable=SC2016,SC2317 # container scripts, checks run via t_check
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# Checks that fail because of a runtime bug, "name # what fails"; the lead
# removes an entry once the bug is fixed.  Their failure is reported as
# "not ok N - name # runtime bug: ..." and does not fail the suite.
KNOWN_FAILURES=()

t_require containerd ctr containerd-shim-runc-v2
t_setup

IMG=docker.io/ouengines/bb:1
CD=$WORK/containerd
mkdir -p "$CD"
# Only the unix sockets under $CD; the CRI plugin (which would open a TCP
# streaming server and look for CNI) and tracing are off.
cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$CD/containerd.sock"

[ttrpc]
  address = "$CD/containerd.sock.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""
EOF

# The shim puts its own socket under /run/containerd/s whatever the config
# says; remove the directories at the end when they were not there before.
if [ ! -e /run/containerd ]; then
	t_on_exit 'rmdir /run/containerd/s /run/containerd/fifo /run/containerd/runc/ouengines /run/containerd/runc /run/containerd'
fi

containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
CD_PID=$!
t_on_exit "kill $CD_PID; for i in \$(seq 50); do kill -0 $CD_PID || break; sleep 0.1; done; kill -9 $CD_PID"

# cr ARGS...: ctr on the private containerd, namespace ouengines, 120 s at most.
cr() {
	timeout 120 ctr --address "$CD/containerd.sock" --namespace ouengines "$@"
}
RUNFLAGS=(--runc-binary "$RUNTIME" --runc-root "$CD/runc" --fifo-dir "$CD/fifo")

# crrun ARGS...: ctr run through ociunion.
crrun() {
	cr run "${RUNFLAGS[@]}" "$@"
}

# crexec ID ARGS...: ctr task exec with a fresh exec id.
crexec_n=0
crexec() {
	local id=$1
	shift
	crexec_n=$((crexec_n + 1))
	cr task exec --fifo-dir "$CD/fifo" --exec-id "e$crexec_n-$$" "$id" "$@"
}

# crrm ID: kills and removes task and container ID.
crrm() {
	cr task rm -f "$1"
	cr container rm "$1"
}

# Prints the status of the task of container ID (RUNNING, PAUSED, STOPPED).
crstatus() {
	cr task ls | awk -v id="$1" '$1 == id { print $3 }'
}

# Is the task of container ID stopped?
crstopped() {
	[ "$(crstatus "$1")" = STOPPED ]
}

# Removes every container of the namespace (for the exit trap).
crrm_all() {
	local id
	for id in $(cr container ls -q); do
		crrm "$id"
	done
}
t_on_exit 'crrm_all'

if ! wait_for 20 cr version; then
	sed 's/^/# /' "$CD/containerd.log" | tail -n 20
	t_skip_all "containerd did not start"
fi
make_rootfs "$WORK/rootfs"
python3 "$here/mkociarchive.py" "$WORK/rootfs" "$IMG" "$WORK/bb.tar" ||
	t_skip_all "could not build the OCI image archive"
cr images import "$WORK/bb.tar" >"$WORK/import.log" 2>&1 ||
	t_skip_all "ctr images import failed: $(cat "$WORK/import.log")"

check_run_exit() {
	expect_out hello crrun --rm "$IMG" r1 echo hello
	expect_rc 3 crrun --rm "$IMG" r2 sh -c 'exit 3'
}

# Deletes the stopped task ID; prints its exit code (ctr warns of a
# non-zero one on stderr).
task_exit_code() {
	local msg
	msg=$(cr task rm "$1" 2>&1) || fail "ctr task rm $1: $msg"
	if [[ "$msg" =~ "exit code "([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo 0
	fi
}

check_detached() {
	must crrun -d "$IMG" det sleep 1000
	expect_out hi crexec det echo hi
	expect_out sleep1000 crexec det sh -c 'tr -d "\0" </proc/1/cmdline'
	expect_rc 7 crexec det sh -c 'exit 7'
	# ps --format json through the shim.
	cr task ps det | grep -qE '^[0-9]+' || fail "ctr task ps: $(cr task ps det)"
	# SIGTERM: pid 1 exits through its trap.
	must crrun -d "$IMG" term sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	sleep 0.3
	must cr task kill -s SIGTERM term
	wait_for 15 crstopped term || fail "SIGTERM did not stop the task"
	expect_out 0 task_exit_code term
	must cr container rm term
	# SIGKILL: 128 + 9.
	must crrun -d "$IMG" kill9 sleep 1000
	must cr task kill -s SIGKILL kill9
	wait_for 15 crstopped kill9 || fail "SIGKILL did not stop the task"
	expect_out 137 task_exit_code kill9
	must cr container rm kill9
	# rm -f of a running task.
	must cr task rm -f det
	must cr container rm det
	[ -z "$(cr container ls -q)" ] || fail "containers left: $(cr container ls)"
	[ -z "$(ls -A "$CD/runc/ouengines" 2>/dev/null)" ] ||
		fail "runtime state left: $(ls "$CD/runc/ouengines")"
}

check_ro_bind() {
	local m
	mkdir -p "$WORK/hostconf"
	echo host-setting >"$WORK/hostconf/app.conf"
	m="type=bind,src=$WORK/hostconf,dst=/etc/app,options=rbind:ro"
	expect_out host-setting crrun --rm --mount "$m" "$IMG" b1 cat /etc/app/app.conf
	expect_fail crrun --rm --mount "$m" "$IMG" b2 sh -c 'echo x > /etc/app/new'
	expect_fail crrun --rm --mount "$m" "$IMG" b3 sh -c 'echo x >> /etc/app/app.conf'
	[ ! -e "$WORK/hostconf/new" ] || fail "a file was written through the ro bind"
	[ "$(cat "$WORK/hostconf/app.conf")" = host-setting ] || fail "app.conf changed"
}

check_independent_layers() {
	must crrun -d "$IMG" la sleep 1000
	must crrun -d "$IMG" lb sleep 1000
	must crexec la sh -c 'echo a > /etc/marker; rm /etc/app/default.conf'
	expect_out a crexec la cat /etc/marker
	expect_fail crexec lb test -e /etc/marker
	expect_out default crexec lb cat /etc/app/default.conf
	must crexec lb sh -c 'echo b > /etc/marker'
	expect_out a crexec la cat /etc/marker
	must crrm la
	must crrm lb
}

check_tty() {
	local out
	out=$(in_tty ctr --address "$CD/containerd.sock" --namespace ouengines \
		run "${RUNFLAGS[@]}" --rm -t "$IMG" t1 sh -c 'test -t 0 && test -t 1 && tty') ||
		fail "run -t failed: $out"
	echo "run -t: $out"
	[[ "$out" == *"/dev/pts/"* ]] || fail "run -t: no terminal in the container"
	must crrun -d "$IMG" t2 sleep 1000
	out=$(in_tty ctr --address "$CD/containerd.sock" --namespace ouengines \
		task exec --fifo-dir "$CD/fifo" --exec-id tty-e1 -t t2 sh -c 'test -t 0 && tty') ||
		fail "exec -t failed: $out"
	echo "exec -t: $out"
	[[ "$out" == *"/dev/pts/"* ]] || fail "exec -t: no terminal in the exec process"
	expect_out notty crexec t2 sh -c 'test -t 1 || echo notty'
	must crrm t2
}

# Prints the counter the pause check's container writes, read on the host
# through the task's /proc/PID/root.
counter() {
	cat "/proc/$1/root/tmp/count"
}

check_pause() {
	local pid a b
	must crrun -d "$IMG" pz sh -c \
		'i=0; while :; do i=$((i+1)); echo $i > /tmp/c; mv /tmp/c /tmp/count; sleep 0.05; done'
	pid=$(cr task ls | awk '$1 == "pz" { print $2 }')
	wait_for 10 counter "$pid" || fail "the counter does not run"
	must cr task pause pz
	[ "$(crstatus pz)" = PAUSED ] || fail "status $(crstatus pz) after pause"
	a=$(counter "$pid")
	sleep 0.5
	b=$(counter "$pid")
	[ "$a" = "$b" ] || fail "the counter ran while paused: $a then $b"
	must cr task resume pz
	[ "$(crstatus pz)" = RUNNING ] || fail "status $(crstatus pz) after resume"
	sleep 0.5
	b=$(counter "$pid")
	[ "$b" -gt "$a" ] || fail "the counter did not go on after resume: $a then $b"
	must crrm pz
}

# The host pid namespace by the path of this shell's: /proc/1/ns/pid may
# not be open to root here (pid 1 of the host is not dumpable).
check_pid_host() {
	local hostns ns=pid:/proc/$$/ns/pid
	hostns=$(readlink /proc/self/ns/pid)
	expect_out "$hostns" crrun --rm --with-ns "$ns" "$IMG" h1 \
		readlink /proc/self/ns/pid
	expect_out "$(cat /proc/1/comm)" crrun --rm --with-ns "$ns" "$IMG" h2 \
		cat /proc/1/comm
	[ "$(crrun --rm "$IMG" h3 readlink /proc/self/ns/pid)" != "$hostns" ] ||
		fail "a container without the host pid namespace shares it"
}

# With the host pid namespace, when pid 1 exits the shim kills what is
# left in the container with kill --all ID 9 on the stopped container.
check_pid_host_orphans() {
	local ns=pid:/proc/$$/ns/pid pid
	pid=$(crrun --rm --with-ns "$ns" "$IMG" o1 sh -c \
		'sleep 1000 </dev/null >/dev/null 2>&1 & echo $!') || fail "ctr run failed"
	pid=${pid//$'\r'/}
	echo "left-behind pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	if ! wait_for 5 test ! -e "/proc/$pid/cmdline"; then
		kill -9 "$pid"
		fail "process $pid of the container survived its pid 1"
	fi
	# The same with the stopped task not deleted: the shim's kill --all at
	# pid 1's exit is what kills the rest.
	mkdir -p "$WORK/o2"
	must crrun -d --with-ns "$ns" --mount "type=bind,src=$WORK/o2,dst=/out,options=rbind:rw" \
		"$IMG" o2 sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > /out/pid'
	wait_for 10 crstopped o2 || fail "pid 1 of o2 did not exit"
	pid=$(cat "$WORK/o2/pid")
	echo "left-behind pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	if ! wait_for 5 test ! -e "/proc/$pid/cmdline"; then
		kill -9 "$pid"
		fail "process $pid of the stopped, not yet deleted task survived its pid 1"
	fi
	must crrm o2
}

t_check "containerd: run prints and exits 0, exit 3 gives 3" check_run_exit
t_check "containerd: detached: exec, exit code, ps, SIGTERM, SIGKILL 137, rm, rm -f" check_detached
t_skip "containerd: named volume" "containerd has no volumes (podman check 3)"
t_check "containerd: read-only bind of a host config directory" check_ro_bind
t_skip "containerd: image VOLUME" "ctr does not create image volumes (podman check 5)"
t_check "containerd: two containers of one image have independent writable layers" check_independent_layers
t_check "containerd: run -t and exec -t with a terminal" check_tty
t_check "containerd: pause and resume" check_pause
t_check "containerd: host pid namespace (--with-ns pid:PATH)" check_pid_host
t_check "containerd: host pid namespace: processes left by pid 1 are killed" check_pid_host_orphans
t_done
