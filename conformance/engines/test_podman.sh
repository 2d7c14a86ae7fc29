#!/bin/bash
# podman (through conmon) drives ociunion: podman --runtime PATH, with all
# of podman's state (storage, run root, tmp dir, file locks, events, CNI
# config) under a private work directory and a private containers.conf.
# TAP output; see README.md.
# shellcheck disable=SC2016,SC2317 # container scripts, checks run via t_check
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# Checks that fail because of a runtime bug, "name # what fails"; the lead
# removes an entry once the bug is fixed.  Their failure is reported as
# "not ok N - name # runtime bug: ..." and does not fail the suite.
KNOWN_FAILURES=()

t_require podman conmon
t_setup

IMG=localhost/ouengines/bb:1
IMG_VOL=localhost/ouengines/bbvol:1
LIMITS=()
if [ "$(has_cap_sys_resource)" = 0 ]; then
	LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
fi

mkdir -p "$WORK/tmp" "$WORK/cni"
cat >"$WORK/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/events.log"
lock_type = "file"
tmp_dir = "$WORK/tmp"
image_copy_tmp_dir = "$WORK/tmp"
volume_path = "$WORK/volumes"
runtime = "ociunion"
runtime_supports_json = ["ociunion"]

[engine.runtimes]
ociunion = ["$RUNTIME"]

[network]
network_config_dir = "$WORK/cni"
EOF
export CONTAINERS_CONF=$WORK/containers.conf
export TMPDIR=$WORK/tmp

# pm ARGS...: podman with the private state, 120 s at most.
pm() {
	timeout 120 podman --root "$WORK/root" --runroot "$WORK/runroot" \
		--cgroup-manager cgroupfs --events-backend file \
		--runtime "$RUNTIME" "$@"
}

# pmrun ARGS...: podman run with no network and the container limits.
pmrun() {
	pm run --network none "${LIMITS[@]}" "$@"
}

t_on_exit 'pm rm -a -f -t 0; pm volume rm -a -f'
# The one file podman writes outside its --root: the blob info cache of
# podman import.  Removed, with its directories, when they were not there.
if [ ! -e /var/lib/containers ]; then
	t_on_exit 'rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb;
		rmdir /var/lib/containers/cache /var/lib/containers'
fi

# The images: busybox, and the same with VOLUME /data.
make_rootfs "$WORK/rootfs"
tar -C "$WORK/rootfs" -c . | pm import --change 'CMD ["/bin/sh"]' \
	--change 'WORKDIR /' - "$IMG" >"$WORK/import.log" 2>&1 ||
	t_skip_all "podman import failed"
tar -C "$WORK/rootfs" -c . | pm import --change 'CMD ["/bin/sh"]' \
	--change 'VOLUME /data' - "$IMG_VOL" >>"$WORK/import.log" 2>&1 ||
	t_skip_all "podman import failed"

check_run_exit() {
	local v
	# podman info calls the runtime's --version.
	v=$(pm info -f '{{.Host.OCIRuntime.Version}}') || fail "podman info failed"
	echo "runtime version: $v"
	[[ "$v" == *"$("$RUNTIME" --version | head -n 1)"* ]] ||
		fail "podman does not see the runtime: $v"
	expect_out hello pmrun --rm "$IMG" echo hello
	expect_rc 3 pmrun --rm "$IMG" sh -c 'exit 3'
}

