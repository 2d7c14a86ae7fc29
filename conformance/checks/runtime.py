"""Checks of runtime.md: state, lifecycle, errors and operations."""

import json
import os
import time

from lib import Fail, check, expect, schema_errors, wait_for

D = "runtime.md/"


def _created(ctx, script="sleep 600"):
    ctx.script(script)
    return ctx.must_create()


def _running(ctx, script="sleep 600"):
    cid = _created(ctx, script)
    ctx.must_start(cid)
    ctx.wait_status(cid, "running")
    return cid


def _stopped(ctx):
    cid = _created(ctx, "true")
    ctx.must_start(cid)
    ctx.wait_status(cid, "stopped")
    return cid


def _valid(st):
    errs = schema_errors("state-schema.json", st)
    expect(not errs, "state does not match schema/state-schema.json: %s; state %s" % (
        "; ".join(errs), json.dumps(st)))


# ---------------------------------------------------------------- state

@check(D + "state/schema-created", "state of a created container matches state-schema.json")
def _(ctx):
    _valid(ctx.must_state(_created(ctx)))


@check(D + "state/schema-running", "state of a running container matches state-schema.json")
def _(ctx):
    _valid(ctx.must_state(_running(ctx)))


@check(D + "state/schema-stopped", "state of a stopped container matches state-schema.json")
def _(ctx):
    _valid(ctx.must_state(_stopped(ctx)))


@check(D + "state/ociVersion", "ociVersion is the spec version the state complies with")
def _(ctx):
    st = ctx.must_state(_created(ctx))
    v = st.get("ociVersion")
    expect(isinstance(v, str) and v[:1].isdigit() and v.count(".") >= 2,
           "ociVersion %r is not a spec version" % v)


@check(D + "state/id", "id is the container's ID")
def _(ctx):
    cid = _created(ctx)
    st = ctx.must_state(cid)
    expect(st.get("id") == cid, "state id %r, expected %r" % (st.get("id"), cid))


@check(D + "state/status-created", "status is 'created' after create")
def _(ctx):
    st = ctx.must_state(_created(ctx))
    expect(st.get("status") == "created", "status %r after create" % st.get("status"))


@check(D + "state/status-running", "status is 'running' after start while the process lives")
def _(ctx):
    cid = _created(ctx)
    ctx.must_start(cid)
    st = ctx.must_state(cid)
    expect(st.get("status") == "running", "status %r after start" % st.get("status"))


@check(D + "state/status-stopped", "status is 'stopped' after the container process exited")
def _(ctx):
    _stopped(ctx)


@check(D + "state/pid-created", "pid is the container process's host pid when created")
def _(ctx):
    cid = _created(ctx)
    st = ctx.must_state(cid)
    pid = st.get("pid")
    expect(isinstance(pid, int) and pid > 0, "pid %r in state of a created container" % pid)
    expect(os.path.exists("/proc/%d" % pid), "pid %d does not exist" % pid)


@check(D + "state/pid-running", "pid is the user process's host pid when running")
def _(ctx):
    cid = _running(ctx, "exec sleep 600")
    st = ctx.must_state(cid)
    pid = st.get("pid")
    expect(isinstance(pid, int) and pid > 0, "pid %r in state of a running container" % pid)
    cmd = open("/proc/%d/cmdline" % pid).read().split("\0")
    expect(cmd[:2] == ["sleep", "600"], "pid %d runs %r, not the user process" % (pid, cmd))


@check(D + "state/bundle", "bundle is the absolute path of the bundle directory")
def _(ctx):
    cid = _created(ctx)
    b = ctx.must_state(cid).get("bundle")
    expect(isinstance(b, str) and os.path.isabs(b), "bundle %r is not absolute" % b)
    expect(os.path.realpath(b) == os.path.realpath(ctx.bundle),
           "bundle %r, expected %r" % (b, ctx.bundle))


