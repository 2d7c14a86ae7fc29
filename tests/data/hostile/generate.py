#!/usr/bin/env python3
# Writes the hostile config.json files of this directory (see README) from
# the default config of tests/integration/harness.c.  Each file differs from
# that config in one hostile way and must be refused by `ociunion run` and
# `create` (tests/integration/test_hostile.c).  Run it from anywhere; it
# rewrites the *.json files and README here.
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
BASE = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["sh"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        "cwd": "/",
        "capabilities": {"bounding": CAPS, "effective": CAPS, "permitted": CAPS},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True},
    "root": {"path": "rootfs", "readonly": False},
    "hostname": "ou-test",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]}],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                       {"type": "uts"}, {"type": "mount"}]},
}

files = []  # (name, description, bytes)


def add(name, what, data):
    if isinstance(data, str):
        data = data.encode()
    files.append((name, what, data))


def edit(name, what, fn):
    c = copy.deepcopy(BASE)
    fn(c)
    add(name, what, json.dumps(c, indent=1))


def setp(path, value):
    def fn(c):
        keys = path.split(".")
        d = c
        for k in keys[:-1]:
            d = d[int(k)] if isinstance(d, list) else d.setdefault(k, {})
        last = keys[-1]
        if isinstance(d, list):
            d[int(last)] = value
        else:
            d[last] = value
    return fn


def delp(path):
    def fn(c):
        keys = path.split(".")
        d = c
        for k in keys[:-1]:
            d = d[k]
        del d[keys[-1]]
    return fn


def anno(**kv):
    def fn(c):
        c.setdefault("annotations", {}).update(
            {k.replace("_", ".").replace("volumes.from", "volumes-from"): v
             for k, v in kv.items()})
    return fn


def mount(m):
    return lambda c: c["mounts"].append(m)


text = json.dumps(BASE, indent=1)

