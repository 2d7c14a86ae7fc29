#!/usr/bin/env python3
"""Packs a root filesystem directory into an OCI image archive for
`ctr images import`: oci-layout, index.json, one image manifest, one image
config and one gzip'd tar layer, all under blobs/sha256/ by their digests.

    mkociarchive.py ROOTFS NAME OUT.tar [--cmd ARG ...]

NAME (e.g. docker.io/library/bb:1) goes into the index as the
io.containerd.image.name annotation, which ctr uses as the image name.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile
import time


def blob(store, data):
    """Stores DATA under its sha256 digest; returns (digest, size)."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    store[digest] = data
    return digest, len(data)


def layer_tar(rootfs):
    """The uncompressed tar of ROOTFS, entries relative to its top."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(os.listdir(rootfs)):
            tar.add(os.path.join(rootfs, name), arcname=name)
    return buf.getvalue()


def build(rootfs, name, cmd):
    store = {}
    raw = layer_tar(rootfs)
    gz = gzip.compress(raw, mtime=0)
    layer_digest, layer_size = blob(store, gz)
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    config = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": cmd,
            "WorkingDir": "/",
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    cfg_digest, cfg_size = blob(store, json.dumps(config).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": cfg_digest,
            "size": cfg_size,
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": layer_digest,
            "size": layer_size,
        }],
    }
    man_digest, man_size = blob(store, json.dumps(manifest).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": man_digest,
            "size": man_size,
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {
                "io.containerd.image.name": name,
                "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1],
            },
        }],
    }
    return store, index


def add_bytes(tar, path, data):
    info = tarfile.TarInfo(path)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rootfs")
    ap.add_argument("name")
    ap.add_argument("out")
    ap.add_argument("--cmd", nargs="+", default=["/bin/sh"])
    args = ap.parse_args()
    store, index = build(args.rootfs, args.name, args.cmd)
    with tarfile.open(args.out, mode="w") as tar:
        add_bytes(tar, "oci-layout",
                  json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_bytes(tar, "index.json", json.dumps(index).encode())
        for digest, data in sorted(store.items()):
            add_bytes(tar, "blobs/sha256/" + digest.split(":", 1)[1], data)


if __name__ == "__main__":
    main()