@check(D + "state/bundle-relative-arg", "bundle is absolute even when given as a relative path")
def _(ctx):
    ctx.script("sleep 600")
    ctx.write_config()
    cid = ctx.new_id()
    r = ctx.rt("create", "--bundle", "bundle", cid, cwd=ctx.tmp,
               out_path=ctx.out_path(cid), err_path=ctx.err_path(cid))
    expect(r.rc == 0, "create failed: " + r.describe())
    b = ctx.must_state(cid).get("bundle")
    expect(isinstance(b, str) and os.path.isabs(b)
           and os.path.realpath(b) == os.path.realpath(ctx.bundle),
           "bundle %r, expected the absolute %r" % (b, ctx.bundle))


@check(D + "state/annotations", "annotations are the container's config annotations")
def _(ctx):
    ctx.config["annotations"] = {"org.example.conformance": "value-1", "com.example.b": ""}
    st = ctx.must_state(_created(ctx))
    a = st.get("annotations") or {}
    for k, v in ctx.config["annotations"].items():
        expect(a.get(k) == v, "annotation %r is %r in state, expected %r" % (k, a.get(k), v))


# ---------------------------------------------------------------- operations

@check(D + "operations/state-no-id", "state without an ID generates an error")
def _(ctx):
    r = ctx.rt("state")
    expect(r.rc not in (0,) and not str(r.rc).startswith("timeout"),
           "state without ID: " + r.describe())


@check(D + "operations/state-not-exist", "state of a container that does not exist is an error")
def _(ctx):
    r = ctx.rt("state", "nonexistent-container")
    expect(r.rc != 0 and not str(r.rc).startswith("timeout"), r.describe())


@check(D + "operations/create-no-id", "create without a container ID generates an error")
def _(ctx):
    ctx.write_config()
    r = ctx.rt("create", "--bundle", ctx.bundle)
    expect(r.rc != 0 and not str(r.rc).startswith("timeout"), r.describe())
    ls = ctx.rt("list", "--quiet")
    expect(ls.out.strip() == "", "a container exists after the failed create: %r" % ls.out)


@check(D + "operations/create-id-not-unique",
       "create with an ID in use fails and leaves the existing container alone")
def _(ctx):
    cid = _created(ctx)
    st0 = ctx.must_state(cid)
    r = ctx.create(cid=cid)
    expect(r.rc != 0, "second create with the same ID succeeded")
    st1 = ctx.must_state(cid)
    expect(st1.get("status") == "created" and st1.get("pid") == st0.get("pid"),
           "existing container changed: %r -> %r" % (st0, st1))


@check(D + "operations/create-id-invalid", "create with an invalid ID ('../x') fails")
def _(ctx):
    r = ctx.create(cid="../escape")
    expect(r.rc != 0, "create '../escape' succeeded")
    expect(not os.path.exists(os.path.join(ctx.tmp, "escape")),
           "state was written outside --root")


@check(D + "operations/create-applies-config",
       "create applies the config (hostname, mounts) before start")
def _(ctx):
    cid = _created(ctx)
    pid = ctx.must_state(cid)["pid"]
    expect(os.readlink("/proc/%d/ns/uts" % pid) != os.readlink("/proc/self/ns/uts"),
           "created container process is not in a new UTS namespace")
    root = os.readlink("/proc/%d/root" % pid)
    expect(os.path.realpath(root) == os.path.realpath(ctx.rootfs) or root == "/",
           "created container's root is %r" % root)
    mnts = open("/proc/%d/mountinfo" % pid).read()
    expect(" /proc " in mnts, "created container has no /proc mount")


@check(D + "operations/create-no-user-process",
       "create does not run process.args until start")
def _(ctx):
    cid = _created(ctx, "echo user-process-ran; sleep 600")
    time.sleep(0.5)
    expect("user-process-ran" not in ctx.output(cid), "process.args ran before start")
    ctx.must_start(cid)
    expect(wait_for(lambda: "user-process-ran" in ctx.output(cid), 10),
           "process.args did not run after start")


@check(D + "lifecycle/config-change-after-create",
       "changes to config.json after create do not affect the container")
