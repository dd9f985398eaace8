"""Shared helpers for the e2e test files: a TestCase with a registry and a daemon,
parsers for the CLI's outputs, and lookups of extracted files in the data root."""

import json
import os
import re
import stat
import unittest

import fixtures
import harness


def require_binaries():
    missing = [p for p in (harness.berthd_path(), harness.berth_path()) if not os.path.exists(p)]
    if missing:
        raise AssertionError("binaries not built: %s (bazel build //engine:berthd //cli:berth)"
                             % ", ".join(missing))


class E2ETest(unittest.TestCase):
    """One registry (mode REGISTRY_MODE) and one daemon for the whole class."""

    REGISTRY_MODE = "plain"
    DAEMON_ARGS = ()

    @classmethod
    def setUpClass(cls):
        require_binaries()
        cls.registry = harness.Registry(cls.REGISTRY_MODE)
        cls.addClassCleanup(cls.registry.close)
        cls.reg = cls.registry.client()
        cls.daemon = harness.Daemon(extra_args=cls.DAEMON_ARGS)
        cls.addClassCleanup(cls.daemon.close)

    def berth(self, *args, **kw):
        """Runs the CLI and asserts success; returns stdout."""
        return self.daemon.cli_ok(*args, **kw)

    def berth_fails(self, *args, **kw):
        """Runs the CLI and asserts failure; returns stderr."""
        rc, out, err = self.daemon.cli(*args, **kw)
        self.assertNotEqual(rc, 0, "berth %s unexpectedly succeeded:\n%s%s" % (args, out, err))
        return err

    def images_json(self, *extra):
        return parse_json_lines(self.berth("images", "--format", "json", *extra))

    def listed_refs(self):
        return {"%s:%s" % (i["Repository"], i["Tag"]) for i in self.images_json()}

    def inspect(self, ref):
        out = json.loads(self.berth("image", "inspect", ref))
        self.assertIsInstance(out, list)
        self.assertEqual(len(out), 1)
        return out[0]

    def prune_all(self):
        return self.berth("image", "prune", "-a", "-f")

    def assertPulled(self, out, ref_shown=None):
        self.assertRegex(out, r"Digest: sha256:[0-9a-f]{64}")
        self.assertIn("Status: Downloaded newer image for", out)


def parse_json_lines(text):
    """`--format json` output: one JSON object per line (Docker) or one JSON array."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def parse_table(text):
    """A Docker-style table (columns separated by 2+ spaces) as a list of dicts."""
    lines = [l for l in text.splitlines() if l.strip()]
    if not lines:
        return []
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=\s\s))\S", header)]
    names = [header[s:e].strip() for s, e in zip(starts, starts[1:] + [None])]
    rows = []
    for l in lines[1:]:
        cells = [l[s:e].strip() if s < len(l) else "" for s, e in zip(starts, starts[1:] + [None])]
        rows.append(dict(zip(names, cells)))
    return rows


def find_named(root, name):
    """Every path under `root` (no symlink following) whose basename is `name`."""
    hits = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            if n == name:
                hits.append(os.path.join(dirpath, n))
    return hits


def find_file_with(root, name, content):
    """The first regular file named `name` under `root` holding exactly `content`."""
    for p in find_named(root, name):
        st = os.lstat(p)
        if stat.S_ISREG(st.st_mode) and st.st_size == len(content):
            with open(p, "rb") as f:
                if f.read() == content:
                    return p
    return None


def files_containing(root, needles):
    """Paths under `root` whose name contains any of `needles` (e.g. blob hex digests)."""
    hits = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            if any(x in n for x in needles):
                hits.append(os.path.join(dirpath, n))
    return hits


def hexes(image):
    """Hex digests of an image's blobs (layers and config)."""
    return [l.digest.split(":")[1] for l in image.layers] + [image.config_digest.split(":")[1]]


def short_id(image):
    return image.id.split(":")[1][:12]


def main():
    unittest.main(verbosity=2)


__all__ = ["E2ETest", "parse_json_lines", "parse_table", "find_named", "find_file_with",
           "files_containing", "hexes", "short_id", "fixtures", "harness", "main"]
