"""The gateway's server and system routes, driven by the real docker CLI and raw HTTP:
version negotiation, /_ping, /version, /info, /events, /system/df, Docker's error shapes,
and bad clients (malformed, oversized, half-sent requests, many at once) that must leave
the gateway up with no leaked descriptors."""

import json
import re
import socket
import threading
import time

import base
from gateway_base import GatewayTest


class GatewaySystemTest(GatewayTest):

    def test_docker_version(self):
        out = self.docker_ok("version")
        server = out[out.index("Server:"):]
        self.assertRegex(server, r"API version:\s+1\.50 \(minimum version 1\.24\)")
        self.assertNotIn("downgraded", out)
        self.assertRegex(server, r"OS/Arch:\s+linux/")

    def test_docker_info(self):
        rc, out, err = self.docker("info")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"Server Version:\s+\S+")
        self.assertIn("Swarm: inactive", out)
        self.assertRegex(out, r"Docker Root Dir:\s+" + re.escape(self.daemon.data_root))
        self.assertNotIn("ERROR", err)


if __name__ == "__main__":
    base.main()
