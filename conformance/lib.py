"""Shared helpers of the OCI runtime-spec conformance suite.

A check is a function decorated with @check(name, text).  It receives a
Ctx: a private temporary directory holding a busybox bundle and a --root
state directory for the runtime under test.  The check raises Fail or Skip,
or returns to pass.  Everything it creates is removed by Ctx.cleanup(), which
runs even when the check fails or times out.
"""

import copy
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
# The spec beside the source tree (make conformance passes the configured one).
SPEC_DIR = os.environ.get("OCI_SPEC_DIR",
                          os.path.join(os.path.dirname(TOP), "shared", "runtime-spec"))
SCHEMA_DIR = os.path.join(SPEC_DIR, "schema")
MKROOTFS = os.path.join(TOP, "tests", "lib", "mkrootfs.sh")

CMD_TIMEOUT = 20
CHECKS = []


class Fail(Exception):
    """The runtime does not meet the requirement."""


class Skip(Exception):
    """The requirement cannot be checked here; the message is the reason."""


def check(name, text, level="MUST", claim=None, limitation=None):
    """Register a check named DOC/SECTION/REQUIREMENT.

    CLAIM, for an optional feature, is (description, predicate on the
    features JSON).  When such a check fails and the runtime's features
    output does not claim the feature, the result is a skip naming that
    (a claimed feature is never skipped).  LIMITATION is the key of the
    ociunion limitation (LIMITATIONS) that explains the failure when the
    runtime has no features output to ask."""

    def wrap(fn):
        CHECKS.append({"name": name, "text": text, "level": level, "fn": fn,
                       "claim": claim, "limitation": limitation})
        return fn

    return wrap


# Known ociunion limitations; conformance/README.md lists the same keys and
# the README entry (under "Limitations") each one is.  L1 and L3 are gone
# from ociunion (it has features, and SCMP_ACT_NOTIFY works); their keys
# stay so that old results still read.
LIMITATIONS = {
    "L1": "features is not implemented yet",
    "L3": "seccomp SCMP_ACT_NOTIFY rules are refused: the listener fd is not handed "
          "to listenerPath",
    "L4": "linux.netDevices is not supported "
          "(README Limitations: intelRdt, netDevices and memoryPolicy, spec/validate.c)",
    "L5": "linux.intelRdt is not supported "
          "(README Limitations: intelRdt, netDevices and memoryPolicy, spec/validate.c)",
}


def feature(f, *path):
    """The value at PATH in the features JSON F, or None."""
    for p in path:
        if not isinstance(f, dict) or p not in f:
            return None
        f = f[p]
    return f


def claims_option(opt):
    return ("mount option '%s'" % opt,
            lambda f: opt in (feature(f, "mountOptions") or []))


def claims_idmap():
    return ("idmapped mounts", lambda f: bool(
        feature(f, "linux", "mountExtensions", "idmap", "enabled")
        or "idmap" in (feature(f, "mountOptions") or [])))


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


# ---------------------------------------------------------------- schemas

_validators = {}


def _validator(schema_file):
    if schema_file in _validators:
        return _validators[schema_file]
    import jsonschema

    base = "file://" + os.path.abspath(SCHEMA_DIR) + "/"
    docs = {}
    for name in os.listdir(SCHEMA_DIR):
        if name.endswith(".json"):
            with open(os.path.join(SCHEMA_DIR, name)) as f:
                docs[base + name] = json.load(f)
    root = {"$ref": base + schema_file}
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4
    except ImportError:
        # jsonschema before 4.18 (Debian 12's python3-jsonschema 4.10)
        resolver = jsonschema.RefResolver(base, root, store=docs)
        v = jsonschema.Draft4Validator(root, resolver=resolver)
    else:
        reg = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT4))
            for uri, doc in docs.items())
        v = jsonschema.Draft4Validator(root, registry=reg)
    _validators[schema_file] = v
    return v


def schema_errors(schema_file, doc):
    """List of 'path: message' strings, empty when DOC is valid."""
    v = _validator(schema_file)
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    return ["/".join(str(p) for p in e.path) + ": " + e.message for e in errs]


# ---------------------------------------------------------------- config

DEFAULT_CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL",
    "CAP_AUDIT_WRITE", "CAP_SYS_CHROOT",
]


