"""Checks of the `features` operation (features.md, features-linux.md)."""

import re

from lib import Skip, check, expect, schema_errors

D = "features.md/"


def _features(ctx):
    if ctx.features is None:
        note = getattr(ctx, "features_note", "")
        if "ociunion" in ctx.runtime:
            raise Skip("ociunion limitation L1 (features not implemented yet): " + note)
        raise Skip("the runtime has no features operation: " + note)
    return ctx.features


def _ver(v):
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", v or "")
    return tuple(int(x) for x in m.groups()) if m else None


@check(D + "schema", "features output matches schema/features-schema.json")
def _(ctx):
    f = _features(ctx)
    errs = schema_errors("features-schema.json", f)
    expect(not errs, "features does not match the schema: %s" % "; ".join(errs))


@check(D + "ociVersion-range", "ociVersionMin and ociVersionMax are versions, min <= max")
def _(ctx):
    f = _features(ctx)
    lo, hi = _ver(f.get("ociVersionMin")), _ver(f.get("ociVersionMax"))
    expect(lo and hi and lo <= hi, "ociVersionMin %r, ociVersionMax %r" % (
        f.get("ociVersionMin"), f.get("ociVersionMax")))


@check(D + "hooks", "features lists the six hook phases the runtime runs")
def _(ctx):
    f = _features(ctx)
    hooks = f.get("hooks")
    if hooks is None:
        raise Skip("features does not report hooks (the field is optional)")
    missing = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
               "poststop"} - set(hooks)
    expect(not missing, "hooks missing from features: %s" % sorted(missing))


@check(D + "mountOptions-claimed", "every mount option features claims is accepted by create")
def _(ctx):
    f = _features(ctx)
    opts = f.get("mountOptions")
    if not opts:
        raise Skip("features does not report mountOptions")
    bad = []
    for o in opts:
        if o in ("remount", "idmap", "ridmap", "tmpcopyup", "bind", "rbind") or (
                o.startswith("r") and o[1:] in opts):
            continue
        ctx.config["mounts"] = ctx.config["mounts"][:5] + [
            {"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": [o]}]
        ctx.script("true")
        r, _, _ = ctx.run()
        if r.rc != 0:
            bad.append("%s (%s)" % (o, r.err.strip()[-160:]))
    expect(not bad, "claimed options refused on a tmpfs: %s" % "; ".join(bad))