# truncated and not JSON
add("trunc-empty", "an empty file", "")
add("trunc-brace", "a lone opening brace", "{")
add("trunc-half", "the config cut in the middle", text[: len(text) // 2])
add("trunc-string", "cut inside a string", text[: text.index("rootfs") + 3])
add("not-object", "a JSON array instead of an object", "[1, 2, 3]")
add("trailing-garbage", "a valid config followed by garbage", text + "\n}}garbage")
add("nul-byte", "a NUL byte inside the document", text.replace('"ou-test"', '"ou\\u0000test"').encode()[:40] + b"\0" + text.encode()[40:])

# wrong types
edit("type-ociversion", "ociVersion is a number", setp("ociVersion", 1.0))
edit("type-args", "process.args is a string", setp("process.args", "sh"))
edit("type-root", "root is a string", setp("root", "rootfs"))
edit("type-mounts", "mounts is an object", setp("mounts", {"destination": "/x"}))
edit("type-uid", "process.user.uid is a string", setp("process.user.uid", "0"))
edit("type-namespaces", "linux.namespaces is an object", setp("linux.namespaces", {"type": "pid"}))
edit("type-annotations", "annotations is an array", setp("annotations", ["a", "b"]))
edit("type-env-elem", "an env entry is a number", setp("process.env", ["A=1", 42]))
edit("type-terminal", "process.terminal is a string", setp("process.terminal", "false"))
edit("type-args-empty", "process.args is empty", setp("process.args", []))

# missing or out of range required values
edit("missing-ociversion", "no ociVersion", delp("ociVersion"))
edit("version-future", "ociVersion 2.0.0", setp("ociVersion", "2.0.0"))
edit("missing-process", "no process (run needs one)", delp("process"))
edit("missing-root-path", "root without path", setp("root", {"readonly": True}))
edit("cwd-relative", "process.cwd is relative with ..", setp("process.cwd", "../.."))

# huge strings and arrays
edit("huge-namespace-type", "a 256 KiB namespace type", setp("linux.namespaces", [{"type": "x" * 262144}]))
edit("huge-annotation-layers", "org.ociunion.rootfs.layers of 20000 empty entries", anno(org_ociunion_rootfs_layers=":" * 20000))
edit("huge-mounts", "2000 mounts, the last of an unknown propagation", lambda c: c["mounts"].extend(
    [{"destination": "/tmp/m%d" % i, "type": "tmpfs", "source": "tmpfs"} for i in range(2000)]
    + [{"destination": "/tmp/bad", "type": "tmpfs", "source": "tmpfs", "options": ["x" * 65536]}]
    ) or c.setdefault("linux", {}).__setitem__("rootfsPropagation", "bogus"))
edit("huge-rlimits", "10000 rlimits, the last one unknown", setp("process.rlimits",
    [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}] * 10000 + [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]))
edit("huge-uid-mappings", "2000 uid mappings in a user namespace, the last one overflowing", lambda c: (
    setp("linux.uidMappings", [{"containerID": i, "hostID": 100000 + i, "size": 1} for i in range(2000)]
         + [{"containerID": 4294967295, "hostID": 4294967295, "size": 2}])(c),
    setp("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])(c),
    c["linux"]["namespaces"].append({"type": "user"})))

# deep nesting
add("deep-array", "annotations value nested 100000 arrays deep",
    text[:-1] + ', "annotations": {"a": ' + "[" * 100000 + "]" * 100000 + "}}")
add("deep-object", "an unknown key nested 5000 objects deep",
    text[:-1] + ', "x": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}")
add("deep-unclosed", "100000 unclosed arrays", text[:-1] + ', "x": ' + "[" * 100000)

# invalid UTF-8
add("utf8-hostname", "a hostname with a byte 0xff", text.encode().replace(b"ou-test", b"ou-\xfftest"))
add("utf8-overlong", "an overlong encoding of '/' in the cwd", text.encode().replace(b'"cwd": "/"', b'"cwd": "\xc0\xaf"'))
add("utf8-truncated", "a multi-byte sequence cut short in an annotation key",
    text[:-1].encode() + b', "annotations": {"k\xe2\x82": "v"}}')
add("utf8-surrogate", "a UTF-8 encoded surrogate in a namespace type", text.encode().replace(b'"ipc"', b'"ipc\xed\xa0\x80"'))

# negative and overflowing numbers
edit("num-uid-negative", "uid -1", setp("process.user.uid", -1))
edit("num-uid-overflow", "uid 2^32", setp("process.user.uid", 4294967296))
edit("num-rlimit-negative", "RLIMIT_NOFILE hard -1", setp("process.rlimits", [{"type": "RLIMIT_NOFILE", "hard": -1, "soft": 1}]))
add("num-huge-exponent", "a memory limit of 1e400", text[:-1] + ', "linux": {"resources": {"memory": {"limit": 1e400}}, "namespaces": [{"type": "mount"}]}}')
edit("num-oom-range", "oomScoreAdj 99999", setp("process.oomScoreAdj", 99999))
add("num-pids-overflow", "pids limit 2^64", text[:-1] + ', "linux": {"resources": {"pids": {"limit": 18446744073709551616}}, "namespaces": [{"type": "mount"}]}}')
edit("num-float-gid", "gid 1.5", setp("process.user.gid", 1.5))
edit("num-console-negative", "consoleSize height -5", setp("process.consoleSize", {"height": -5, "width": 80}))

# duplicate keys (the last one counts, as in runc, and it is bad)
add("dup-ociversion", "ociVersion twice, the last one bad", text.replace('"ociVersion": "1.0.2"', '"ociVersion": "1.0.2", "ociVersion": "x.y"'))
add("dup-process", "process twice, the last one without args",
    text[:-1] + ', "process": {"cwd": "/", "user": {"uid": 0, "gid": 0}}}')
add("dup-root", "root twice, the last one a number", text[:-1] + ', "root": 7}')

# unknown namespace, mount and seccomp values
edit("ns-unknown", "namespace type 'bogus'", setp("linux.namespaces", [{"type": "bogus"}]))
edit("ns-duplicate", "the pid namespace twice", setp("linux.namespaces", [{"type": "pid"}, {"type": "pid"}, {"type": "mount"}]))
edit("ns-path-missing", "a namespace path that does not exist", setp("linux.namespaces", [{"type": "mount"}, {"type": "uts"}, {"type": "network", "path": "/proc/self/ns/../../nonexistent/ns/net"}]))
edit("mount-unknown-type", "a mount of filesystem type 'nosuchfs'", mount({"destination": "/mnt", "type": "nosuchfs", "source": "none"}))
edit("mount-relative-dest", "a mount destination with ..", mount({"destination": "../../../../etc", "type": "tmpfs", "source": "tmpfs", "options": ["mode=bogus"]}))
edit("mount-bind-missing", "a bind of a source outside the bundle that does not exist", mount({"destination": "/mnt", "type": "bind", "source": "../../../../nonexistent", "options": ["rbind"]}))
edit("mount-propagation", "rootfsPropagation 'bogus'", setp("linux.rootfsPropagation", "bogus"))
edit("seccomp-action", "seccomp defaultAction 'SCMP_ACT_BOGUS'", setp("linux.seccomp", {"defaultAction": "SCMP_ACT_BOGUS"}))
edit("seccomp-arch", "seccomp architecture 'SCMP_ARCH_BOGUS'", setp("linux.seccomp", {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_BOGUS"]}))
edit("seccomp-operator", "seccomp argument operator 'SCMP_CMP_BOGUS'", setp("linux.seccomp", {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BOGUS"}]}]}))
edit("seccomp-arg-index", "seccomp argument index 9", setp("linux.seccomp", {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]}]}))
edit("sysctl-dotdot", "a sysctl key that climbs out of /proc/sys", setp("linux.sysctl", {"../../../etc/hostile": "1"}))
edit("rlimit-unknown", "rlimit type 'RLIMIT_BOGUS'", setp("process.rlimits", [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]))
edit("device-type", "a device of type 'x'", setp("linux.devices", [{"path": "/dev/x", "type": "x", "major": 1, "minor": 3}]))
edit("hook-relative", "a prestart hook with a relative path", setp("hooks", {"prestart": [{"path": "../../bin/true"}]}))
edit("hook-timeout", "a hook with timeout 0", setp("hooks", {"createRuntime": [{"path": "/bin/true", "timeout": 0}]}))

# paths with ..
edit("root-dotdot", "root.path escaping the bundle to a missing directory", setp("root.path", "../../../../../nonexistent/rootfs"))

# bad annotations
edit("anno-layers-empty", "org.ociunion.rootfs.layers with an empty layer", anno(org_ociunion_rootfs_layers="/a::/b"))
edit("anno-layers-missing", "layers that do not exist, with ..", lambda c: (anno(org_ociunion_rootfs_layers="../../nonexistent-a:/nonexistent/../b")(c), setp("root.path", "merged")(c)))
edit("anno-volumes-relative", "org.ociunion.volumes with a relative path", anno(org_ociunion_volumes="data/../.."))
edit("anno-volumes-from", "org.ociunion.volumes-from malformed", anno(org_ociunion_volumes_from=",,:ro:rw"))
edit("anno-volumes-from-missing", "volumes-from a container that does not exist", anno(org_ociunion_volumes_from="no-such-container"))
edit("anno-value-type", "an annotation value that is an object", setp("annotations", {"org.ociunion.rootfs.layers": {"a": 1}}))
edit("volume-name-dotdot", "a volume mount named '../../etc'", mount({"destination": "/data", "type": "volume", "source": "../../etc"}))
edit("volume-dest-relative", "a volume mount with a relative destination", mount({"destination": "data/..", "type": "volume", "source": "v1"}))
edit("volume-name-huge", "a volume name of 4096 bytes", mount({"destination": "/data", "type": "volume", "source": "v" * 4096}))

for old in os.listdir(HERE):
    if old.endswith(".json"):
        os.unlink(os.path.join(HERE, old))
for i, (name, what, data) in enumerate(files):
    with open(os.path.join(HERE, "%02d-%s.json" % (i + 1, name)), "wb") as f:
        f.write(data)
with open(os.path.join(HERE, "README"), "w") as f:
    f.write("Hostile config.json files for tests/integration/test_hostile.c, written by\n"
            "generate.py from the harness's default config.  Each must be refused by\n"
            "`ociunion run` and `create`: exit status 1, one line on stderr, nothing left.\n\n")
    for i, (name, what, data) in enumerate(files):
        f.write("%02d-%s.json: %s\n" % (i + 1, name, what))
print(len(files), "files")