def default_config():
    """A minimal Linux config.json for a busybox rootfs at 'rootfs'."""
    caps = list(DEFAULT_CAPS)
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh", "-c", "true"],
            "env": ["PATH=/bin:/usr/bin:/sbin", "TERM=dumb"],
            "cwd": "/",
            "capabilities": {
                "bounding": caps, "effective": list(caps), "permitted": list(caps),
            },
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": "conformance",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
        ],
        "linux": {
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
        },
    }


# ---------------------------------------------------------------- processes

class Result:
    def __init__(self, rc, out, err, argv):
        self.rc, self.out, self.err, self.argv = rc, out, err, argv

    def describe(self):
        return "'%s' exited %s; stdout %r; stderr %r" % (
            " ".join(self.argv), self.rc, self.out[-400:], self.err[-400:])


def run_cmd(argv, timeout=CMD_TIMEOUT, stdin=None, input_text=None, env=None, cwd=None,
            out_path=None, err_path=None):
    """Run ARGV with stdout and stderr to files (never pipes: a container
    that inherits them must not block us); kill its process group after
    TIMEOUT seconds.  Returns a Result."""
    tmp = tempfile.mkdtemp(prefix="ouconf-io-")
    try:
        op = out_path or os.path.join(tmp, "out")
        ep = err_path or os.path.join(tmp, "err")
        with open(op, "ab") as o, open(ep, "ab") as e:
            start_o, start_e = o.tell(), e.tell()
            if input_text is not None:
                inp = subprocess.PIPE
            else:
                inp = stdin if stdin is not None else subprocess.DEVNULL
            p = subprocess.Popen(argv, stdin=inp, stdout=o, stderr=e, env=env, cwd=cwd,
                                 start_new_session=True)
            try:
                p.communicate(input=input_text.encode() if input_text is not None else None,
                              timeout=timeout)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                p.wait()
                rc = "timeout(%ss)" % timeout
        return Result(rc, _read_from(op, start_o), _read_from(ep, start_e), argv)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_from(path, off):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read().decode(errors="replace")


def wait_for(fn, timeout=10, interval=0.05):
    """Poll FN until it returns a true value; returns it, or None on timeout."""
    end = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > end:
            return None
        time.sleep(interval)


def mountinfo_of(path="/proc/self/mountinfo"):
    """Parsed mountinfo lines: dicts with mnt, opts, optional, fstype, src, sopts."""
    res = []
    with open(path) as f:
        for line in f:
            res.append(parse_mountinfo_line(line))
    return res


def parse_mountinfo_line(line):
    parts = line.split()
    sep = parts.index("-")
    return {
        "id": parts[0], "parent": parts[1], "root": parts[3],
        "mnt": parts[4].replace("\\040", " "), "opts": parts[5].split(","),
        "optional": parts[6:sep], "fstype": parts[sep + 1],
        "src": parts[sep + 2], "sopts": parts[sep + 3].split(",") if len(parts) > sep + 3 else [],
    }


def host_ns(kind):
    return os.readlink("/proc/self/ns/" + kind)


# ---------------------------------------------------------------- context