check_detached() {
	must pmrun -d --name det "$IMG" sleep 1000
	expect_out hi pm exec det echo hi
	expect_out sleep1000 pm exec det sh -c 'tr -d "\0" </proc/1/cmdline'
	expect_out 1 pm exec det sh -c 'ps -o pid,comm | awk "\$2 == \"sleep\" { print \$1 }"'
	expect_rc 7 pm exec det sh -c 'exit 7'
	# SIGTERM: pid 1 exits through its trap, well before the 20 s timeout.
	must pmrun -d --name term "$IMG" sh -c \
		'trap "exit 0" TERM; trap "echo usr1 > /tmp/usr1" USR1; while :; do sleep 0.1; done'
	# A signal by name: SIGUSR1 (kill ID 10) reaches pid 1's trap.
	sleep 0.3
	must pm kill -s USR1 term
	wait_for 10 pm exec term test -e /tmp/usr1 || fail "SIGUSR1 did not reach pid 1"
	local t0=$SECONDS
	must pm stop -t 20 term
	[ $((SECONDS - t0)) -lt 15 ] || fail "stop waited for the timeout: SIGTERM not delivered"
	expect_out 0 pm inspect -f '{{.State.ExitCode}}' term
	# SIGKILL: 128 + 9.
	must pmrun -d --name kill9 "$IMG" sleep 1000
	must pm kill -s KILL kill9
	expect_out 137 pm wait kill9
	must pm rm term kill9
	expect_fail pm inspect term
	# rm -f of a running container.
	must pm rm -f -t 0 det
	expect_fail pm inspect det
	[ -z "$(pm ps -aq)" ] || fail "containers left: $(pm ps -a)"
}

check_named_volume() {
	must pm volume create vol1
	must pmrun --rm -v vol1:/data "$IMG" sh -c 'echo written > /data/f'
	expect_out written pmrun --rm -v vol1:/data "$IMG" cat /data/f
	must pm volume rm vol1
}

check_ro_bind() {
	mkdir -p "$WORK/hostconf"
	echo host-setting >"$WORK/hostconf/app.conf"
	expect_out host-setting pmrun --rm -v "$WORK/hostconf:/etc/app:ro" \
		"$IMG" cat /etc/app/app.conf
	expect_fail pmrun --rm -v "$WORK/hostconf:/etc/app:ro" "$IMG" \
		sh -c 'echo x > /etc/app/new'
	expect_fail pmrun --rm -v "$WORK/hostconf:/etc/app:ro" "$IMG" \
		sh -c 'echo x >> /etc/app/app.conf'
	[ ! -e "$WORK/hostconf/new" ] || fail "a file was written through the ro bind"
	[ "$(cat "$WORK/hostconf/app.conf")" = host-setting ] || fail "app.conf changed"
}

