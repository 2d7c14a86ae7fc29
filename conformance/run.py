#!/usr/bin/env python3
"""OCI runtime-spec conformance suite.

  run.py [--runtime PATH] [--filter REGEX] [--list] [-v]
      runs every check against PATH (default $RUNTIME, else ./ociunion)
      and prints TAP; exits 1 when a check fails.
  run.py [--runtime PATH] --log FILE --trs FILE
      also writes the TAP to the log FILE and automake's .trs result
      format (PASS, FAIL, SKIP per check) to the trs FILE, which
      tests/run-all.sh counts with the other tests.
  run.py --markdown [--runtime PATH ...]
      runs the checks against each runtime given (default ./ociunion and
      /usr/sbin/runc) and prints the results table of results.md.

Must run as root: the checks create real containers.
"""

import argparse
import json
import os
import re
import signal
import sys
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from checks import runtime, runtime_linux, config, config_linux, features  # noqa: E402,F401,I001

CHECK_TIMEOUT = 90
DOCS = ["runtime.md", "runtime-linux.md", "config.md", "config-linux.md", "features.md"]


class CheckTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CheckTimeout()


def load_features(runtime):
    """(dict or None, note): the runtime's features JSON."""
    r = lib.run_cmd([runtime, "features"], timeout=20)
    if r.rc != 0:
        return None, "'%s features' failed (exit %s): %s" % (runtime, r.rc, r.err.strip()[:200])
    try:
        return json.loads(r.out), ""
    except ValueError:
        return None, "'%s features' printed no JSON" % runtime


def run_one(c, runtime, feats, fnote):
    """('ok'|'fail'|'skip', detail)."""
    ctx = None
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CHECK_TIMEOUT)
    try:
        ctx = lib.Ctx(runtime, feats)
        ctx.features_note = fnote
        c["fn"](ctx)
        return "ok", ""
    except lib.Skip as e:
        return "skip", str(e)
    except lib.Fail as e:
        return unclaimed(c, runtime, feats, str(e))
    except CheckTimeout:
        return "fail", "check did not finish in %ss" % CHECK_TIMEOUT
    except Exception:
        return "fail", "check raised: " + traceback.format_exc(limit=3)
    finally:
        signal.alarm(0)
        if ctx is not None:
            signal.alarm(60)
            try:
                ctx.cleanup()
            except CheckTimeout:
                pass
            finally:
                signal.alarm(0)


def unclaimed(c, runtime, feats, detail):
    """A failure of an optional feature the runtime does not claim is a
    skip; anything else stays a failure."""
    if c["claim"] is None:
        return "fail", detail
    what, pred = c["claim"]
    key = c["limitation"]
    known = ""
    if key and "ociunion" in os.path.basename(runtime):
        known = "ociunion limitation %s: %s" % (key, lib.LIMITATIONS[key])
    if feats is not None:
        if pred(feats):
            return "fail", detail
        reason = "%s not claimed in the runtime's features output" % what
        if known:
            reason += "; " + known
        return "skip", "%s (%s)" % (reason, short_detail(detail))
    if known:
        return "skip", known + "; features unavailable to ask"
    return "fail", detail


def short_detail(detail):
    """The runtime's own error when a command failed, else the start of
    DETAIL, on one line."""
    d = " ".join(detail.split())
    i = d.find("; stderr ")
    if i >= 0:
        return "stderr " + d[i + len("; stderr "):][:300]
    return d[:300]


def selected(pattern):
    cs = lib.CHECKS
    if pattern:
        rx = re.compile(pattern)
        cs = [c for c in cs if rx.search(c["name"])]
    return cs


class Tee:
    """Standard output, copied to a log file."""

    def __init__(self, out, path):
        self.out = out
        self.log = open(path, "w")

    def write(self, text):
        self.out.write(text)
        self.log.write(text)

    def flush(self):
        self.out.flush()
        self.log.flush()


def write_trs(path, results):
    """automake's .trs of RESULTS: a failed check makes the suite fail."""
    kind = {"ok": "PASS", "fail": "FAIL", "skip": "SKIP"}
    bad = any(r == "fail" for _, r, _ in results)
    with open(path + ".tmp", "w") as f:
        for c, r, _ in results:
            f.write(":test-result: %s %s\n" % (kind[r], c["name"]))
        f.write(":global-test-result: %s\n" % ("FAIL" if bad else "PASS"))
        f.write(":recheck: %s\n" % ("yes" if bad else "no"))
        f.write(":copy-in-global-log: %s\n" % ("yes" if bad else "no"))
    os.rename(path + ".tmp", path)


