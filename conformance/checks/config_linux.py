"""Checks of config-linux.md: namespaces, user mappings, devices, cgroups,
sysctl, seccomp, propagation, masked and read-only paths, personality."""

import json
import os
import re
import socket
import subprocess
import threading
import time

from lib import Fail, Skip, check, expect, feature, parse_mountinfo_line, run_cmd, wait_for
from checks.config import container_mounts, find_mount, _mount

D = "config-linux.md/"
NS_TYPES = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
            "cgroup": "cgroup", "user": "user", "time": "time"}
CG = "/sys/fs/cgroup"


def _ns_script(kinds):
    return "; ".join("echo %s=$(readlink /proc/self/ns/%s)" % (k, k) for k in kinds)


def _ns_of(out):
    return dict(line.split("=", 1) for line in out.split() if "=" in line)


USERNS = {"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
          "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}


def _add_ns(ctx, t):
    nss = ctx.config["linux"]["namespaces"]
    if not [n for n in nss if n["type"] == t]:
        nss.append({"type": t})
    if t == "user":
        ctx.config["linux"].update(json.loads(json.dumps(USERNS)))
    if t == "time":
        ctx.config["linux"]["timeOffsets"] = {"monotonic": {"secs": 0, "nanosecs": 0}}


def _ns_new(t):
    def fn(ctx):
        k = NS_TYPES[t]
        _add_ns(ctx, t)
        ctx.script(_ns_script([k]))
        got = _ns_of(ctx.must_run()).get(k)
        expect(got and got != os.readlink("/proc/self/ns/" + k),
               "%s namespace %r is the runtime's %r" % (t, got, os.readlink("/proc/self/ns/" + k)))
    return fn


def _ns_inherit(t):
    def fn(ctx):
        k = NS_TYPES[t]
        ctx.config["linux"]["namespaces"] = [n for n in ctx.config["linux"]["namespaces"]
                                             if n["type"] != t]
        if t == "network":
            ctx.config["mounts"] = [m for m in ctx.config["mounts"] if m["type"] != "sysfs"]
        if t == "uts":
            del ctx.config["hostname"]
        ctx.script(_ns_script([k]))
        got = _ns_of(ctx.must_run()).get(k)
        expect(got == os.readlink("/proc/self/ns/" + k),
               "%s namespace %r, the runtime's is %r" % (t, got, os.readlink("/proc/self/ns/" + k)))
    return fn


def _claims_ns(t):
    return ("the %s namespace" % t, lambda f: t in (feature(f, "linux", "namespaces") or []))


for _t in NS_TYPES:
    check(D + "namespaces/%s-new" % _t, "a listed %s namespace without path is new" % _t,
          claim=_claims_ns(_t) if _t == "time" else None)(_ns_new(_t))
for _t in ("pid", "network", "ipc", "uts", "cgroup", "user", "time"):
    check(D + "namespaces/%s-inherit" % _t,
          "an unlisted %s namespace is the runtime's" % _t)(_ns_inherit(_t))


def _holder(ctx, flags):
    """A host process in new namespaces (unshare FLAGS); returns its pid."""
    p = subprocess.Popen(["unshare"] + flags + ["sleep", "600"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx.holders.append(p)
    time.sleep(0.2)
    if p.poll() is not None:
        raise Skip("host: unshare %s failed" % " ".join(flags))
    return p.pid


def _ns_path(t, flag):
    def fn(ctx):
        k = NS_TYPES[t]
        pid = _holder(ctx, [flag])
        want = os.readlink("/proc/%d/ns/%s" % (pid, k))
        expect(want != os.readlink("/proc/self/ns/" + k), "holder not in a new namespace")
        for n in ctx.config["linux"]["namespaces"]:
            if n["type"] == t:
                n["path"] = "/proc/%d/ns/%s" % (pid, k)
        if t == "network":
            ctx.config["mounts"] = [m for m in ctx.config["mounts"] if m["type"] != "sysfs"]
        ctx.script(_ns_script([k]))
        got = _ns_of(ctx.must_run()).get(k)
        expect(got == want, "%s namespace %r, the path's is %r" % (t, got, want))
    return fn


for _t, _f in (("network", "--net"), ("ipc", "--ipc"), ("uts", "--uts")):
    check(D + "namespaces/%s-path" % _t, "a %s namespace path is joined" % _t)(
        _ns_path(_t, _f))


@check(D + "namespaces/path-wrong-type", "a path to a namespace of another type is an error")
def _(ctx):
    pid = _holder(ctx, ["--net"])
    for n in ctx.config["linux"]["namespaces"]:
        if n["type"] == "ipc":
            n["path"] = "/proc/%d/ns/net" % pid
    r = ctx.create()
    expect(r.rc != 0, "create joining a net namespace as ipc succeeded")


@check(D + "namespaces/duplicate", "two namespaces of the same type are an error")
def _(ctx):
    ctx.config["linux"]["namespaces"].append({"type": "ipc"})
    r = ctx.create()
    expect(r.rc != 0, "create with two ipc namespaces succeeded")


@check(D + "user-namespace-mappings/uid-gid-map", "uidMappings and gidMappings are written")
def _(ctx):
    _add_ns(ctx, "user")
    ctx.script("cat /proc/self/uid_map; echo --; cat /proc/self/gid_map")
    out = ctx.must_run()
    parts = out.split("--")
    expect(len(parts) == 2, "output %r" % out)
    for name, txt in zip(("uid_map", "gid_map"), parts):
        expect(txt.split() == ["0", "100000", "65536"], "%s is %r" % (name, txt.strip()))


@check(D + "user-namespace-mappings/no-chown", "the rootfs ownership is not changed", "SHOULD")
def _(ctx):
    _add_ns(ctx, "user")
    before = os.stat(os.path.join(ctx.rootfs, "bin", "busybox"))
    ctx.script("true")
    ctx.run()
    after = os.stat(os.path.join(ctx.rootfs, "bin", "busybox"))
    expect((before.st_uid, before.st_gid) == (after.st_uid, after.st_gid),
           "rootfs owner changed %d:%d -> %d:%d" % (before.st_uid, before.st_gid,
                                                     after.st_uid, after.st_gid))


@check(D + "time-offsets", "timeOffsets shift the clocks of a new time namespace",
       claim=_claims_ns("time"))
def _(ctx):
    _add_ns(ctx, "time")
    ctx.config["linux"]["timeOffsets"] = {"boottime": {"secs": 864000, "nanosecs": 0},
                                          "monotonic": {"secs": 864000, "nanosecs": 0}}
    ctx.script("cat /proc/uptime")
    out = ctx.must_run()
    up = float(out.split()[0]) if out.split() else 0
    expect(up >= 864000, "uptime %r in the container, expected the 10-day offset" % out)


# ---------------------------------------------------------------- filesystems

@check(D + "filesystems/proc-sys-devpts-shm",
       "/proc, /sys, /dev/pts and /dev/shm are available", "SHOULD")
def _(ctx):
    mi = container_mounts(ctx, [])
    for dest, fstype in (("/proc", "proc"), ("/sys", "sysfs"), ("/dev/pts", "devpts"),
                         ("/dev/shm", "tmpfs")):
        m = find_mount(mi, dest)
        expect(m["fstype"] == fstype, "%s is %s, expected %s" % (dest, m["fstype"], fstype))


# ---------------------------------------------------------------- devices

def _stat_script(paths):
    return "; ".join("stat -c '%%n %%F %%t:%%T %%a %%u:%%g' %s" % p for p in paths)


def _stats(out):
    res = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 5:
            res[parts[0]] = (" ".join(parts[1:-3]), parts[-3], parts[-2], parts[-1])
    return res


@check(D + "devices/created", "linux.devices entries exist with type, numbers, mode, owner")
def _(ctx):
    ctx.config["linux"]["devices"] = [
        {"path": "/dev/conf-char", "type": "c", "major": 1, "minor": 7, "fileMode": 0o640,
         "uid": 1000, "gid": 2000},
        {"path": "/dev/conf-block", "type": "b", "major": 7, "minor": 0, "fileMode": 0o600,
         "uid": 0, "gid": 0},
        {"path": "/dev/conf-fifo", "type": "p", "fileMode": 0o644}]
    ctx.script(_stat_script(["/dev/conf-char", "/dev/conf-block", "/dev/conf-fifo"]))
    st = _stats(ctx.must_run())
    c = st.get("/dev/conf-char")
    expect(c and c[0] == "character special file" and c[1] == "1:7" and c[2] == "640"
           and c[3] == "1000:2000", "/dev/conf-char is %r" % (c,))
    b = st.get("/dev/conf-block")
    expect(b and b[0] == "block special file" and b[1] == "7:0" and b[2] == "600",
           "/dev/conf-block is %r" % (b,))
    p = st.get("/dev/conf-fifo")
    expect(p and p[0] == "fifo", "/dev/conf-fifo is %r" % (p,))


@check(D + "devices/existing-mismatch",
       "a file at a device path that does not match the device is an error")
def _(ctx):
    ctx.config["mounts"] = [m for m in ctx.config["mounts"]
                            if not m["destination"].startswith("/dev")]
    with open(os.path.join(ctx.rootfs, "dev", "conf-dev"), "w") as f:
        f.write("regular file\n")
    ctx.config["linux"]["devices"] = [
        {"path": "/dev/conf-dev", "type": "c", "major": 1, "minor": 7}]
    r = ctx.create()
    expect(r.rc != 0, "create over a regular file at /dev/conf-dev succeeded")


DEFAULT_DEVICES = [("null", "1:3"), ("zero", "1:5"), ("full", "1:7"), ("random", "1:8"),
                   ("urandom", "1:9"), ("tty", "5:0")]


def _default_dev(name, numbers):
    def fn(ctx):
        ctx.script(_stat_script(["/dev/" + name]))
        st = _stats(ctx.must_run()).get("/dev/" + name)
        expect(st and st[0] == "character special file" and st[1] == "%x:%x" % tuple(
            int(x) for x in numbers.split(":")), "/dev/%s is %r, expected char %s" % (
            name, st, numbers))
    return fn


for _n, _m in DEFAULT_DEVICES:
    check(D + "devices/default-" + _n, "the runtime supplies /dev/%s (%s)" % (_n, _m))(
        _default_dev(_n, _m))


@check(D + "devices/default-ptmx", "the runtime supplies /dev/ptmx (the container's ptmx)")
def _(ctx):
    ctx.script("readlink /dev/ptmx; stat -L -c '%t:%T' /dev/ptmx; "
               "stat -c %i /dev/ptmx /dev/pts/ptmx")
    out = ctx.must_run().split()
    expect(out, "no /dev/ptmx")
    ok = out[0] == "pts/ptmx" or out[0] == "/dev/pts/ptmx" or (
        len(out) >= 3 and out[-1] == out[-2])
    expect(ok, "/dev/ptmx is neither a symlink to nor a bind of /dev/pts/ptmx: %r" % out)


@check(D + "devices/default-console", "with terminal true /dev/console is the console pty")
def _(ctx):
    try:
        from checks.runtime_linux import with_terminal
    except ImportError:
        raise Skip("suite: no console socket helper")
    out = with_terminal(ctx, "stat -c '%t:%T' /dev/console; readlink /proc/self/fd/0")
    parts = out.split()
    expect(len(parts) >= 2 and parts[0].startswith("88:") and parts[1].startswith("/dev/pts/"),
           "/dev/console major:minor and stdin: %r (expected a pts, major 0x88)" % out)


# ---------------------------------------------------------------- cgroups

def _hier():
    if os.path.exists(os.path.join(CG, "cgroup.controllers")):
        return "v2"
    return "v1"


def _cg_dir(pid, controller):
    """Host directory of PID's cgroup for CONTROLLER (v1) or unified."""
    with open("/proc/%d/cgroup" % pid) as f:
        lines = [line.strip().split(":", 2) for line in f]
    if _hier() == "v2":
        return CG + [p for _, c, p in lines if c == ""][0]
    for _, c, p in lines:
        if controller in c.split(","):
            d = os.path.join(CG, controller)
            return d + p
    return None


def _cg_path(ctx):
    return "/ouconf/" + os.path.basename(ctx.tmp)


def _cg_cleanup(ctx, path):
    def fn():
        for d in os.listdir(CG) if _hier() == "v1" else [""]:
            for p in (path, os.path.dirname(path)):
                try:
                    os.rmdir(os.path.join(CG, d) + p)
                except OSError:
                    pass
    ctx.cleanups.append(fn)


def _created_with(ctx, resources=None):
    path = _cg_path(ctx)
    ctx.config["linux"]["cgroupsPath"] = path
    _cg_cleanup(ctx, path)
    if resources is not None:
        ctx.config["linux"]["resources"] = resources
    ctx.script("sleep 600")
    cid = ctx.must_create()
    return cid, ctx.must_state(cid)["pid"], path


@check(D + "cgroups/path-absolute", "an absolute cgroupsPath is relative to the cgroup mount")
def _(ctx):
    cid, pid, path = _created_with(ctx)
    for c in (["memory", "pids", "cpu"] if _hier() == "v1" else [""]):
        d = _cg_dir(pid, c)
        expect(d == (os.path.join(CG, c) if c else CG) + path,
               "container process is in %r for %s, expected %s" % (d, c or "unified", path))


@check(D + "cgroups/path-consistent", "the same cgroupsPath attaches to the same cgroup")
def _(ctx):
    cid, pid, path = _created_with(ctx)
    d1 = _cg_dir(pid, "memory")
    ctx.delete(cid, force=True)
    cid2 = ctx.must_create()
    d2 = _cg_dir(ctx.must_state(cid2)["pid"], "memory")
    expect(d1 == d2, "first container in %s, second in %s" % (d1, d2))


def _read(d, name):
    try:
        with open(os.path.join(d, name)) as f:
            return f.read().strip()
    except OSError as e:
        raise Fail("cannot read %s/%s: %s" % (d, name, e))


RESOURCE_CHECKS = [
    ("memory-limit", {"memory": {"limit": 67108864}}, "memory",
     [("memory.limit_in_bytes", "67108864")], [("memory.max", "67108864")]),
    ("memory-reservation", {"memory": {"reservation": 33554432}}, "memory",
     [("memory.soft_limit_in_bytes", "33554432")], [("memory.low", "33554432")]),
    ("memory-swap", {"memory": {"limit": 67108864, "swap": 134217728}}, "memory",
     [("memory.memsw.limit_in_bytes", "134217728")], [("memory.swap.max", "67108864")]),
    ("cpu-shares", {"cpu": {"shares": 512}}, "cpu", [("cpu.shares", "512")], None),
    ("cpu-quota-period", {"cpu": {"quota": 50000, "period": 100000}}, "cpu",
     [("cpu.cfs_quota_us", "50000"), ("cpu.cfs_period_us", "100000")],
     [("cpu.max", "50000 100000")]),
    ("cpuset-cpus", {"cpu": {"cpus": "0"}}, "cpuset", [("cpuset.cpus", "0")],
     [("cpuset.cpus", "0")]),
    ("cpuset-mems", {"cpu": {"mems": "0"}}, "cpuset", [("cpuset.mems", "0")],
     [("cpuset.mems", "0")]),
    ("pids-limit", {"pids": {"limit": 42}}, "pids", [("pids.max", "42")], [("pids.max", "42")]),
    ("pids-limit-zero", {"pids": {"limit": 0}}, "pids", [("pids.max", "0")],
     [("pids.max", "0")]),
]


def _resource(res, controller, v1, v2):
    def fn(ctx):
        files = v1 if _hier() == "v1" else v2
        if files is None:
            raise Skip("host: no %s file for this on cgroup %s" % (controller, _hier()))
        cdir = os.path.join(CG, controller) if _hier() == "v1" else CG
        if not _controller_present(controller):
            raise Skip("host: no %s controller" % controller)
        if "memsw" in files[0][0] and not os.path.exists(os.path.join(cdir, files[0][0])):
            raise Skip("host: %s has no %s (swap accounting is off)" % (cdir, files[0][0]))
        cid, pid, path = _created_with(ctx, res)
        d = _cg_dir(pid, controller)
        for name, want in files:
            got = _read(d, name)
            expect(got == want, "%s/%s is %r, expected %r" % (d, name, got, want))
    return fn


for _n, _r, _c, _v1, _v2 in RESOURCE_CHECKS:
    check(D + "cgroups/" + _n, "linux.resources %s is written to the cgroup" % json.dumps(_r))(
        _resource(_r, _c, _v1, _v2))


def _controller_present(name):
    if os.path.isdir(os.path.join(CG, name)) and _hier() == "v1":
        return True
    for f in (os.path.join(CG, "cgroup.controllers"),
              os.path.join(CG, "unified", "cgroup.controllers")):
        if os.path.exists(f) and name in open(f).read().split():
            return True
    return False


def _missing_controller(name, res):
    def fn(ctx):
        if _controller_present(name):
            raise Skip("host: the %s controller is present, cannot check the error" % name)
        ctx.config["linux"]["cgroupsPath"] = _cg_path(ctx)
        _cg_cleanup(ctx, _cg_path(ctx))
        ctx.config["linux"]["resources"] = res
        r = ctx.create()
        expect(r.rc != 0, "create with %s resources succeeded although the host has no %s "
               "controller" % (json.dumps(res), name))
    return fn


for _n, _r in (("net_cls", {"network": {"classID": 1048577}}),
               ("rdma", {"rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}}})):
    check(D + "cgroups/missing-controller-" + _n.replace("_", "-"),
          "resources for the absent %s controller are an error" % _n)(_missing_controller(_n, _r))


@check(D + "cgroups/unified-missing-controller",
       "unified keys for a controller not enabled in the unified hierarchy are an error")
def _(ctx):
    if _hier() == "v2":
        raise Skip("host: cgroup v2 with controllers; see cgroups/unified")
    ctrl = open(os.path.join(CG, "unified", "cgroup.controllers")).read().split() \
        if os.path.exists(os.path.join(CG, "unified", "cgroup.controllers")) else []
    if "memory" in ctrl:
        raise Skip("host: memory is enabled in the unified hierarchy")
    ctx.config["linux"]["cgroupsPath"] = _cg_path(ctx)
    _cg_cleanup(ctx, _cg_path(ctx))
    ctx.config["linux"]["resources"] = {"unified": {"memory.high": "67108864"}}
    r = ctx.create()
    expect(r.rc != 0, "create with unified memory.high succeeded on a host whose unified "
                      "hierarchy has no memory controller")


@check(D + "cgroups/unified", "unified keys are written to the cgroup v2 files")
def _(ctx):
    if _hier() != "v2":
        raise Skip("host: not a pure cgroup v2 host (hybrid/v1)")
    cid, pid, path = _created_with(ctx, {"unified": {"pids.max": "17"}})
    got = _read(_cg_dir(pid, ""), "pids.max")
    expect(got == "17", "pids.max is %r" % got)


def _devcg(rules, want):
    def fn(ctx):
        caps = ctx.config["process"]["capabilities"]
        for k in ("bounding", "effective", "permitted"):
            caps[k] = caps[k] + ["CAP_MKNOD"]
        ctx.config["linux"]["resources"] = {"devices": rules}
        ctx.script("mknod /tmp/fusedev c 10 229 2>/dev/null; "
                   "(exec 3</tmp/fusedev) 2>/dev/null && echo opened || echo denied")
        out = ctx.must_run()
        expect(want in out, "opening a c 10:229 node: %r, expected %s" % (out.strip(), want))
    return fn


check(D + "cgroups/devices-deny", "a deny-all device rule blocks other devices")(
    _devcg([{"allow": False, "access": "rwm"}], "denied"))
check(D + "cgroups/devices-allow-order",
      "device rules apply in the listed order (deny all, then allow c 10:229)")(
    _devcg([{"allow": False, "access": "rwm"},
            {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rwm"}], "opened"))


# ---------------------------------------------------------------- sysctl

def _sysctl(key, value, path):
    def fn(ctx):
        ctx.config["linux"]["sysctl"] = {key: value}
        ctx.script("cat " + path)
        out = ctx.must_run()
        expect(out.strip() == value, "%s is %r, expected %r" % (key, out.strip(), value))
    return fn


check(D + "sysctl/net", "a net.* sysctl is set in the container's network namespace")(
    _sysctl("net.ipv4.ip_forward", "1", "/proc/sys/net/ipv4/ip_forward"))
check(D + "sysctl/ipc", "a kernel.shm* sysctl is set in the container's IPC namespace")(
    _sysctl("kernel.shm_rmid_forced", "1", "/proc/sys/kernel/shm_rmid_forced"))


# ---------------------------------------------------------------- seccomp

def _seccomp(ctx, action, extra=None, default="SCMP_ACT_ALLOW"):
    rule = {"names": ["mkdir", "mkdirat"], "action": action}
    rule.update(extra or {})
    ctx.config["linux"]["seccomp"] = {"defaultAction": default,
                                      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
                                      "syscalls": [rule]}
    ctx.script("(mkdir /tmp/seccomp-probe) 2>&1; echo status=$?; "
               "[ -d /tmp/seccomp-probe ] && echo made || echo not-made")


@check(D + "seccomp/errno", "SCMP_ACT_ERRNO fails the syscall with EPERM by default")
def _(ctx):
    _seccomp(ctx, "SCMP_ACT_ERRNO")
    out = ctx.must_run()
    expect("not-made" in out and "Operation not permitted" in out, "mkdir under seccomp: %r" % out)


@check(D + "seccomp/errnoRet", "errnoRet is the errno SCMP_ACT_ERRNO returns")
def _(ctx):
    _seccomp(ctx, "SCMP_ACT_ERRNO", {"errnoRet": 38})
    out = ctx.must_run()
    expect("not-made" in out and "Function not implemented" in out,
           "mkdir with errnoRet 38: %r" % out)


@check(D + "seccomp/kill", "SCMP_ACT_KILL kills the process with SIGSYS")
def _(ctx):
    _seccomp(ctx, "SCMP_ACT_KILL")
    out = ctx.must_run()
    expect("status=159" in out and "not-made" in out, "mkdir under SCMP_ACT_KILL: %r" % out)


@check(D + "seccomp/defaultAction", "defaultAction applies to syscalls no rule names")
def _(ctx):
    _seccomp(ctx, "SCMP_ACT_ALLOW", default="SCMP_ACT_ALLOW")
    ctx.config["linux"]["seccomp"]["syscalls"] = [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]
    ctx.config["linux"]["seccomp"]["defaultAction"] = "SCMP_ACT_ALLOW"
    out = ctx.must_run()
    expect("not-made" in out, "the rule did not apply: %r" % out)
    ctx2_cfg = ctx.config["linux"]["seccomp"]
    ctx2_cfg["syscalls"] = [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]
    ctx2_cfg["defaultAction"] = "SCMP_ACT_ALLOW"
    out = ctx.must_run()
    expect("made" in out.split(), "defaultAction ALLOW blocked mkdir: %r" % out)


@check(D + "seccomp/errno-unsupported-action",
       "errnoRet with an action that has no errno is an error")
def _(ctx):
    _seccomp(ctx, "SCMP_ACT_KILL", {"errnoRet": 5})
    r = ctx.create()
    expect(r.rc != 0, "create with SCMP_ACT_KILL and errnoRet succeeded")


@check(D + "seccomp/listenerMetadata-without-path",
       "listenerMetadata without listenerPath is an error")
def _(ctx):
    _seccomp(ctx, "SCMP_ACT_ERRNO")
    ctx.config["linux"]["seccomp"]["listenerMetadata"] = "meta"
    r = ctx.create()
    expect(r.rc != 0, "create with listenerMetadata but no listenerPath succeeded")


def _listener(path, got):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    srv.settimeout(15)

    def loop():
        try:
            while True:
                conn, _ = srv.accept()
                conn.settimeout(10)
                msg, fds, _, _ = socket.recv_fds(conn, 65536, 8)
                data = msg
                while True:
                    more = conn.recv(65536)
                    if not more:
                        break
                    data += more
                got.append({"data": data, "fds": fds})
                for fd in fds:
                    os.close(fd)
                conn.close()
        except (OSError, socket.timeout):
            pass
        finally:
            srv.close()
    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


@check(D + "seccomp/listenerPath",
       "SCMP_ACT_NOTIFY: one state per connection with the notify fd by SCM_RIGHTS, then closed",
       claim=("seccomp action SCMP_ACT_NOTIFY", lambda f: "SCMP_ACT_NOTIFY" in (
           feature(f, "linux", "seccomp", "actions") or [])), limitation="L3")
def _(ctx):
    sock = ctx.path("seccomp.sock")
    got = []
    _listener(sock, got)
    _seccomp(ctx, "SCMP_ACT_NOTIFY")
    ctx.config["linux"]["seccomp"]["listenerPath"] = sock
    ctx.config["linux"]["seccomp"]["listenerMetadata"] = "conf-meta"
    out = ctx.must_run()
    expect(wait_for(lambda: got, 5), "nothing was sent to listenerPath")
    expect(len(got) == 1, "%d connections to the listener" % len(got))
    try:
        st = json.loads(got[0]["data"])
    except ValueError:
        raise Fail("listener payload is not JSON: %r" % got[0]["data"][:200])
    expect(len(got[0]["fds"]) >= 1, "no file descriptor sent with SCM_RIGHTS")
    expect(isinstance(st.get("fds"), list) and "seccompFd" in st["fds"],
           "payload fds %r lacks seccompFd" % st.get("fds"))
    expect(st.get("metadata") == "conf-meta", "metadata %r" % st.get("metadata"))
    expect(isinstance(st.get("state"), dict) and st["state"].get("id"),
           "payload has no container state: %r" % st)
    expect("not-made" in out, "mkdir succeeded although the listener closed the fd: %r" % out)


# ---------------------------------------------------------------- propagation, paths

def _rootprop(prop, want, shared_bundle=False):
    def fn(ctx):
        if shared_bundle:
            _mount(["--bind", ctx.bundle, ctx.bundle])
            _mount(["--make-shared", ctx.bundle])
        ctx.config["linux"]["rootfsPropagation"] = prop
        ctx.script("cat /proc/self/mountinfo")
        out = ctx.must_run()
        root = [parse_mountinfo_line(line) for line in out.splitlines()
                if line.split()[4:5] == ["/"]]
        expect(root, "no / in the container's mountinfo")
        tags = [t.split(":")[0] for t in root[-1]["optional"]]
        ok = {"shared": "shared" in tags, "slave": "master" in tags and "shared" not in tags,
              "private": not tags, "unbindable": "unbindable" in tags}[want]
        expect(ok, "rootfsPropagation %s: / has %s" % (prop, root[-1]["optional"] or "(none)"))
    return fn


check(D + "rootfsPropagation/private", "rootfsPropagation private makes / private")(
    _rootprop("private", "private", True))
check(D + "rootfsPropagation/rslave", "rootfsPropagation rslave makes / a slave")(
    _rootprop("rslave", "slave", True))
check(D + "rootfsPropagation/shared", "rootfsPropagation shared makes / shared")(
    _rootprop("shared", "shared", True))
check(D + "rootfsPropagation/unbindable", "rootfsPropagation unbindable makes / unbindable")(
    _rootprop("unbindable", "unbindable", True))


@check(D + "maskedPaths/file", "a masked file reads as empty")
def _(ctx):
    with open(os.path.join(ctx.rootfs, "etc", "secret"), "w") as f:
        f.write("secret-content\n")
    ctx.config["linux"]["maskedPaths"] = ["/etc/secret"]
    ctx.script("cat /etc/secret; echo end")
    out = ctx.must_run()
    expect("secret-content" not in out and "end" in out, "masked file read %r" % out)


@check(D + "maskedPaths/directory", "a masked directory shows no content")
def _(ctx):
    os.makedirs(os.path.join(ctx.rootfs, "hidden"))
    with open(os.path.join(ctx.rootfs, "hidden", "inner"), "w") as f:
        f.write("x")
    ctx.config["linux"]["maskedPaths"] = ["/hidden"]
    ctx.script("ls -A /hidden; echo end")
    out = ctx.must_run()
    expect("inner" not in out and "end" in out, "masked directory lists %r" % out)


@check(D + "maskedPaths/proc", "a masked /proc file (/proc/timer_list) reads as empty")
def _(ctx):
    ctx.config["linux"]["maskedPaths"] = ["/proc/timer_list"]
    ctx.script("wc -c < /proc/timer_list")
    out = ctx.must_run()
    expect(out.strip() == "0", "/proc/timer_list has %r bytes" % out.strip())


@check(D + "readonlyPaths/directory", "a readonly path cannot be written")
def _(ctx):
    os.makedirs(os.path.join(ctx.rootfs, "rodir"))
    ctx.config["linux"]["readonlyPaths"] = ["/rodir"]
    ctx.script("touch /rodir/x 2>/dev/null && echo writable || echo readonly; "
               "touch /tmp/y && echo other-writable")
    out = ctx.must_run()
    expect("readonly" in out and "other-writable" in out, "writes: %r" % out)


@check(D + "readonlyPaths/proc-sys", "/proc/sys as a readonly path cannot be written")
def _(ctx):
    ctx.config["linux"]["readonlyPaths"] = ["/proc/sys"]
    ctx.script("(echo 1 > /proc/sys/kernel/shm_rmid_forced) 2>/dev/null && echo writable "
               "|| echo readonly")
    out = ctx.must_run()
    expect("readonly" in out, "writing /proc/sys: %r" % out)


@check(D + "mountLabel", "mountLabel labels the container's mounts")
def _(ctx):
    if not os.path.exists("/sys/fs/selinux/enforce"):
        raise Skip("host: SELinux is not enabled in this kernel")


@check(D + "personality", "personality LINUX32 makes uname report a 32-bit machine")
def _(ctx):
    ctx.config["linux"]["personality"] = {"domain": "LINUX32"}
    ctx.script("uname -m")
    out = ctx.must_run()
    expect(out.strip() in ("i686", "i386"), "uname -m is %r" % out.strip())


@check(D + "intelRdt/no-resctrl", "intelRdt without a mounted resctrl is an error")
def _(ctx):
    if any(m.split()[2:3] == ["resctrl"] for m in open("/proc/self/mounts")):
        raise Skip("host: resctrl is mounted")
    ctx.config["linux"]["intelRdt"] = {"closID": "ouconf", "l3CacheSchema": "L3:0=f"}
    r = ctx.create()
    expect(r.rc != 0, "create with intelRdt succeeded without resctrl")


# ---------------------------------------------------------------- netDevices

def _dummy(ctx):
    name = re.sub(r"[^a-zA-Z0-9]", "", "ocf" + os.path.basename(ctx.tmp)[-8:])[:12]
    r = run_cmd(["ip", "link", "add", name, "type", "veth", "peer", "name", name + "p"],
                timeout=10)
    if r.rc != 0:
        raise Skip("host: cannot make a veth pair: " + r.err.strip())
    ctx.cleanups.append(lambda: run_cmd(["ip", "link", "del", name], timeout=10))
    run_cmd(["ip", "link", "set", name, "mtu", "1400"], timeout=10)
    return name


NETDEV = ("linux.netDevices", lambda f: bool(feature(f, "linux", "netDevices", "enabled")))


@check(D + "netDevices/moved", "a netDevices interface is moved into the container and renamed",
       claim=NETDEV, limitation="L4")
def _(ctx):
    dev = _dummy(ctx)
    ctx.config["linux"]["netDevices"] = {dev: {"name": "confnet0"}}
    ctx.script("ip link show confnet0")
    out = ctx.must_run()
    expect("confnet0" in out, "interface not in the container: %r" % out)
    expect("mtu 1400" in out, "attributes not preserved (mtu 1400): %r" % out)


@check(D + "netDevices/up", "a moved interface is set up", claim=NETDEV, limitation="L4")
def _(ctx):
    dev = _dummy(ctx)
    ctx.config["linux"]["netDevices"] = {dev: {}}
    ctx.script("ip link show " + dev)
    out = ctx.must_run()
    expect(re.search(r"<[^>]*\bUP\b", out), "interface flags: %r" % out)