class Ctx:
    """One check's bundle, state dir and containers."""

    def __init__(self, runtime, features):
        self.runtime = runtime
        self.features = features
        self.tmp = tempfile.mkdtemp(prefix="ouconf-")
        os.chmod(self.tmp, 0o755)
        self.root = os.path.join(self.tmp, "state")
        self.bundle = os.path.join(self.tmp, "bundle")
        self.rootfs = os.path.join(self.bundle, "rootfs")
        self.logs = os.path.join(self.tmp, "logs")
        os.makedirs(self.logs)
        os.makedirs(self.bundle)
        r = run_cmd(["sh", MKROOTFS, self.rootfs], timeout=30)
        if r.rc != 0:
            raise Skip("host: cannot build the busybox rootfs: " + r.describe())
        self.config = default_config()
        self.ids = []
        self.cleanups = []
        self.holders = []

    # configuration
    def script(self, text):
        self.config["process"]["args"] = ["sh", "-c", text]

    def write_config(self, config=None, bundle=None):
        with open(os.path.join(bundle or self.bundle, "config.json"), "w") as f:
            json.dump(self.config if config is None else config, f, indent=1)

    def new_id(self):
        cid = "oc" + uuid.uuid4().hex[:12]
        self.ids.append(cid)
        return cid

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    # runtime commands
    def rt(self, *args, timeout=CMD_TIMEOUT, **kw):
        return run_cmd([self.runtime, "--root", self.root] + list(args), timeout=timeout, **kw)

    def out_path(self, cid):
        return os.path.join(self.logs, cid + ".out")

    def err_path(self, cid):
        return os.path.join(self.logs, cid + ".err")

    def create(self, cid=None, write=True, bundle=None, extra=()):
        """runtime create; the container's stdio goes to logs/ID.out, .err."""
        if write:
            self.write_config(bundle=bundle)
        cid = cid or self.new_id()
        if cid not in self.ids:
            self.ids.append(cid)
        r = self.rt("create", "--bundle", bundle or self.bundle, *extra, cid,
                    out_path=self.out_path(cid), err_path=self.err_path(cid))
        r.cid = cid
        return r

    def must_create(self, **kw):
        r = self.create(**kw)
        expect(r.rc == 0, "create failed: " + r.describe())
        return r.cid

    def start(self, cid):
        return self.rt("start", cid, out_path=self.path("logs", cid + ".start.out"))

    def must_start(self, cid):
        r = self.start(cid)
        expect(r.rc == 0, "start failed: " + r.describe())

    def state(self, cid):
        """Parsed state JSON, or None when the command fails."""
        r = self.rt("state", cid)
        if r.rc != 0:
            return None
        try:
            return json.loads(r.out)
        except ValueError:
            raise Fail("state output is not JSON: %r" % r.out[:300])

    def must_state(self, cid):
        r = self.rt("state", cid)
        expect(r.rc == 0, "state failed: " + r.describe())
        try:
            return json.loads(r.out)
        except ValueError:
            raise Fail("state output is not JSON: %r" % r.out[:300])

    def wait_status(self, cid, status, timeout=10):
        st = wait_for(lambda: (lambda s: s if s and s.get("status") == status else None)(
            self.state(cid)), timeout)
        if st is None:
            raise Fail("container did not reach status '%s' in %ss (last state %r)" % (
                status, timeout, self.state(cid)))
        return st

    def output(self, cid):
        with open(self.out_path(cid), errors="replace") as f:
            return f.read()

    def kill(self, cid, sig="KILL"):
        return self.rt("kill", cid, sig)

    def delete(self, cid, force=False):
        return self.rt("delete", *(["--force"] if force else []), cid)

    def run(self, timeout=CMD_TIMEOUT):
        """create + start + wait for stopped, then delete: returns
        (create Result, container stdout, container stderr).  The create
        result's rc is non-zero when create failed."""
        r = self.create()
        if r.rc != 0:
            return r, "", ""
        cid = r.cid
        s = self.start(cid)
        if s.rc != 0:
            raise Fail("start failed: " + s.describe())
        end = time.time() + timeout
        while True:
            st = self.state(cid)
            if st is None or st.get("status") == "stopped":
                break
            if time.time() > end:
                raise Fail("container did not stop within %ss; stdout %r" % (
                    timeout, self.output(cid)[-300:]))
            time.sleep(0.05)
        out = self.output(cid)
        with open(self.err_path(cid), errors="replace") as f:
            err = f.read()
        self.delete(cid, force=True)
        return r, out, err

    def must_run(self, timeout=CMD_TIMEOUT):
        """Run the container; fail when create fails; return its stdout."""
        r, out, err = self.run(timeout)
        expect(r.rc == 0, "create failed: " + r.describe())
        return out

    def cleanup(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:
                pass
        for cid in self.ids:
            try:
                if self.state(cid) is not None:
                    self.rt("delete", "--force", cid, timeout=15)
            except Exception:
                pass
        for p in self.holders:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass
        umount_under(self.tmp)
        remove_cgroups(self.ids)
        shutil.rmtree(self.tmp, ignore_errors=True)


def remove_cgroups(names):
    """rmdir the empty cgroups a runtime made for NAMES at the default
    place (a runtime killed by a timeout cannot remove them itself)."""
    base = "/sys/fs/cgroup"
    try:
        dirs = [base] + [os.path.join(base, d) for d in os.listdir(base)]
    except OSError:
        return
    for d in dirs:
        for n in names:
            p = os.path.join(d, n)
            if os.path.isdir(p) and not os.path.islink(d):
                try:
                    os.rmdir(p)
                except OSError:
                    pass


def umount_under(top):
    try:
        mounts = [m["mnt"] for m in mountinfo_of() if m["mnt"].startswith(top + "/")
                  or m["mnt"] == top]
    except OSError:
        return
    for m in sorted(set(mounts), key=len, reverse=True):
        subprocess.run(["umount", "-l", m], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10)


def deepcopy(x):
    return copy.deepcopy(x)
