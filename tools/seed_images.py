#!/usr/bin/python3
"""Pushes Berth's own test images to a registry over HTTP.

  tools/seed_images.py --registry http://127.0.0.1:5000 [--image hello-world] [--image busybox]

hello-world is built here from a small static C program (gcc -static); busybox from
Debian's busybox-static. They are pushed as library/hello-world:latest and
library/busybox:latest (see e2e/testimages.py). Prints "NAME DIGEST" per image.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import fixtures  # noqa: E402
import testimages  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", required=True, help="http://HOST:PORT")
    ap.add_argument("--image", action="append", choices=["hello-world", "busybox"],
                    help="image to push (default: both)")
    args = ap.parse_args()
    client = fixtures.RegistryClient(args.registry)
    for name, digest in testimages.seed(client, args.image or ["hello-world", "busybox"]).items():
        print("library/%s:latest %s" % (name, digest))


if __name__ == "__main__":
    main()