def run_all(runtime, checks, tap=True, verbose=False):
    feats, fnote = load_features(runtime)
    results = []
    if tap:
        print("TAP version 13")
        print("# runtime: %s" % runtime)
        if feats is None:
            print("# features: not available: %s" % fnote)
        print("1..%d" % len(checks))
        sys.stdout.flush()
    for i, c in enumerate(checks, 1):
        t0 = time.time()
        res, detail = run_one(c, runtime, feats, fnote)
        results.append((c, res, detail))
        if not tap:
            print("%-4s %s" % (res, c["name"]), file=sys.stderr)
            continue
        if res == "ok":
            print("ok %d - %s" % (i, c["name"]))
        elif res == "skip":
            print("ok %d - %s # SKIP %s" % (i, c["name"], detail.replace("\n", " ")))
        else:
            print("not ok %d - %s" % (i, c["name"]))
            for line in detail.splitlines() or [""]:
                print("#   " + line)
        if verbose:
            print("#   (%.1fs) %s" % (time.time() - t0, c["text"]))
        sys.stdout.flush()
    return results


def markdown(runtimes, checks):
    cols = []
    for rt in runtimes:
        cols.append((rt, {c["name"]: (res, d) for c, res, d in run_all(rt, checks, tap=False)}))
    label = {"ok": "pass", "fail": "**fail**", "skip": "skip"}
    out = ["# Conformance results", "",
           "Generated by `conformance/run.py --markdown` on %s (kernel %s)." % (
               time.strftime("%Y-%m-%d"), os.uname().release),
           "Runtimes: " + ", ".join("`%s`" % r for r in runtimes) + ".", ""]
    out.append("| runtime | pass | fail | skip |")
    out.append("|---|---|---|---|")
    for rt, res in cols:
        n = {k: sum(1 for v in res.values() if v[0] == k) for k in label}
        out.append("| `%s` | %d | %d | %d |" % (rt, n["ok"], n["fail"], n["skip"]))
    out.append("")
    for doc in DOCS:
        rows = [c for c in checks if c["name"].startswith(doc + "/")]
        if not rows:
            continue
        out += ["## " + doc, ""]
        out.append("| requirement | level | " + " | ".join(
            os.path.basename(rt) for rt in runtimes) + " |")
        out.append("|---|---|" + "---|" * len(runtimes))
        for c in rows:
            cells = [label[res[c["name"]][0]] for _, res in cols]
            out.append("| `%s`: %s | %s | %s |" % (
                c["name"][len(doc) + 1:], c["text"].replace("|", "\\|"), c["level"],
                " | ".join(cells)))
        out.append("")
    for rt, res in cols:
        out += ["## Failures and skips of `%s`" % rt, ""]
        for c in checks:
            r, d = res[c["name"]]
            if r != "ok":
                d = " ".join(d.split())
                out.append("- %s `%s`: %s" % (r, c["name"], d[:600].replace("|", "\\|")))
        out.append("")
    print("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description="OCI runtime-spec conformance suite")
    ap.add_argument("--runtime", action="append", help="runtime binary (repeatable with --markdown)")
    ap.add_argument("--filter", help="run only checks whose name matches this regex")
    ap.add_argument("--list", action="store_true", help="list the checks")
    ap.add_argument("--markdown", action="store_true", help="print the results.md table")
    ap.add_argument("--log", help="also write the TAP output to this file")
    ap.add_argument("--trs", help="write the results in automake's .trs format to this file")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    checks = selected(a.filter)
    if a.list:
        for c in checks:
            print("%-60s %-6s %s" % (c["name"], c["level"], c["text"]))
        return 0
    if os.geteuid() != 0:
        print("Bail out! the conformance suite needs root")
        return 1
    default = os.environ.get("RUNTIME") or os.path.abspath("ociunion")
    if a.markdown:
        markdown(a.runtime or [default, "/usr/sbin/runc"], checks)
        return 0
    rt = (a.runtime or [default])[0]
    if not os.access(rt, os.X_OK):
        print("Bail out! runtime '%s' is not executable" % rt)
        return 1
    if a.log:
        sys.stdout = Tee(sys.stdout, a.log)
    results = run_all(os.path.abspath(rt) if os.sep in rt else rt, checks, verbose=a.verbose)
    nfail = sum(1 for _, r, _ in results if r == "fail")
    nskip = sum(1 for _, r, _ in results if r == "skip")
    print("# %d checks: %d passed, %d failed, %d skipped" % (
        len(results), len(results) - nfail - nskip, nfail, nskip))
    sys.stdout.flush()
    if a.trs:
        write_trs(a.trs, results)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