def _(ctx):
    cid = _created(ctx, "echo original-args")
    ctx.script("echo changed-args")
    ctx.write_config()
    ctx.must_start(cid)
    ctx.wait_status(cid, "stopped")
    out = ctx.output(cid)
    expect("original-args" in out and "changed-args" not in out,
           "container ran %r" % out)


@check(D + "operations/start-no-id", "start without an ID generates an error")
def _(ctx):
    r = ctx.rt("start")
    expect(r.rc != 0 and not str(r.rc).startswith("timeout"), r.describe())


@check(D + "operations/start-runs-process", "start runs the user-specified program")
def _(ctx):
    cid = _created(ctx, "echo hello-from-start")
    ctx.must_start(cid)
    expect(wait_for(lambda: "hello-from-start" in ctx.output(cid), 10),
           "no output of process.args after start: %r" % ctx.output(cid))


@check(D + "operations/start-running-error",
       "start of a running container fails and has no effect")
def _(ctx):
    cid = _running(ctx, "echo once; sleep 600")
    pid = ctx.must_state(cid)["pid"]
    r = ctx.start(cid)
    expect(r.rc != 0, "second start succeeded")
    st = ctx.must_state(cid)
    expect(st["status"] == "running" and st["pid"] == pid, "container changed: %r" % st)
    time.sleep(0.2)
    expect(ctx.output(cid).count("once") == 1, "process ran twice: %r" % ctx.output(cid))


@check(D + "operations/start-stopped-error",
       "start of a stopped container fails and has no effect")
def _(ctx):
    cid = _stopped(ctx)
    r = ctx.start(cid)
    expect(r.rc != 0, "start of a stopped container succeeded")
    expect(ctx.must_state(cid)["status"] == "stopped", "container is no longer stopped")


@check(D + "operations/start-no-process",
       "a container without process cannot be started (create or start errors)")
def _(ctx):
    del ctx.config["process"]
    r = ctx.create()
    if r.rc != 0:
        return
    s = ctx.start(r.cid)
    expect(s.rc != 0, "start of a container without 'process' succeeded")


@check(D + "operations/kill-no-id", "kill without an ID generates an error")
def _(ctx):
    r = ctx.rt("kill")
    expect(r.rc != 0 and not str(r.rc).startswith("timeout"), r.describe())


@check(D + "operations/kill-created", "kill sends the signal to the process of a created container")
def _(ctx):
    cid = _created(ctx)
    r = ctx.kill(cid, "KILL")
    expect(r.rc == 0, r.describe())
    ctx.wait_status(cid, "stopped")


@check(D + "operations/kill-running", "kill sends the given signal to the container process")
def _(ctx):
    cid = _running(ctx, "trap 'echo got-usr1; exit 7' USR1; echo ready; "
                        "while true; do sleep 0.05; done")
    expect(wait_for(lambda: "ready" in ctx.output(cid), 10), "container never got ready")
    r = ctx.kill(cid, "USR1")
    expect(r.rc == 0, r.describe())
    expect(wait_for(lambda: "got-usr1" in ctx.output(cid), 10),
           "the process did not receive SIGUSR1: %r" % ctx.output(cid))
    ctx.wait_status(cid, "stopped")


@check(D + "operations/kill-number", "kill accepts a signal number")
def _(ctx):
    cid = _running(ctx)
    r = ctx.kill(cid, "9")
    expect(r.rc == 0, r.describe())
    ctx.wait_status(cid, "stopped")


@check(D + "operations/kill-stopped-error",
       "kill of a stopped container fails and has no effect")
def _(ctx):
    cid = _stopped(ctx)
    r = ctx.kill(cid, "KILL")
    expect(r.rc != 0, "kill of a stopped container succeeded")
    expect(ctx.must_state(cid)["status"] == "stopped", "container is no longer stopped")


@check(D + "operations/delete-no-id", "delete without an ID generates an error")
def _(ctx):
    r = ctx.rt("delete")
    expect(r.rc != 0 and not str(r.rc).startswith("timeout"), r.describe())


