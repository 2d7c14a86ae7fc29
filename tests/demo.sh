#!/bin/sh
# tests/demo.sh: the storage model of ociunion, shown with real containers.
#
# On a fresh Debian 12, as root: installs what it needs (tests/bootstrap.sh),
# builds ociunion in _build/ (or reuses a built one; OCIUNION=path picks
# another binary), builds a small busybox "image" of two layer directories
# under a temporary directory, and walks through the ten scenarios of
# SCENARIOS.md.  It removes every container, volume, mount and directory it
# made, and exits 0 only if every scenario behaved as SCENARIOS.md says.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (containers need it)" >&2
	exit 1
fi

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# bootstrap.sh ends with exit: source it in a subshell.
(. tests/bootstrap.sh)

if [ -z "${OCIUNION:-}" ]; then
	if [ ! -f _build/Makefile ]; then
		[ -x configure ] || autoreconf -fi
		mkdir -p _build
		(cd _build && ../configure -q)
	fi
	make -s -C _build -j"$(nproc)" ociunion
	OCIUNION=$top/_build/ociunion
fi

tmp=$(mktemp -d /tmp/ociunion-demo.XXXXXX)
chmod 0755 "$tmp"
state=$tmp/state
store=$tmp/storage
img=$tmp/image
failures=0

ou() {
	"$OCIUNION" --root "$state" --storage-root "$store" "$@"
}