check_image_volume() {
	local vol
	expect_out seed pmrun --name ivol "$IMG_VOL" sh -c 'cat /data/seed; echo new > /data/new'
	vol=$(pm inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' ivol)
	[ -n "$vol" ] || fail "no anonymous volume at /data: $(pm inspect -f '{{json .Mounts}}' ivol)"
	echo "anonymous volume $vol"
	pm volume ls -q | grep -qx "$vol" || fail "volume $vol not listed"
	[ "$(pm volume inspect -f '{{.Anonymous}}' "$vol")" = true ] || fail "volume $vol is not anonymous"
	must pm rm -v ivol
	if pm volume ls -q | grep -qx "$vol"; then
		fail "rm -v left the anonymous volume $vol"
	fi
}

check_independent_layers() {
	must pmrun -d --name la "$IMG" sleep 1000
	must pmrun -d --name lb "$IMG" sleep 1000
	must pm exec la sh -c 'echo a > /etc/marker; rm /etc/app/default.conf'
	expect_out a pm exec la cat /etc/marker
	expect_fail pm exec lb test -e /etc/marker
	expect_out default pm exec lb cat /etc/app/default.conf
	must pm exec lb sh -c 'echo b > /etc/marker'
	expect_out a pm exec la cat /etc/marker
	must pm rm -f -t 0 la lb
	expect_out default pmrun --rm "$IMG" sh -c 'test ! -e /etc/marker && cat /etc/app/default.conf'
}

check_tty() {
	local out
	out=$(in_tty podman --root "$WORK/root" --runroot "$WORK/runroot" \
		--cgroup-manager cgroupfs --events-backend file --runtime "$RUNTIME" \
		run --rm -t --network none "${LIMITS[@]}" "$IMG" sh -c 'test -t 0 && test -t 1 && tty') ||
		fail "run -t failed: $out"
	echo "run -t: $out"
	[[ "$out" == *"/dev/pts/"* ]] || fail "run -t: no terminal in the container"
	must pmrun -d --name tty1 "$IMG" sleep 1000
	out=$(in_tty podman --root "$WORK/root" --runroot "$WORK/runroot" \
		--cgroup-manager cgroupfs --events-backend file --runtime "$RUNTIME" \
		exec -t tty1 sh -c 'test -t 0 && tty') || fail "exec -t failed: $out"
	echo "exec -t: $out"
	[[ "$out" == *"/dev/pts/"* ]] || fail "exec -t: no terminal in the exec process"
	expect_out notty pm exec tty1 sh -c 'test -t 1 || echo notty'
	must pm rm -f -t 0 tty1
}

check_pause() {
	local merged a b
	must pmrun -d --name pz "$IMG" sh -c \
		'i=0; while :; do i=$((i+1)); echo $i > /tmp/c; mv /tmp/c /tmp/count; sleep 0.05; done'
	merged=$(pm inspect -f '{{.GraphDriver.Data.MergedDir}}' pz)
	wait_for 10 test -s "$merged/tmp/count" || fail "the counter does not run"
	must pm pause pz
	expect_out paused pm inspect -f '{{.State.Status}}' pz
	a=$(cat "$merged/tmp/count")
	sleep 0.5
	b=$(cat "$merged/tmp/count")
	[ "$a" = "$b" ] || fail "the counter ran while paused: $a then $b"
	must pm unpause pz
	expect_out running pm inspect -f '{{.State.Status}}' pz
	sleep 0.5
	b=$(cat "$merged/tmp/count")
	[ "$b" -gt "$a" ] || fail "the counter did not go on after unpause: $a then $b"
	must pm rm -f -t 0 pz
}

check_pid_host() {
	local hostns
	hostns=$(readlink /proc/self/ns/pid)
	expect_out "$hostns" pmrun --rm --pid host "$IMG" readlink /proc/self/ns/pid
	expect_out "$(cat /proc/1/comm)" pmrun --rm --pid host "$IMG" cat /proc/1/comm
	[ "$(pmrun --rm "$IMG" readlink /proc/self/ns/pid)" != "$hostns" ] ||
		fail "a container without --pid host shares the host pid namespace"
	# With no pid namespace of its own, podman stops with kill --all ID 15.
	must pmrun -d --pid host --name ph "$IMG" sh -c \
		'trap "exit 0" TERM; while :; do sleep 0.1; done'
	sleep 0.3
	local t0=$SECONDS
	must pm stop -t 20 ph
	[ $((SECONDS - t0)) -lt 15 ] || fail "stop waited for the timeout: SIGTERM not delivered"
	expect_out 0 pm inspect -f '{{.State.ExitCode}}' ph
	must pm rm ph
}

# With the host pid namespace, what pid 1 leaves behind is killed when the
# container is cleaned up (delete --force of the stopped container).
check_pid_host_orphans() {
	local pid
	pid=$(pmrun --rm --pid host "$IMG" sh -c \
		'sleep 1000 </dev/null >/dev/null 2>&1 & echo $!') || fail "podman run failed"
	echo "left-behind pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	if ! wait_for 5 test ! -e "/proc/$pid/cmdline"; then
		kill -9 "$pid"
		fail "process $pid of the container survived its pid 1"
	fi
}

t_check "podman: run prints and exits 0, exit 3 gives 3" check_run_exit
t_check "podman: detached: exec, exit code, SIGUSR1, stop, SIGKILL 137, rm, rm -f" check_detached
t_check "podman: named volume written by one container, read by the next" check_named_volume
t_check "podman: read-only bind of a host config directory" check_ro_bind
t_check "podman: image VOLUME filled from the image, removed by rm -v" check_image_volume
t_check "podman: two containers of one image have independent writable layers" check_independent_layers
t_check "podman: run -t and exec -t with a terminal" check_tty
t_check "podman: pause and unpause" check_pause
t_check "podman: --pid host, stop with kill --all" check_pid_host
t_check "podman: --pid host: processes left by pid 1 are killed" check_pid_host_orphans
t_done