@check(D + "operations/delete-running-error",
       "delete of a running container fails and has no effect")
def _(ctx):
    cid = _running(ctx)
    pid = ctx.must_state(cid)["pid"]
    r = ctx.delete(cid)
    expect(r.rc != 0, "delete of a running container succeeded")
    st = ctx.state(cid)
    expect(st is not None and st["status"] == "running" and st.get("pid") == pid,
           "container changed: %r" % st)


@check(D + "operations/delete-created-error",
       "delete of a created (not stopped) container fails and has no effect")
def _(ctx):
    cid = _created(ctx)
    r = ctx.delete(cid)
    expect(r.rc != 0, "delete of a created container succeeded (the spec allows "
                      "delete only of a stopped container)")
    st = ctx.state(cid)
    expect(st is not None and st["status"] == "created", "container changed: %r" % st)


@check(D + "operations/delete-removes", "delete removes the container and what create made")
def _(ctx):
    ctx.config["linux"]["cgroupsPath"] = "/ouconf-%s" % os.path.basename(ctx.tmp)
    cid = _stopped(ctx)
    cgdirs = _cgroup_dirs(ctx.config["linux"]["cgroupsPath"])
    r = ctx.delete(cid)
    expect(r.rc == 0, r.describe())
    expect(ctx.state(cid) is None, "state still succeeds after delete")
    left = [d for d in cgdirs if os.path.exists(d)]
    expect(not left, "cgroup directories left after delete: %s" % left)
    r = ctx.create(cid=cid)
    expect(r.rc == 0, "the ID cannot be reused after delete: " + r.describe())


def _cgroup_dirs(path):
    base = "/sys/fs/cgroup"
    res = []
    if os.path.exists(os.path.join(base, "cgroup.controllers")):
        return [base + path]
    for d in os.listdir(base):
        p = os.path.join(base, d)
        if os.path.isdir(p) and not os.path.islink(p):
            res.append(p + path)
    return res


@check(D + "operations/delete-keeps-foreign",
       "delete does not remove resources the container did not create (bind source, bundle)")
def _(ctx):
    src = ctx.path("keep")
    os.makedirs(src)
    with open(os.path.join(src, "file"), "w") as f:
        f.write("x")
    ctx.config["mounts"].append({"destination": "/mnt", "type": "bind", "source": src,
                                 "options": ["rbind"]})
    cid = _stopped(ctx)
    r = ctx.delete(cid)
    expect(r.rc == 0, r.describe())
    expect(os.path.exists(os.path.join(src, "file")), "bind source content removed")
    expect(os.path.exists(os.path.join(ctx.bundle, "config.json")), "bundle removed")
    expect(os.path.exists(os.path.join(ctx.rootfs, "bin", "busybox")), "rootfs removed")


@check(D + "operations/same-container", "all operations work on the container create made")
def _(ctx):
    cid = _running(ctx)
    expect(ctx.kill(cid, "KILL").rc == 0, "kill failed")
    ctx.wait_status(cid, "stopped")
    r = ctx.delete(cid)
    expect(r.rc == 0, r.describe())


# ---------------------------------------------------------------- errors

@check(D + "errors/create-failure-leaves-nothing",
       "a failed create leaves no container, state, mount or cgroup behind")
def _(ctx):
    ctx.config["linux"]["cgroupsPath"] = "/ouconf-%s" % os.path.basename(ctx.tmp)
    ctx.config["mounts"].append({"destination": "/mnt", "type": "bind",
                                 "source": ctx.path("does-not-exist"), "options": ["rbind"]})
    before = open("/proc/self/mountinfo").read().count(ctx.tmp)
    r = ctx.create()
    expect(r.rc != 0, "create with a missing bind source succeeded")
    expect(ctx.state(r.cid) is None, "state of the failed container succeeds")
    after = open("/proc/self/mountinfo").read().count(ctx.tmp)
    expect(after == before, "mounts left under the check directory: %d -> %d" % (before, after))
    left = [d for d in _cgroup_dirs(ctx.config["linux"]["cgroupsPath"]) if os.path.exists(d)]
    expect(not left, "cgroups left behind: %s" % left)
    ctx.config["mounts"].pop()
    r2 = ctx.create(cid=r.cid)
    expect(r2.rc == 0, "the ID cannot be used after the failed create: " + r2.describe())


