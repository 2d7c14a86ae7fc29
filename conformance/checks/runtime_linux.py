"""Checks of runtime-linux.md (file descriptors, /dev symlinks) and the
terminal behaviour of config.md process.terminal, which needs the console
socket helper defined here."""

import os
import socket
import threading
import time

from lib import Fail, check, expect

D = "runtime-linux.md/"


@check(D + "file-descriptors/stdio-only",
       "by default only stdin, stdout and stderr are open in the process")
def _(ctx):
    ctx.script("sleep 3 & ls /proc/$!/fd; kill $!")
    out = ctx.must_run().split()
    expect(out == ["0", "1", "2"], "open fds in the container process: %s" % out)


def _devlink(name, target):
    def fn(ctx):
        ctx.script("readlink /dev/%s" % name)
        out = ctx.must_run().strip()
        expect(out == target, "/dev/%s -> %r, expected %s" % (name, out, target))
    return fn


for _n, _t in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
               ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
    check(D + "dev-symlinks/" + _n, "/dev/%s is a symlink to %s" % (_n, _t))(_devlink(_n, _t))


# ---------------------------------------------------------------- terminal

def _console_socket(path):
    """Listen on PATH; returns (thread, result dict) collecting the pty
    master's output."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(15)
    res = {"out": b"", "fd": None, "done": False}

    def loop():
        try:
            conn, _ = srv.accept()
            conn.settimeout(10)
            _, fds, _, _ = socket.recv_fds(conn, 4096, 4)
            conn.close()
            if not fds:
                return
            res["fd"] = fds[0]
            end = time.time() + 20
            while time.time() < end:
                try:
                    b = os.read(fds[0], 4096)
                except OSError:
                    break
                if not b:
                    break
                res["out"] += b
        except (OSError, socket.timeout):
            pass
        finally:
            res["done"] = True
            srv.close()
    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t, res


def with_terminal(ctx, script, size=None):
    """Run SCRIPT with process.terminal true through a console socket;
    returns what it printed on the terminal."""
    ctx.config["process"]["terminal"] = True
    if size:
        ctx.config["process"]["consoleSize"] = size
    ctx.script(script + "; sleep 0.3")
    sock = ctx.path("console.sock")
    t, res = _console_socket(sock)
    r = ctx.create(extra=["--console-socket", sock])
    expect(r.rc == 0, "create with terminal true failed: " + r.describe())
    ctx.must_start(r.cid)
    ctx.wait_status(r.cid, "stopped", timeout=20)
    t.join(10)
    if res["fd"] is None:
        raise Fail("no pty master received on the console socket")
    if not res["done"]:
        os.close(res["fd"])
        t.join(2)
    return res["out"].decode(errors="replace").replace("\r", "")


@check("config.md/process/terminal-true", "terminal true gives the process a pseudoterminal")
def _(ctx):
    out = with_terminal(ctx, "[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo is-a-tty || echo not-a-tty")
    expect("is-a-tty" in out, "terminal output %r" % out)


@check("config.md/process/consoleSize", "consoleSize sets the terminal size")
def _(ctx):
    out = with_terminal(ctx, "stty size", size={"height": 33, "width": 111})
    expect("33 111" in out, "stty size printed %r" % out)
