"""Checks of config.md: root, mounts, process, hostname, hooks, annotations."""

import json
import os
import re
import subprocess
import time

from lib import (Fail, Skip, check, claims_idmap, claims_option, expect, parse_mountinfo_line,
                 schema_errors)

D = "config.md/"

CAP_NAMES = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
]


def cap_mask(names):
    m = 0
    for n in names:
        m |= 1 << CAP_NAMES.index(n)
    return m


def status_fields(out):
    res = {}
    for line in out.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            res[k.strip()] = v.strip()
    return res


# ---------------------------------------------------------------- root

@check(D + "root/path-must-exist", "a root.path that does not exist is an error")
def _(ctx):
    ctx.config["root"]["path"] = "missing"
    r = ctx.create()
    expect(r.rc != 0, "create with a missing root.path succeeded")


@check(D + "root/readonly", "root.readonly true makes the root filesystem read-only")
def _(ctx):
    ctx.config["root"]["readonly"] = True
    ctx.script("touch /probe 2>/dev/null && echo writable || echo readonly")
    out = ctx.must_run()
    expect("readonly" in out, "writing to / inside the container: %r" % out)


@check(D + "root/readwrite", "root.readonly false leaves the root filesystem writable")
def _(ctx):
    ctx.script("touch /probe 2>/dev/null && echo writable || echo readonly")
    out = ctx.must_run()
    expect("writable" in out, "writing to / inside the container: %r" % out)


@check(D + "root/path-relative", "a relative root.path is relative to the bundle")
def _(ctx):
    os.rename(ctx.rootfs, os.path.join(ctx.bundle, "other-rootfs"))
    ctx.rootfs = os.path.join(ctx.bundle, "other-rootfs")
    ctx.config["root"]["path"] = "other-rootfs"
    with open(os.path.join(ctx.rootfs, "marker"), "w") as f:
        f.write("in-bundle-rootfs\n")
    ctx.script("cat /marker")
    expect("in-bundle-rootfs" in ctx.must_run(), "the container does not see the rootfs")


# ---------------------------------------------------------------- mounts

def container_mounts(ctx, mounts, pre="", timeout=20):
    """Run the container with MOUNTS appended; return its parsed mountinfo."""
    ctx.config["mounts"] += mounts
    ctx.script(pre + "cat /proc/self/mountinfo")
    r, out, err = ctx.run(timeout)
    expect(r.rc == 0, "create failed: " + r.describe())
    res = []
    for line in out.splitlines():
        try:
            res.append(parse_mountinfo_line(line))
        except (ValueError, IndexError):
            pass
    expect(res, "no mountinfo in the container's output: %r %r" % (out[-300:], err[-300:]))
    return res


def find_mount(mi, dest):
    ms = [m for m in mi if m["mnt"] == dest]
    expect(ms, "no mount at %s in the container" % dest)
    return ms[-1]


@check(D + "mounts/order", "mounts are mounted in the listed order")
def _(ctx):
    mi = container_mounts(ctx, [
        {"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
        {"destination": "/mnt/inner", "type": "tmpfs", "source": "tmpfs", "options": ["size=2m"]},
    ])
    outer = find_mount(mi, "/mnt")
    inner = find_mount(mi, "/mnt/inner")
    expect(inner["parent"] == outer["id"],
           "/mnt/inner is not mounted on top of /mnt (parent %s, /mnt is %s)" % (
               inner["parent"], outer["id"]))


@check(D + "mounts/order-shadow", "a later mount on the same destination hides the earlier one")
def _(ctx):
    mi = container_mounts(ctx, [
        {"destination": "/mnt", "type": "tmpfs", "source": "first", "options": ["size=1m"]},
        {"destination": "/mnt", "type": "tmpfs", "source": "second", "options": ["size=2m"]},
    ])
    expect(find_mount(mi, "/mnt")["src"] == "second", "the top mount at /mnt is not the second")


@check(D + "mounts/destination-relative",
       "a relative mount destination is interpreted as relative to '/'")
def _(ctx):
    mi = container_mounts(ctx, [
        {"destination": "mnt", "type": "tmpfs", "source": "reltmp", "options": ["size=1m"]}])
    find_mount(mi, "/mnt")


@check(D + "mounts/fs-specific-options",
       "options mount(8) does not know are passed as filesystem data (tmpfs mode, size)")
def _(ctx):
    mi = container_mounts(ctx, [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
                                 "options": ["mode=0710", "size=1m"]}])
    m = find_mount(mi, "/mnt")
    expect("mode=710" in m["sopts"] and "size=1024k" in m["sopts"],
           "tmpfs options are %s" % m["sopts"])


# Option -> (mount options, predicate on the container's mountinfo entry).
def _has(flag):
    return lambda m: flag in m["opts"] or flag in m["sopts"]


def _lacks(flag):
    return lambda m: flag not in m["opts"] and flag not in m["sopts"]