@check(D + "lifecycle/create-error-unappliable",
       "create errors when the config cannot be applied (missing rootfs)")
def _(ctx):
    ctx.config["root"]["path"] = "no-such-rootfs"
    r = ctx.create()
    expect(r.rc != 0, "create with a missing root.path succeeded")
    expect(ctx.state(r.cid) is None, "the failed container exists")


@check(D + "lifecycle/exit-stops", "the container is stopped when its process exits")
def _(ctx):
    cid = _created(ctx, "exit 3")
    ctx.must_start(cid)
    ctx.wait_status(cid, "stopped")


def _hook(ctx, name, body):
    p = ctx.path(name + ".sh")
    with open(p, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(p, 0o755)
    return p


def _fail_hook(ctx, phase):
    marker = ctx.path("poststop-ran")
    ctx.config["hooks"] = {
        phase: [{"path": "/bin/false"}],
        "poststop": [{"path": _hook(ctx, "poststop", "touch " + marker)}],
    }
    return marker


def _fail_create_phase(phase):
    def fn(ctx):
        _fail_hook(ctx, phase)
        ctx.script("echo user-process-ran")
        r = ctx.create()
        if r.rc == 0:
            ctx.start(r.cid)
            time.sleep(0.2)
            raise Fail("create succeeded although a %s hook failed" % phase)
        st = ctx.state(r.cid)
        expect(st is None or st.get("status") == "stopped",
               "container not stopped after the failed hook: %r" % st)
        expect("user-process-ran" not in ctx.output(r.cid), "the user process ran")
    return fn


for _p in ("prestart", "createRuntime", "createContainer"):
    check(D + "lifecycle/%s-fail-error" % _p,
          "a failing %s hook makes create error and stops the container" % _p)(
        _fail_create_phase(_p))


def _fail_start_phase(phase):
    def fn(ctx):
        _fail_hook(ctx, phase)
        ctx.script("sleep 600")
        cid = ctx.must_create()
        r = ctx.start(cid)
        expect(r.rc != 0, "start succeeded although a %s hook failed" % phase)
        st = ctx.state(cid)
        expect(st is None or st.get("status") == "stopped",
               "container not stopped after the failed %s hook: %r" % (phase, st))
    return fn


for _p in ("startContainer", "poststart"):
    check(D + "lifecycle/%s-fail-error" % _p,
          "a failing %s hook makes start error and stops the container" % _p)(
        _fail_start_phase(_p))


@check(D + "lifecycle/hook-fail-destroys",
       "after a failing prestart hook the container is destroyed and poststop hooks run")
def _(ctx):
    marker = _fail_hook(ctx, "prestart")
    r = ctx.create()
    expect(r.rc != 0, "create succeeded although a prestart hook failed")
    ctx.delete(r.cid, force=True)
    expect(ctx.state(r.cid) is None, "container still exists")
    expect(os.path.exists(marker), "poststop hooks did not run (lifecycle step 13)")


@check(D + "lifecycle/poststop-fail-warning",
       "a failing poststop hook is a warning: delete succeeds, later hooks run")
def _(ctx):
    marker = ctx.path("second-ran")
    ctx.config["hooks"] = {"poststop": [
        {"path": _hook(ctx, "fail", "exit 1")},
        {"path": _hook(ctx, "second", "touch " + marker)}]}
    cid = _stopped(ctx)
    r = ctx.delete(cid)
    expect(r.rc == 0, "delete failed: " + r.describe())
    expect(os.path.exists(marker), "the poststop hook after the failing one did not run")
    expect(ctx.state(cid) is None, "container still exists after delete")