cleanup() {
	set +e
	for id in $(ou list -q 2>/dev/null); do
		ou delete --force --volumes "$id" >/dev/null 2>&1
	done
	ou volume prune --all >/dev/null 2>&1
	grep " $tmp/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Colours only on a terminal.
if [ -t 1 ]; then
	bold='\033[1m' green='\033[32m' red='\033[31m' plain='\033[0m'
else
	bold='' green='' red='' plain=''
fi

section() {
	printf '\n%b== %s ==%b\n' "$bold" "$*" "$plain"
}

say() {
	printf '   %s\n' "$*"
}

show() {
	sed 's/^/   | /'
}

check() {
	# check "what" COMMAND...: PASS if the command succeeds.
	what=$1
	shift
	if "$@"; then
		printf '   %bPASS%b %s\n' "$green" "$plain" "$what"
	else
		printf '   %bFAIL%b %s\n' "$red" "$plain" "$what"
		failures=$((failures + 1))
	fi
}

# ---- the image: two layer directories ----

mkdir -p "$img/base/bin" "$img/base/proc" "$img/base/sys" "$img/base/dev" \
	"$img/base/tmp" "$img/base/etc" "$img/base/root"
cp /bin/busybox "$img/base/bin/busybox"
for a in $("$img/base/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$img/base/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$img/base/etc/passwd"
echo 'root:x:0:' >"$img/base/etc/group"
mkdir -p "$img/app/etc" "$img/app/data" "$img/app/srv"
echo 'greeting=hello from the image' >"$img/app/etc/app.conf"
echo 'seed data from the image' >"$img/app/data/seed"
echo 'image file a' >"$img/app/srv/a"
echo 'image file b' >"$img/app/srv/b"
image="$img/base:$img/app"
image_sum=$(cd "$img" && find . -exec ls -ld {} + | md5sum)

# mkbundle NAME SCRIPT [EXTRA]: a bundle whose root is the union of the
# image's layers.  EXTRA is Python applied to the config c: mounts, notes.
mkbundle() {
	b=$tmp/bundles/$1
	mkdir -p "$b"
	"$OCIUNION" spec -b "$b" >/dev/null
	python3 - "$b/config.json" "$image" "$2" "${3:-}" <<'EOF'
import json, sys
path, layers, script, extra = sys.argv[1:5]
c = json.load(open(path))
c["root"] = {"path": "rootfs", "readonly": False}
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", script]
c["hostname"] = "demo"
a = c.setdefault("annotations", {})
a["org.ociunion.rootfs.layers"] = layers
def mount(dest, typ, src=None, *opts):
    m = {"destination": dest, "type": typ, "options": list(opts)}
    if src is not None:
        m["source"] = src
    c["mounts"].append(m)
exec(extra)
json.dump(c, open(path, "w"), indent=1)
EOF
	echo "$b"
}

run() {
	# run ID BUNDLE [--keep]: the container's output on stdout
	ou run ${3:-} --bundle "$2" "$1"
}

wait_stopped() {
	for _ in $(seq 100); do
		ou state "$1" | grep -q '"status":"stopped"' && return 0
		sleep 0.05
	done
	return 1
}

volume_of() {
	# the anonymous volume of a container, from its storage record
	python3 -c 'import json,sys; print([v["name"] for v in json.load(open(sys.argv[1]))["volumes"] if v["anonymous"]][0])' \
		"$store/containers/$1/record.json"
}

echo "ociunion: $("$OCIUNION" --version | head -1)"
echo "image layers: $img/base (busybox), $img/app (/etc/app.conf, /data, /srv)"

# ---- 1 ----
section "1. Independent writable layers"
b1=$(mkbundle c1 'echo $RANDOM$RANDOM > /random; cat /random')
b2=$(mkbundle c2 'echo $RANDOM$RANDOM > /random; cat /random')
n1=$(run c1 "$b1" --keep)
n2=$(run c2 "$b2" --keep)
say "c1 wrote $n1, c2 wrote $n2"
say "c1's writable layer: $(cat "$store/containers/c1/upper/random")"
say "c2's writable layer: $(cat "$store/containers/c2/upper/random")"
check "each sees only its own number" [ "$n1" != "$n2" ]
check "c1's writable layer holds c1's file" [ "$(cat "$store/containers/c1/upper/random")" = "$n1" ]
check "c2's writable layer holds c2's file" [ "$(cat "$store/containers/c2/upper/random")" = "$n2" ]
check "the layer directories are unchanged" \
	[ "$(cd "$img" && find . -exec ls -ld {} + | md5sum)" = "$image_sum" ]
ou delete c1
ou delete c2

# ---- 2 ----
section "2. Copy-out and copy-in, running and stopped"
b=$(mkbundle cp1 'sleep 1000')
ou run -d --bundle "$b" cp1
ou cp cp1:/etc/app.conf "$tmp/app.conf"
say "copied out of the running container:"
show <"$tmp/app.conf"
echo 'greeting=changed on the host' >"$tmp/app.conf"
ou cp "$tmp/app.conf" cp1:/etc/app.conf
seen=$(ou exec cp1 cat /etc/app.conf)
say "after copying it back in, the container reads: $seen"
check "the container's next read sees the changed file" [ "$seen" = "greeting=changed on the host" ]
other=$(run cp2 "$(mkbundle cp2 'cat /etc/app.conf')")
say "another container of the same layers reads: $other"
check "other containers are unaffected" [ "$other" = "greeting=hello from the image" ]
ou kill cp1 KILL
wait_stopped cp1
rm -f "$tmp/app.conf"
ou cp cp1:/etc/app.conf "$tmp/app.conf"
say "copied out after the process exited: $(cat "$tmp/app.conf")"
echo 'greeting=changed while stopped' >"$tmp/app.conf"
ou cp "$tmp/app.conf" cp1:/etc/app.conf
say "in its writable layer now: $(cat "$store/containers/cp1/upper/etc/app.conf")"
check "copy in and out work while stopped" \
	[ "$(cat "$store/containers/cp1/upper/etc/app.conf")" = "greeting=changed while stopped" ]
ou delete cp1

# ---- 3 ----
section "3. The writable layer dies with the container"
b=$(mkbundle w1 'echo scribbled > /etc/app.conf; cat /etc/app.conf')
say "w1 writes: $(run w1 "$b" --keep)"
say "before delete, its storage holds: $(echo $(ls "$store/containers/w1"))"
ou delete w1
check "after delete the writable layer is gone" [ ! -e "$store/containers/w1" ]
fresh=$(run w2 "$(mkbundle w2 'cat /etc/app.conf')")
say "a new container reads: $fresh"
check "a new container starts from the original content" [ "$fresh" = "greeting=hello from the image" ]

# ---- 4 ----
section "4. Volumes outlive containers"
b=$(mkbundle v1 'echo "buy milk" >> /data/todo; cat /data/todo' 'mount("/data", "volume", "todo-list")')
say "v1 writes into todo-list: $(run v1 "$b")"
say "v1 is deleted (run without --keep); volumes now:"
ou volume ls | show
b=$(mkbundle v2 'cat /data/todo' 'mount("/data", "volume", "todo-list")
a["org.ociunion.rootfs.layers"] = layers.split(":")[0]')
got=$(run v2 "$b")
say "v2, from different layers (the base only), reads: $got"
check "v2 reads v1's data" [ "$got" = "buy milk" ]

# ---- 5 ----
section "5. Anonymous volume per container"
decl='a["org.ociunion.volumes"] = "/data"'
a1=$(run a1 "$(mkbundle a1 'cat /data/seed; echo "written by a1" > /data/mine' "$decl")" --keep)
a2=$(run a2 "$(mkbundle a2 'cat /data/seed; echo "written by a2" > /data/mine' "$decl")" --keep)
say "a1 sees: $a1"
say "a2 sees: $a2"
va1=$(volume_of a1)
va2=$(volume_of a2)
say "a1's volume: $va1"
say "a2's volume: $va2"
check "two different anonymous volumes" [ "$va1" != "$va2" ]
check "a1's volume pre-filled from the image's /data" [ "$a1" = "seed data from the image" ]
check "a2's volume pre-filled from the image's /data" [ "$a2" = "seed data from the image" ]
a3=$(run a3 "$(mkbundle a3 'cat /data/mine' 'a["org.ociunion.volumes-from"] = "a1"')")
say "a3 (volumes-from a1) reads: $a3"
check "the third container sees the first one's data" [ "$a3" = "written by a1" ]
ou delete --volumes a1
ou delete --volumes a2
check "delete --volumes removed both anonymous volumes" \
	[ -z "$(ou volume ls -q | grep -e "$va1" -e "$va2" || true)" ]

# ---- 6 ----
section "6. Bind mounts work both ways"
mkdir -p "$tmp/shared"
echo 'hello from the host' >"$tmp/shared/from-host"
b=$(mkbundle b6 'cat /mnt/from-host; echo "hello from the container" > /mnt/from-container' \
	"mount('/mnt', 'bind', '$tmp/shared', 'rbind', 'rw')")
inside=$(run b6 "$b")
say "the container read: $inside"
say "the host reads: $(cat "$tmp/shared/from-container")"
check "host to container" [ "$inside" = "hello from the host" ]
check "container to host" [ "$(cat "$tmp/shared/from-container")" = "hello from the container" ]

# ---- 7 ----
section "7. Read-only config bind, sub-mounts included"
mkdir -p "$tmp/config/sub"
echo 'mode=strict' >"$tmp/config/app.conf"
mount -t tmpfs -o size=1m demo-sub "$tmp/config/sub"
b=$(mkbundle ro 'cat /cfg/app.conf; touch /cfg/new 2>&1; touch /cfg/sub/new 2>&1; mount -o remount,rw /cfg 2>&1 && echo REMOUNTED; touch /cfg/again 2>&1; true' \
	"mount('/cfg', 'bind', '$tmp/config', 'rbind', 'ro')")
out=$(run ro "$b")
echo "$out" | show
check "the config is readable" [ "$(echo "$out" | head -1)" = "mode=strict" ]
check "every write fails with EROFS, also in the sub-mount" \
	[ "$(echo "$out" | grep -c 'Read-only file system')" -eq 3 ]
check "a remount to read-write fails" [ -z "$(echo "$out" | grep REMOUNTED || true)" ]

# ---- 8 ----
section "8. A mount hides what was there"
mkdir -p "$tmp/srv"
echo 'host file c' >"$tmp/srv/c"
with=$(run m1 "$(mkbundle m1 'ls /srv' "mount('/srv', 'bind', '$tmp/srv', 'rbind')")")
without=$(run m2 "$(mkbundle m2 'ls /srv')")
say "with the mount, /srv lists: $(echo $with)"
say "without it:                $(echo $without)"
check "only the mounted source's files show" [ "$(echo $with)" = "c" ]
check "the image's files show again in the next container" [ "$(echo $without)" = "a b" ]

# ---- 9 ----
section "9. A single file into an existing directory merges"
echo 'extra=1' >"$tmp/extra.conf"
merged=$(run f1 "$(mkbundle f1 'ls /srv' "mount('/srv/extra.conf', 'bind', '$tmp/extra.conf', 'bind', 'ro')")")
say "/srv lists: $(echo $merged)"
check "the file is added, the image's files stay" [ "$(echo $merged)" = "a b extra.conf" ]

# ---- 10 ----
section "10. The lab: a read-only config and a named volume for data"
mkdir -p "$tmp/labcfg"
echo 'GREETING="visit number"' >"$tmp/labcfg/lab.env"
lab='. /cfg/lab.env; n=$(cat /data/visits 2>/dev/null | wc -l); echo "$GREETING $((n + 1))" >> /data/visits; cat /data/visits'
extra="mount('/cfg', 'bind', '$tmp/labcfg', 'rbind', 'ro')
mount('/data', 'volume', 'lab-data')"
run lab1 "$(mkbundle lab1 "$lab" "$extra")" >/dev/null
say "lab1 ran and was removed; its replacement lab2 prints:"
out=$(run lab2 "$(mkbundle lab2 "$lab" "$extra")")
echo "$out" | show
check "the config is applied and the data survives the replacement" \
	[ "$out" = "visit number 1
visit number 2" ]

section "Summary"
if [ "$failures" -eq 0 ]; then
	say "every scenario behaved as SCENARIOS.md says"
	exit 0
fi
say "$failures check(s) failed"
exit 1