def _strict(m):
    return "noatime" not in m["opts"] and "relatime" not in m["opts"]


TMPFS_OPTIONS = [
    ("ro", ["ro"], _has("ro"), "MUST"),
    ("rw", ["ro", "rw"], _has("rw"), "MUST"),
    ("nosuid", ["nosuid"], _has("nosuid"), "MUST"),
    ("suid", ["nosuid", "suid"], _lacks("nosuid"), "MUST"),
    ("nodev", ["nodev"], _has("nodev"), "MUST"),
    ("dev", ["nodev", "dev"], _lacks("nodev"), "MUST"),
    ("noexec", ["noexec"], _has("noexec"), "MUST"),
    ("exec", ["noexec", "exec"], _lacks("noexec"), "MUST"),
    ("noatime", ["noatime"], _has("noatime"), "MUST"),
    ("atime", ["noatime", "atime"], _lacks("noatime"), "MUST"),
    ("relatime", ["relatime"], _has("relatime"), "MUST"),
    ("strictatime", ["strictatime"], _strict, "MUST"),
    ("norelatime", ["norelatime"], None, "MUST"),
    ("nostrictatime", ["strictatime", "nostrictatime"], None, "MUST"),
    ("nodiratime", ["nodiratime"], _has("nodiratime"), "MUST"),
    ("diratime", ["nodiratime", "diratime"], _lacks("nodiratime"), "MUST"),
    ("sync", ["sync"], _has("sync"), "MUST"),
    ("async", ["sync", "async"], _lacks("sync"), "MUST"),
    ("dirsync", ["dirsync"], _has("dirsync"), "MUST"),
    ("lazytime", ["lazytime"], _has("lazytime"), "MUST"),
    ("nolazytime", ["lazytime", "nolazytime"], _lacks("lazytime"), "MUST"),
    ("iversion", ["iversion"], None, "MUST"),
    ("noiversion", ["noiversion"], None, "MUST"),
    ("defaults", ["defaults"], _has("rw"), "MUST"),
    ("loud", ["loud"], None, "MUST"),
    ("silent", ["silent"], None, "MUST"),
    ("nosymfollow", ["nosymfollow"], _has("nosymfollow"), "SHOULD"),
    ("symfollow", ["nosymfollow", "symfollow"], _lacks("nosymfollow"), "SHOULD"),
]


def _tmpfs_option(opts, pred, name):
    def fn(ctx):
        mi = container_mounts(ctx, [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
                                     "options": opts + ["size=1m"]}])
        m = find_mount(mi, "/mnt")
        if pred is not None:
            expect(pred(m), "options %s gave mount flags %s (fs options %s)" % (
                opts, ",".join(m["opts"]), ",".join(m["sopts"])))
    return fn


for _n, _o, _p, _l in TMPFS_OPTIONS:
    check(D + "mounts/option-" + _n,
          "mount option '%s' is implemented%s" % (_n, "" if _p else " (accepted)"), _l,
          claim=claims_option(_n) if _l == "SHOULD" else None)(_tmpfs_option(_o, _p, _n))


