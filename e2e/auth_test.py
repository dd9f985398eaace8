"""End-to-end: login / logout and authenticated pull / push, with htpasswd Basic auth
and with Bearer tokens from the harness's token server."""

import base64
import json
import os

import base
from base import E2ETest, fixtures, harness


class AuthTests:
    """Mixed into one TestCase per registry mode."""

    def setUp(self):
        self.prune_all()
        # Start every test logged out.
        self.daemon.cli("logout", self.H)

    @classmethod
    def setUpClass(cls):
        super(AuthTests, cls).setUpClass()
        cls.H = cls.registry.host
        cls.user, cls.password = next(iter(cls.registry.users.items()))
        cls.image = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=41))
        cls.image.push(cls.reg, "private/app", "v1")
        cls.ref = "%s/private/app:v1" % cls.H

    def config_json(self):
        path = os.path.join(self.daemon.config_dir, "config.json")
        if not os.path.exists(path):
            return {}
        with open(path) as f:
            return json.load(f)

    def auth_entry(self):
        return self.config_json().get("auths", {}).get(self.H)

    def login(self, *extra):
        return self.berth("login", "-u", self.user, "-p", self.password, *extra, self.H)

    def test_login_logout(self):
        out = self.login()
        self.assertIn("Login Succeeded", out)
        entry = self.auth_entry()
        self.assertIsNotNone(entry, self.config_json())
        self.assertEqual(base64.b64decode(entry["auth"]).decode(),
                         "%s:%s" % (self.user, self.password))
        mode = os.stat(os.path.join(self.daemon.config_dir, "config.json")).st_mode & 0o777
        self.assertEqual(mode & 0o077, 0, "config.json readable by others: %o" % mode)
        out = self.berth("logout", self.H)
        self.assertIn("Removing login credentials for " + self.H, out)
        self.assertIsNone(self.auth_entry())

    def test_login_password_stdin(self):
        out = self.berth("login", "-u", self.user, "--password-stdin", self.H,
                         input=self.password + "\n")
        self.assertIn("Login Succeeded", out)
        self.assertIsNotNone(self.auth_entry())

    def test_login_wrong_password(self):
        rc, out, err = self.daemon.cli("login", "-u", self.user, "-p", "wrong-password", self.H)
        self.assertNotEqual(rc, 0)
        self.assertIn("Error response from daemon", err)
        self.assertIn("unauthorized", err.lower())
        self.assertNotIn("Login Succeeded", out)
        self.assertIsNone(self.auth_entry())

    def test_login_unknown_user(self):
        rc, _, err = self.daemon.cli("login", "-u", "mallory", "-p", "x", self.H)
        self.assertNotEqual(rc, 0)
        self.assertIn("unauthorized", err.lower())

    def test_pull_without_credentials_fails(self):
        rc, _, err = self.daemon.cli("pull", self.ref)
        self.assertNotEqual(rc, 0)
        self.assertIn("Error response from daemon", err)
        self.assertTrue(any(w in err.lower() for w in ("unauthorized", "authentication required",
                                                        "no basic auth credentials", "denied")),
                        err)
        self.assertEqual(self.images_json(), [])

    def test_pull_and_push_after_login(self):
        self.login()
        out = self.berth("pull", self.ref)
        self.assertIn("Downloaded newer image", out)
        self.assertEqual(self.inspect(self.ref)["Id"], self.image.id)
        dst = "%s/private/copy:v2" % self.H
        self.berth("tag", self.ref, dst)
        out = self.berth("push", dst)
        self.assertRegex(out, r"v2: digest: sha256:[0-9a-f]{64}")
        info = fixtures.skopeo_inspect(self.registry, "private/copy", "v2")
        self.assertEqual(info["Layers"], [l.digest for l in self.image.layers])

    def test_credentials_from_hand_written_config_json(self):
        cfg = harness.make_tempdir()
        self.addCleanup(fixtures.rmtree, cfg)
        auth = base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode()
        with open(os.path.join(cfg, "config.json"), "w") as f:
            json.dump({"auths": {self.H: {"auth": auth}}}, f)
        out = self.berth("pull", self.ref, config_dir=cfg)
        self.assertIn("Downloaded newer image", out)
        dst = "%s/private/handwritten:v3" % self.H
        self.berth("tag", self.ref, dst, config_dir=cfg)
        self.berth("push", dst, config_dir=cfg)
        self.assertEqual(fixtures.skopeo_inspect(self.registry, "private/handwritten", "v3")["Digest"],
                         self.image.digest)

    def test_wrong_credentials_in_config_json(self):
        cfg = harness.make_tempdir()
        self.addCleanup(fixtures.rmtree, cfg)
        auth = base64.b64encode(("%s:nope" % self.user).encode()).decode()
        with open(os.path.join(cfg, "config.json"), "w") as f:
            json.dump({"auths": {self.H: {"auth": auth}}}, f)
        rc, _, err = self.daemon.cli("pull", self.ref, config_dir=cfg)
        self.assertNotEqual(rc, 0)
        self.assertIn("Error response from daemon", err)
        self.assertEqual(self.images_json(), [])


class BasicAuthTest(AuthTests, E2ETest):
    REGISTRY_MODE = "basic"


class BearerAuthTest(AuthTests, E2ETest):
    REGISTRY_MODE = "token"

    def test_token_server_saw_scoped_requests(self):
        self.login()
        before = len(self.registry.token_server.requests)
        self.berth("pull", self.ref)
        seen = self.registry.token_server.requests[before:]
        self.assertTrue(seen, "no token requested for the pull")
        self.assertTrue(all(acct == self.user for acct, _ in seen), seen)
        scopes = [s for _, ss in seen for s in ss]
        self.assertIn("repository:private/app:pull", scopes)
        # Tokens are cached per scope: a handful of requests, not one per blob.
        self.assertLessEqual(len(seen), 3, seen)


if __name__ == "__main__":
    base.main()
