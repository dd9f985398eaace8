#!/usr/bin/python3
"""Builds a one-layer image from local files and pushes it to a registry over HTTP.

  tools/push_image.py --registry http://127.0.0.1:5000 --repo library/hello-world \
      --tag latest --file ./hello:/hello --cmd /hello

Uses the e2e fixture builders (e2e/fixtures.py): no Docker needed. Prints the
manifest digest.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import fixtures  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", required=True, help="http://HOST:PORT")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tag", default="latest")
    ap.add_argument("--file", action="append", default=[], metavar="SRC:DEST",
                    help="file to put at DEST in the image (mode kept)")
    ap.add_argument("--cmd", nargs="+", default=["/hello"])
    ap.add_argument("--oci", action="store_true", help="OCI media types (default Docker v2s2)")
    args = ap.parse_args()

    tar = fixtures.TarBuilder()
    dirs = set()
    for spec in args.file:
        src, dest = spec.split(":", 1)
        dest = dest.lstrip("/")
        parts = dest.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in dirs:
                tar.dir(d)
                dirs.add(d)
        with open(src, "rb") as f:
            tar.file(dest, f.read(), mode=os.stat(src).st_mode & 0o7777)
    image = fixtures.Image([fixtures.Layer(tar.bytes(), "gzip")], oci=args.oci, cmd=args.cmd,
                           env=["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                           labels={}, created="2024-01-01T00:00:00Z")
    client = fixtures.RegistryClient(args.registry)
    print(image.push(client, args.repo, args.tag))


if __name__ == "__main__":
    main()