@check(D + "mounts/option-remount", "mount option 'remount' changes an existing mount")
def _(ctx):
    mi = container_mounts(ctx, [
        {"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
        {"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
         "options": ["remount", "ro", "size=1m"]}])
    ms = [m for m in mi if m["mnt"] == "/mnt"]
    expect(len(ms) == 1 and "ro" in ms[0]["opts"],
           "after remount,ro the mounts at /mnt are %s" % [m["opts"] for m in ms])


def _host_source(ctx, shared=False, submount_opts=None):
    """A host directory with a file, optionally a shared mount and with a
    tmpfs submount 'sub' (mounted with SUBMOUNT_OPTS)."""
    src = ctx.path("src")
    os.makedirs(os.path.join(src, "sub"))
    with open(os.path.join(src, "file"), "w") as f:
        f.write("host-file\n")
    if shared:
        _mount(["--bind", src, src])
        _mount(["--make-shared", src])
    if submount_opts is not None:
        _mount(["-t", "tmpfs", "-o", ",".join(["size=1m"] + submount_opts), "subtmp",
                os.path.join(src, "sub")])
        if shared:
            _mount(["--make-shared", os.path.join(src, "sub")])
    return src


def _mount(args):
    r = subprocess.run(["mount"] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=10)
    if r.returncode != 0:
        raise Skip("host: mount %s failed: %s" % (" ".join(args), r.stdout.decode().strip()))


@check(D + "mounts/option-bind", "mount option 'bind' bind-mounts the source")
def _(ctx):
    src = _host_source(ctx)
    mi = container_mounts(ctx, [{"destination": "/mnt", "type": "bind", "source": src,
                                 "options": ["bind"]}], pre="cat /mnt/file; ")
    find_mount(mi, "/mnt")


@check(D + "mounts/option-bind-not-recursive", "'bind' alone does not bring submounts")
def _(ctx):
    src = _host_source(ctx, submount_opts=[])
    mi = container_mounts(ctx, [{"destination": "/mnt", "type": "bind", "source": src,
                                 "options": ["bind"]}])
    find_mount(mi, "/mnt")
    expect(not [m for m in mi if m["mnt"] == "/mnt/sub"], "the submount came along with 'bind'")


@check(D + "mounts/option-rbind", "mount option 'rbind' bind-mounts the source recursively")
def _(ctx):
    src = _host_source(ctx, submount_opts=[])
    mi = container_mounts(ctx, [{"destination": "/mnt", "type": "bind", "source": src,
                                 "options": ["rbind"]}])
    find_mount(mi, "/mnt")
    find_mount(mi, "/mnt/sub")


def _prop_ok(m, want):
    tags = [t.split(":")[0] for t in m["optional"]]
    if want == "unbindable":
        return "unbindable" in tags
    if want == "shared":
        return "shared" in tags
    if want == "slave":
        return "master" in tags and "shared" not in tags
    return not tags


PROPAGATION = [("private", "private"), ("shared", "shared"), ("slave", "slave"),
               ("unbindable", "unbindable"), ("rprivate", "private"), ("rshared", "shared"),
               ("rslave", "slave"), ("runbindable", "unbindable")]


def _propagation(opt, want):
    def fn(ctx):
        src = _host_source(ctx, shared=True, submount_opts=[])
        mi = container_mounts(ctx, [{"destination": "/mnt", "type": "bind", "source": src,
                                     "options": ["rbind", opt]}])
        for dest in ("/mnt", "/mnt/sub") if opt.startswith("r") else ("/mnt",):
            m = find_mount(mi, dest)
            expect(_prop_ok(m, want), "'%s': %s has propagation fields %s, expected %s" % (
                opt, dest, m["optional"] or "(none)", want))
    return fn


for _o, _w in PROPAGATION:
    check(D + "mounts/option-" + _o, "propagation option '%s' makes the mount %s%s" % (
        _o, _w, " recursively" if _o.startswith("r") else ""))(_propagation(_o, _w))


RECURSIVE = [
    ("rro", [], _has("ro")), ("rrw", ["ro"], _has("rw")),
    ("rnosuid", [], _has("nosuid")), ("rsuid", ["nosuid"], _lacks("nosuid")),
    ("rnodev", [], _has("nodev")), ("rdev", ["nodev"], _lacks("nodev")),
    ("rnoexec", [], _has("noexec")), ("rexec", ["noexec"], _lacks("noexec")),
    ("rnoatime", [], _has("noatime")), ("ratime", ["noatime"], _lacks("noatime")),
    ("rnodiratime", [], _has("nodiratime")), ("rdiratime", ["nodiratime"], _lacks("nodiratime")),
    ("rrelatime", ["strictatime"], _has("relatime")), ("rstrictatime", ["noatime"], _strict),
    ("rnorelatime", [], None), ("rnostrictatime", [], None),
    ("rnosymfollow", [], _has("nosymfollow")),
    ("rsymfollow", ["nosymfollow"], _lacks("nosymfollow")),
]


def _recursive(opt, subopts, pred):
    def fn(ctx):
        src = _host_source(ctx, submount_opts=subopts)
        mi = container_mounts(ctx, [{"destination": "/mnt", "type": "bind", "source": src,
                                     "options": ["rbind", opt]}])
        if pred is None:
            return
        for dest in ("/mnt", "/mnt/sub"):
            m = find_mount(mi, dest)
            expect(pred(m), "'%s': %s has flags %s" % (opt, dest, ",".join(m["opts"])))
    return fn


for _o, _s, _p in RECURSIVE:
    check(D + "mounts/option-" + _o, "recursive option '%s' applies to the mount and its "
          "submounts%s" % (_o, "" if _p else " (accepted)"), "SHOULD",
          claim=claims_option(_o))(_recursive(_o, _s, _p))


def _idmap(opt):
    def fn(ctx):
        src = _host_source(ctx, submount_opts=None)
        os.chown(os.path.join(src, "file"), 0, 0)
        mi = container_mounts(ctx, [{
            "destination": "/mnt", "type": "bind", "source": src, "options": ["rbind", opt],
            "uidMappings": [{"containerID": 0, "hostID": 2000, "size": 10}],
            "gidMappings": [{"containerID": 0, "hostID": 3000, "size": 10}]}],
            pre="stat -c 'owner=%u:%g' /mnt/file; ")
        expect("idmapped" in find_mount(mi, "/mnt")["opts"], "/mnt is not an idmapped mount")
    return fn


check(D + "mounts/option-idmap", "'idmap' with uid/gidMappings makes an idmapped mount",
      "SHOULD", claim=claims_idmap())(_idmap("idmap"))
check(D + "mounts/option-ridmap", "'ridmap' with uid/gidMappings makes an idmapped mount",
      "SHOULD", claim=claims_idmap())(_idmap("ridmap"))


@check(D + "mounts/idmap-ownership", "files of an idmapped mount show the mapped owners",
       "SHOULD", claim=claims_idmap())
def _(ctx):
    src = _host_source(ctx)
    os.chown(os.path.join(src, "file"), 0, 0)
    ctx.config["mounts"].append({
        "destination": "/mnt", "type": "bind", "source": src, "options": ["rbind", "idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 2000, "size": 10}],
        "gidMappings": [{"containerID": 0, "hostID": 3000, "size": 10}]})
    ctx.script("stat -c 'owner=%u:%g' /mnt/file")
    out = ctx.must_run()
    expect("owner=2000:3000" in out, "a file owned 0:0 shows as %r through the idmapped "
           "mount, expected owner=2000:3000" % out.strip())


@check(D + "mounts/idmap-uid-without-gid", "uidMappings without gidMappings is an error")
def _(ctx):
    src = _host_source(ctx)
    ctx.config["mounts"].append({
        "destination": "/mnt", "type": "bind", "source": src, "options": ["rbind", "idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 2000, "size": 10}]})
    r = ctx.create()
    expect(r.rc != 0, "create with uidMappings but no gidMappings succeeded")


# ---------------------------------------------------------------- process

@check(D + "process/args", "args run with execvp semantics (PATH lookup of args[0])")
def _(ctx):
    ctx.config["process"]["args"] = ["echo", "arg-one", "arg two"]
    out = ctx.must_run()
    expect(out.strip() == "arg-one arg two", "output %r" % out)


@check(D + "process/cwd", "the process runs in cwd")
def _(ctx):
    ctx.config["process"]["cwd"] = "/tmp"
    ctx.script("pwd")
    out = ctx.must_run()
    expect(out.strip() == "/tmp", "pwd printed %r" % out)


@check(D + "process/cwd-absolute", "a relative cwd is an error (cwd MUST be absolute)")
def _(ctx):
    ctx.config["process"]["cwd"] = "tmp"
    r = ctx.create()
    expect(r.rc != 0, "create with cwd 'tmp' succeeded")


@check(D + "process/env", "env is the process environment")
def _(ctx):
    ctx.config["process"]["env"] += ["CONF_A=value a", "CONF_B="]
    ctx.script("env")
    out = ctx.must_run().splitlines()
    expect("CONF_A=value a" in out and "CONF_B=" in out, "environment %r" % out)


@check(D + "process/consoleSize-ignored",
       "consoleSize is ignored when terminal is false")
def _(ctx):
    ctx.config["process"]["consoleSize"] = {"height": 10, "width": 40}
    ctx.script("echo ran")
    expect("ran" in ctx.must_run(), "the container did not run")


@check(D + "process/terminal-false", "terminal false: the process gets the caller's stdio")
def _(ctx):
    ctx.script("[ -t 1 ] && echo tty || echo notty")
    expect("notty" in ctx.must_run(), "stdout is a terminal")


@check(D + "process/rlimits", "each rlimit's soft and hard values are set")
def _(ctx):
    ctx.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
        {"type": "RLIMIT_CORE", "soft": 4096, "hard": 8192},
        {"type": "RLIMIT_MSGQUEUE", "soft": 1000, "hard": 2000}]
    ctx.script("cat /proc/self/limits")
    out = ctx.must_run()
    for name, soft, hard in (("Max open files", 123, 456), ("Max core file size", 4096, 8192),
                             ("Max msgqueue size", 1000, 2000)):
        m = re.search(re.escape(name) + r"\s+(\S+)\s+(\S+)", out)
        expect(m and m.group(1) == str(soft) and m.group(2) == str(hard),
               "%s is %s, expected %s/%s" % (name, m.groups() if m else None, soft, hard))


@check(D + "process/rlimits-invalid-type", "an rlimit type without a kernel limit is an error")
def _(ctx):
    ctx.config["process"]["rlimits"] = [{"type": "RLIMIT_NOSUCH", "soft": 1, "hard": 1}]
    r = ctx.create()
    expect(r.rc != 0, "create with RLIMIT_NOSUCH succeeded")


@check(D + "process/rlimits-duplicate", "duplicated rlimit types are an error")
def _(ctx):
    ctx.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 100},
                                        {"type": "RLIMIT_NOFILE", "soft": 200, "hard": 200}]
    r = ctx.create()
    expect(r.rc != 0, "create with two RLIMIT_NOFILE entries succeeded")


CAPS_SET = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_PTRACE"]


def _cap_status(ctx, caps, user=None):
    ctx.config["process"]["capabilities"] = caps
    if user:
        ctx.config["process"]["user"] = user
    ctx.script("grep ^Cap /proc/self/status")
    st = status_fields(ctx.must_run())
    return {k: int(st.get(k, "-1"), 16) for k in ("CapBnd", "CapEff", "CapPrm", "CapInh",
                                                     "CapAmb")}


def _expect_caps(got, key, names):
    want = cap_mask(names)
    expect(got[key] == want, "%s is %x, expected %x (%s)" % (key, got[key], want, names))


@check(D + "process/capabilities-bounding", "capabilities.bounding is the bounding set")
def _(ctx):
    got = _cap_status(ctx, {"bounding": CAPS_SET, "effective": CAPS_SET,
                            "permitted": CAPS_SET})
    _expect_caps(got, "CapBnd", CAPS_SET)


@check(D + "process/capabilities-effective-permitted-root",
       "uid 0: effective and permitted are what the config keeps (within bounding)")
def _(ctx):
    got = _cap_status(ctx, {"bounding": CAPS_SET, "effective": CAPS_SET,
                            "permitted": CAPS_SET})
    _expect_caps(got, "CapEff", CAPS_SET)
    _expect_caps(got, "CapPrm", CAPS_SET)


@check(D + "process/capabilities-effective-permitted-user",
       "uid 1000: kept permitted/effective capabilities survive the user switch (via ambient)")
def _(ctx):
    caps = ["CAP_NET_RAW", "CAP_KILL"]
    got = _cap_status(ctx, {"bounding": CAPS_SET, "effective": caps, "permitted": caps,
                            "inheritable": caps, "ambient": caps},
                      user={"uid": 1000, "gid": 1000})
    _expect_caps(got, "CapEff", caps)
    _expect_caps(got, "CapPrm", caps)


@check(D + "process/capabilities-inheritable", "capabilities.inheritable is the inheritable set")
def _(ctx):
    got = _cap_status(ctx, {"bounding": CAPS_SET, "effective": CAPS_SET,
                            "permitted": CAPS_SET, "inheritable": ["CAP_KILL", "CAP_NET_RAW"]})
    _expect_caps(got, "CapInh", ["CAP_KILL", "CAP_NET_RAW"])


@check(D + "process/capabilities-ambient", "capabilities.ambient is the ambient set")
def _(ctx):
    got = _cap_status(ctx, {"bounding": CAPS_SET, "effective": CAPS_SET,
                            "permitted": CAPS_SET, "inheritable": ["CAP_KILL", "CAP_NET_RAW"],
                            "ambient": ["CAP_NET_RAW"]}, user={"uid": 1000, "gid": 1000})
    _expect_caps(got, "CapAmb", ["CAP_NET_RAW"])


@check(D + "process/capabilities-unknown",
       "an unknown capability is a warning, not a failure", "SHOULD")
def _(ctx):
    ctx.config["process"]["capabilities"]["bounding"].append("CAP_NO_SUCH_THING")
    ctx.config["process"]["capabilities"]["effective"].append("CAP_NO_SUCH_THING")
    ctx.script("echo ran")
    r, out, err = ctx.run()
    expect(r.rc == 0 and "ran" in out, "the container did not run: " + r.describe())


@check(D + "process/noNewPrivileges-true", "noNewPrivileges true sets no_new_privs")
def _(ctx):
    ctx.script("grep NoNewPrivs /proc/self/status")
    out = ctx.must_run()
    expect(re.search(r"NoNewPrivs:\s+1", out), "status: %r" % out)


@check(D + "process/noNewPrivileges-false", "noNewPrivileges false leaves no_new_privs clear")
def _(ctx):
    ctx.config["process"]["noNewPrivileges"] = False
    ctx.script("grep NoNewPrivs /proc/self/status")
    out = ctx.must_run()
    expect(re.search(r"NoNewPrivs:\s+0", out), "status: %r" % out)


@check(D + "process/oomScoreAdj-set", "oomScoreAdj is written to oom_score_adj")
def _(ctx):
    ctx.config["process"]["oomScoreAdj"] = 345
    ctx.script("cat /proc/self/oom_score_adj")
    out = ctx.must_run()
    expect(out.strip() == "345", "oom_score_adj is %r" % out)


@check(D + "process/oomScoreAdj-unset", "without oomScoreAdj the runtime's value is kept")
def _(ctx):
    ctx.script("cat /proc/self/oom_score_adj")
    old = open("/proc/self/oom_score_adj").read().strip()
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("77")
    try:
        out = ctx.must_run()
    finally:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(old)
    expect(out.strip() == "77", "oom_score_adj is %r, the runtime ran with 77" % out)


@check(D + "process/user-uid-gid", "user.uid and user.gid are the process's ids")
def _(ctx):
    ctx.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    ctx.script("grep -E '^(Uid|Gid|Groups):' /proc/self/status")
    st = status_fields(ctx.must_run())
    expect(st.get("Uid", "").split() == ["1000"] * 4, "Uid: %r" % st.get("Uid"))
    expect(st.get("Gid", "").split() == ["1000"] * 4, "Gid: %r" % st.get("Gid"))
    expect(st.get("Groups", "x").split() in ([], ["1000"]),
           "supplementary groups %r, the config has none" % st.get("Groups"))


@check(D + "process/user-additionalGids", "additionalGids are the supplementary groups")
def _(ctx):
    ctx.config["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [2000, 3000]}
    ctx.script("grep -E '^Groups:' /proc/self/status")
    st = status_fields(ctx.must_run())
    g = set(st.get("Groups", "").split())
    expect({"2000", "3000"} <= g, "Groups: %r" % st.get("Groups"))


@check(D + "process/user-umask", "user.umask is the process umask")
def _(ctx):
    ctx.config["process"]["user"]["umask"] = 0o027
    ctx.script("umask")
    out = ctx.must_run()
    expect(out.strip().lstrip("0") == "27", "umask %r, expected 0027" % out)


@check(D + "process/apparmorProfile", "apparmorProfile is applied")
def _(ctx):
    if not os.path.exists("/sys/kernel/security/apparmor"):
        raise Skip("host: AppArmor is not enabled in this kernel")


@check(D + "process/selinuxLabel", "selinuxLabel is applied")
def _(ctx):
    if not os.path.exists("/sys/fs/selinux/enforce"):
        raise Skip("host: SELinux is not enabled in this kernel")


@check(D + "process/ioPriority", "ioPriority sets the I/O class and priority (process is applied as specified)")
def _(ctx):
    ctx.config["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    ctx.script("ionice -p $$")
    out = ctx.must_run()
    expect("best-effort" in out and "6" in out, "ionice printed %r" % out)


@check(D + "process/scheduler", "scheduler sets the policy and nice value (process is applied as specified)")
def _(ctx):
    ctx.config["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 7}
    ctx.script("cat /proc/self/stat")
    out = ctx.must_run().split(")")[-1].split()
    expect(len(out) > 39, "bad stat %r" % out)
    nice, policy = out[16], out[38]
    expect(policy == "3" and nice == "7", "policy %s nice %s, expected 3 (BATCH) and 7" % (
        policy, nice))


# ---------------------------------------------------------------- hostname

@check(D + "hostname", "hostname is the container's hostname")
def _(ctx):
    ctx.config["hostname"] = "conf-host-name"
    ctx.script("hostname")
    out = ctx.must_run()
    expect(out.strip() == "conf-host-name", "hostname %r" % out)


@check(D + "domainname", "domainname is the container's NIS domain name")
def _(ctx):
    ctx.config["domainname"] = "conf.example"
    ctx.script("cat /proc/sys/kernel/domainname")
    out = ctx.must_run()
    expect(out.strip() == "conf.example", "domainname %r" % out)


# ---------------------------------------------------------------- hooks

HOST_PHASES = ("prestart", "createRuntime", "createContainer", "poststart", "poststop")


def _recorder(ctx):
    """Hooks for all six phases that log their phase, argv, environment,
    stdin and mount namespace.  Host-side hooks write to ctx.path('hooklog');
    the startContainer hook (resolved in the container) writes to
    /hooklog in the rootfs."""
    log = ctx.path("hooklog")
    os.makedirs(log)
    body = ('p=$1; d=%s\n'
            'echo "$p" >> "$d/order"\n'
            'cat > "$d/$p.state"\n'
            'readlink /proc/self/ns/mnt > "$d/$p.mnt"\n'
            'echo "$@" > "$d/$p.args"; echo "$HOOKVAR" > "$d/$p.env"\n')
    host = os.path.join(ctx.tmp, "record.sh")
    with open(host, "w") as f:
        f.write("#!/bin/sh\n" + body % log)
    os.chmod(host, 0o755)
    os.makedirs(os.path.join(ctx.rootfs, "hooklog"))
    os.makedirs(os.path.join(ctx.rootfs, "hooks"))
    inner = os.path.join(ctx.rootfs, "hooks", "record-in-container.sh")
    with open(inner, "w") as f:
        f.write("#!/bin/sh\n" + body % "/hooklog")
    os.chmod(inner, 0o755)
    hooks = {}
    for ph in HOST_PHASES:
        hooks[ph] = [{"path": host, "args": ["record.sh", ph, "extra-arg"],
                      "env": ["HOOKVAR=env-" + ph]}]
    hooks["startContainer"] = [{"path": "/hooks/record-in-container.sh",
                                "args": ["record-in-container.sh", "startContainer", "extra-arg"],
                                "env": ["HOOKVAR=env-startContainer"]}]
    ctx.config["hooks"] = hooks
    return log, os.path.join(ctx.rootfs, "hooklog")


def _hooklog(d, phase, what):
    p = os.path.join(d, phase + "." + what)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return f.read()


def _order(d):
    p = os.path.join(d, "order")
    if not os.path.exists(p):
        return []
    return open(p).read().split()


def _hooks_lifecycle(ctx, user_script="sleep 600"):
    """Create, start, kill, delete a container with the recorder hooks;
    returns a dict of observations after each operation."""
    log, inner = _recorder(ctx)
    ctx.script(user_script)
    obs = {"log": log, "inner": inner}
    cid = ctx.must_create()
    obs["cid"] = cid
    obs["pid"] = ctx.must_state(cid)["pid"]
    obs["cmnt"] = os.readlink("/proc/%d/ns/mnt" % obs["pid"])
    obs["after_create"] = _order(log) + _order(inner)
    ctx.must_start(cid)
    obs["after_start"] = _order(log) + _order(inner)
    ctx.kill(cid, "KILL")
    ctx.wait_status(cid, "stopped")
    obs["before_delete"] = _order(log) + _order(inner)
    r = ctx.delete(cid)
    expect(r.rc == 0, "delete failed: " + r.describe())
    obs["after_delete"] = _order(log) + _order(inner)
    return obs


@check(D + "hooks/order-create",
       "prestart, createRuntime, createContainer run in that order during create")
def _(ctx):
    o = _hooks_lifecycle(ctx)
    expect(o["after_create"] == ["prestart", "createRuntime", "createContainer"],
           "hooks run by create: %s" % o["after_create"])


@check(D + "hooks/order-start",
       "startContainer then poststart run during start, poststart before start returns")
def _(ctx):
    o = _hooks_lifecycle(ctx)
    new = o["after_start"][len(o["after_create"]):]
    expect(sorted(new) == ["poststart", "startContainer"],
           "hooks run by start: %s" % new)


@check(D + "hooks/poststop-in-delete", "poststop runs during delete, before delete returns")
def _(ctx):
    o = _hooks_lifecycle(ctx)
    expect("poststop" not in o["before_delete"], "poststop ran before delete")
    expect("poststop" in o["after_delete"], "poststop did not run during delete: %s" % (
        o["after_delete"]))


@check(D + "hooks/listed-order", "hooks of one phase run in the listed order")
def _(ctx):
    log = ctx.path("order")
    hooks = []
    for i in range(4):
        p = ctx.path("h%d.sh" % i)
        with open(p, "w") as f:
            f.write("#!/bin/sh\necho %d >> %s\n" % (i, log))
        os.chmod(p, 0o755)
        hooks.append({"path": p})
    ctx.config["hooks"] = {"createRuntime": hooks}
    ctx.must_create()
    got = open(log).read().split() if os.path.exists(log) else []
    expect(got == ["0", "1", "2", "3"], "createRuntime hooks ran as %s" % got)


def _hook_state(phase):
    def fn(ctx):
        o = _hooks_lifecycle(ctx)
        d = o["inner"] if phase == "startContainer" else o["log"]
        txt = _hooklog(d, phase, "state")
        expect(txt is not None, "%s hook did not run" % phase)
        try:
            st = json.loads(txt)
        except ValueError:
            raise Fail("%s hook stdin is not JSON: %r" % (phase, txt[:200]))
        errs = schema_errors("state-schema.json", st)
        expect(not errs, "%s hook state: %s" % (phase, "; ".join(errs)))
        expect(st.get("id") == o["cid"], "%s hook state id %r" % (phase, st.get("id")))
        if phase != "poststop":
            expect(st.get("pid") == o["pid"], "%s hook state pid %r, container pid %r" % (
                phase, st.get("pid"), o["pid"]))
    return fn


for _ph in HOST_PHASES + ("startContainer",):
    check(D + "hooks/%s-state-stdin" % _ph,
          "%s hooks get the container state on stdin" % _ph)(_hook_state(_ph))


def _hook_ns(phase, where):
    def fn(ctx):
        o = _hooks_lifecycle(ctx)
        d = o["inner"] if phase == "startContainer" else o["log"]
        mnt = _hooklog(d, phase, "mnt")
        expect(mnt is not None, "%s hook did not run" % phase)
        want = os.readlink("/proc/self/ns/mnt") if where == "runtime" else o["cmnt"]
        expect(mnt.strip() == want, "%s hook ran in mount namespace %s, the %s one is %s" % (
            phase, mnt.strip(), where, want))
    return fn


for _ph, _w in (("prestart", "runtime"), ("createRuntime", "runtime"),
                ("createContainer", "container"), ("startContainer", "container"),
                ("poststart", "runtime"), ("poststop", "runtime")):
    check(D + "hooks/%s-namespace" % _ph, "%s hooks run in the %s namespace" % (_ph, _w))(
        _hook_ns(_ph, _w))


@check(D + "hooks/createContainer-path-runtime-ns",
       "createContainer hook paths resolve in the runtime namespace")
def _(ctx):
    o = _hooks_lifecycle(ctx)
    expect(_hooklog(o["log"], "createContainer", "state") is not None,
           "the createContainer hook at a host-only path did not run")


@check(D + "hooks/startContainer-path-container-ns",
       "startContainer hook paths resolve in the container namespace")
def _(ctx):
    o = _hooks_lifecycle(ctx)
    expect(_hooklog(o["inner"], "startContainer", "state") is not None,
           "the startContainer hook at a container-only path did not run")


@check(D + "hooks/startContainer-before-process",
       "startContainer hooks run before the user process")
def _(ctx):
    o = _hooks_lifecycle(ctx, "[ -e /hooklog/startContainer.state ] && echo seen "
                              "|| echo unseen; sleep 600")
    out = ctx.output(o["cid"])
    expect("seen" in out.split(), "the user process started before the hook: %r" % out)


@check(D + "hooks/poststart-after-process",
       "poststart hooks run after the user process is executed")
def _(ctx):
    log = ctx.path("cmdline")
    p = ctx.path("poststart.sh")
    with open(p, "w") as f:
        f.write("#!/bin/sh\npid=$(sed 's/.*\"pid\": *\\([0-9]*\\).*/\\1/')\n"
                "tr '\\0' ' ' < /proc/$pid/cmdline > %s\n" % log)
    os.chmod(p, 0o755)
    ctx.config["hooks"] = {"poststart": [{"path": p}]}
    ctx.config["process"]["args"] = ["sleep", "601"]
    cid = ctx.must_create()
    ctx.must_start(cid)
    got = open(log).read() if os.path.exists(log) else None
    expect(got is not None and got.strip() == "sleep 601",
           "at poststart the container process runs %r" % got)


@check(D + "hooks/args-env", "hooks get their args (args[0] is argv[0]) and env")
def _(ctx):
    o = _hooks_lifecycle(ctx)
    args = _hooklog(o["log"], "prestart", "args")
    env = _hooklog(o["log"], "prestart", "env")
    expect(args is not None and args.strip() == "prestart extra-arg", "hook args %r" % args)
    expect(env is not None and env.strip() == "env-prestart", "hook env %r" % env)


@check(D + "hooks/timeout", "a hook running past its timeout fails the operation")
def _(ctx):
    p = ctx.path("slow.sh")
    with open(p, "w") as f:
        f.write("#!/bin/sh\nsleep 30\n")
    os.chmod(p, 0o755)
    ctx.config["hooks"] = {"createRuntime": [{"path": p, "timeout": 1}]}
    t0 = time.time()
    r = ctx.create()
    took = time.time() - t0
    expect(r.rc != 0, "create succeeded although the hook timed out")
    expect(took < 15, "create took %.1fs with a 1s hook timeout" % took)


@check(D + "hooks/timeout-zero", "a hook timeout of 0 is an invalid value and an error")
def _(ctx):
    ctx.config["hooks"] = {"createRuntime": [{"path": "/bin/true", "timeout": 0}]}
    r = ctx.create()
    expect(r.rc != 0, "create with hook timeout 0 succeeded")


@check(D + "hooks/path-relative", "a relative hook path is an error (path MUST be absolute)")
def _(ctx):
    ctx.config["hooks"] = {"createRuntime": [{"path": "bin/true"}]}
    r = ctx.create()
    expect(r.rc != 0, "create with hook path 'bin/true' succeeded")


# ---------------------------------------------------------------- annotations, extensibility

@check(D + "annotations/unknown-ignored", "unknown annotation keys are ignored")
def _(ctx):
    ctx.config["annotations"] = {"org.example.unknown.key": "x", "plain": "y"}
    ctx.script("echo ran")
    expect("ran" in ctx.must_run(), "the container did not run")


@check(D + "annotations/empty-key", "an empty annotation key is an error")
def _(ctx):
    ctx.config["annotations"] = {"": "x"}
    r = ctx.create()
    expect(r.rc != 0, "create with an empty annotation key succeeded")


@check(D + "annotations/non-string-value", "a non-string annotation value is an error")
def _(ctx):
    ctx.config["annotations"] = {"org.example.n": 5}
    r = ctx.create()
    expect(r.rc != 0, "create with annotation value 5 succeeded")


@check(D + "extensibility/unknown-property", "unknown properties are ignored")
def _(ctx):
    ctx.config["org.example.unknownTop"] = {"a": 1}
    ctx.config["process"]["org.example.unknownProcess"] = True
    ctx.config["linux"]["org.example.unknownLinux"] = [1, 2]
    ctx.script("echo ran")
    expect("ran" in ctx.must_run(), "the container did not run")


@check(D + "valid-values/invalid-value", "an invalid value is an error (namespace type 'foo')")
def _(ctx):
    ctx.config["linux"]["namespaces"].append({"type": "foo"})
    r = ctx.create()
    expect(r.rc != 0, "create with namespace type 'foo' succeeded")


@check(D + "valid-values/wrong-type", "a value of the wrong JSON type is an error")
def _(ctx):
    ctx.config["process"]["user"]["uid"] = "zero"
    r = ctx.create()
    expect(r.rc != 0, "create with user.uid \"zero\" succeeded")
