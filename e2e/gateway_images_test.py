"""End-to-end: the gateway's image and registry routes driven by the real docker CLI.

docker pull (progress lines, up to date, missing tag), images (table, -q, --digests,
--format json, --filter dangling=true), image inspect, history, tag, rmi (Untagged and
Deleted lines, conflicts, unknown images), image prune (-f, -a), push to a second
registry and pull back, login / logout against an htpasswd registry with an
authenticated push and pull, and the API's answers to invalid references and to the
operations the engine does not have (save, load, search, import).
"""

import json
import os
import re

import base
from base import fixtures, harness
from gateway_base import GatewayTest

HEX64 = r"[0-9a-f]{64}"


class GatewayImagesTest(GatewayTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = harness.Registry("plain")
        cls.addClassCleanup(cls.other.close)
        cls.other_client = cls.other.client()
        cls.private = harness.Registry("basic")
        cls.addClassCleanup(cls.private.close)
        cls.user, cls.password = next(iter(cls.private.users.items()))

    # -- helpers ----------------------------------------------------------------

    def ensure_pulled(self, ref):
        self.docker_ok("pull", "-q", ref)

    def ensure_absent(self, *refs):
        for ref in refs:
            self.docker("rmi", "-f", ref)

    def image_ids(self, *extra):
        return self.docker_ok("images", "-q", "--no-trunc", *extra).split()

    def images_rows(self, *extra):
        return base.parse_json_lines(self.docker_ok("images", "--format", "json", *extra))

    # -- pull -------------------------------------------------------------------

    def test_pull_shows_dockers_progress_then_images_lists_it(self):
        self.ensure_absent("busybox")
        out = self.docker_ok("pull", "busybox")
        lines = out.splitlines()
        self.assertEqual(lines[0], "Using default tag: latest", out)
        self.assertEqual(lines[1], "latest: Pulling from library/busybox", out)
        self.assertRegex(out, r"(?m)^[0-9a-f]{12}: Pull complete$")
        self.assertRegex(out, r"(?m)^Digest: sha256:%s$" % HEX64)
        self.assertIn("Status: Downloaded newer image for busybox:latest", lines)
        self.assertEqual(lines[-1], "docker.io/library/busybox:latest")
        # Byte-count updates are for terminals only; a pipe never sees them.
        self.assertNotIn("Downloading", out)

        out = self.docker_ok("pull", "busybox:latest")
        self.assertIn("Status: Image is up to date for busybox:latest", out.splitlines())

        rows = base.parse_table(self.docker_ok("images"))
        self.assertIn(("busybox", "latest"), [(r["REPOSITORY"], r["TAG"]) for r in rows])
        row = next(r for r in rows if r["REPOSITORY"] == "busybox")
        self.assertRegex(row["IMAGE ID"], r"^[0-9a-f]{12}$")
        self.assertRegex(row["CREATED"], r"ago$")

    def test_pull_of_a_missing_tag_fails_like_docker(self):
        ref = "%s/team/missing:nosuchtag" % self.other.host
        fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=61)).push(
            self.other_client, "team/missing", "v1")
        rc, out, err = self.docker_fails("pull", ref)
        self.assertEqual(rc, 1)
        self.assertEqual(err.strip(), "Error response from daemon: manifest for %s not found: "
                         "manifest unknown: manifest unknown" % ref)
        self.assertNotIn("nosuchtag", self.docker_ok("images"))

    def test_pull_error_after_the_stream_began_is_an_error_detail(self):
        # The manifest resolves (the stream starts) but a layer is gone from the registry.
        image = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=91))
        image.push(self.other_client, "team/broken", "v1")
        layer = image.layers[-1].digest
        self.other_client.request("DELETE", "/v2/team/broken/blobs/%s" % layer,
                                  repo="team/broken", actions="*")
        ref = "%s/team/broken:v1" % self.other.host
        rc, out, err = self.docker_fails("pull", ref)
        self.assertEqual(rc, 1)
        self.assertIn("v1: Pulling from team/broken", out)
        # A stream error prints as its message alone, without "Error response from daemon".
        self.assertTrue(err.strip(), err)
        self.assertNotIn("Error response from daemon", err)
        self.assertNotIn(image.id, self.image_ids())

        # docker-py reads the stream, then finds no image.
        import docker
        with self.assertRaises(docker.errors.ImageNotFound):
            self.dockerpy().images.pull("%s/team/broken" % self.other.host, tag="v1")

    def test_pull_of_a_missing_repository_fails(self):
        rc, _, err = self.docker_fails("pull", "nosuchrepo/nosuchimage")
        self.assertEqual(rc, 1)
        self.assertIn("Error response from daemon:", err)

    # -- images -----------------------------------------------------------------

    def test_images_formats_and_filters(self):
        self.ensure_pulled("busybox")
        inspect = json.loads(self.docker_ok("image", "inspect", "busybox"))[0]
        image_id = inspect["Id"]
        self.assertIn(image_id, self.image_ids())
        self.assertIn(image_id.split(":")[1][:12], self.docker_ok("images", "-q").split())

        rows = self.images_rows()
        row = next(r for r in rows if r["Repository"] == "busybox")
        self.assertEqual(row["Tag"], "latest")
        self.assertEqual(row["ID"], image_id.split(":")[1][:12])
        self.assertRegex(row["Size"], r"^[0-9.]+[kMG]?B$")

        table = base.parse_table(self.docker_ok("images", "--digests", "busybox"))
        self.assertEqual(len(table), 1, table)
        self.assertRegex(table[0]["DIGEST"], r"^sha256:%s$" % HEX64)
        self.assertEqual(inspect["RepoDigests"], ["busybox@" + table[0]["DIGEST"]])

        out = self.docker_ok("images", "--filter", "dangling=true")
        self.assertEqual(out.splitlines()[0].split(), ["REPOSITORY", "TAG", "IMAGE", "ID",
                                                       "CREATED", "SIZE"])
        self.assertNotIn("busybox", out)
        self.assertIn("busybox", self.docker_ok("images", "--filter", "reference=busy*"))
        self.assertNotIn("busybox", self.docker_ok("images", "--filter", "reference=nomatch*"))
        rc, _, err = self.docker_fails("images", "--filter", "nosuchfilter=1")
        self.assertIn("Error response from daemon: invalid filter 'nosuchfilter'", err)

    def test_image_inspect_and_history(self):
        self.ensure_pulled("busybox")
        doc = json.loads(self.docker_ok("image", "inspect", "docker.io/library/busybox:latest"))
        self.assertEqual(len(doc), 1)
        img = doc[0]
        self.assertRegex(img["Id"], r"^sha256:%s$" % HEX64)
        self.assertIn("busybox:latest", img["RepoTags"])
        self.assertEqual(img["Os"], "linux")
        self.assertEqual(img["RootFS"]["Type"], "layers")
        self.assertEqual(self.docker_ok("image", "inspect", "-f", "{{.Id}}",
                                        img["Id"][7:19]).strip(), img["Id"])

        rc, out, err = self.docker_fails("image", "inspect", "nosuch")
        self.assertEqual(rc, 1)
        self.assertIn("No such image: nosuch:latest", err)

        out = self.docker_ok("history", "busybox")
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["IMAGE", "CREATED", "CREATED", "BY", "SIZE",
                                            "COMMENT"])
        self.assertGreater(len(lines), 1)
        self.assertTrue(lines[1].startswith(img["Id"][7:19]), out)
        entries = base.parse_json_lines(self.docker_ok("history", "--format", "json",
                                                       "--no-trunc", "busybox"))
        self.assertEqual(entries[0]["ID"], img["Id"])
        rc, _, err = self.docker_fails("history", "nosuch")
        self.assertIn("No such image: nosuch:latest", err)

    # -- tag and rmi ------------------------------------------------------------

    def test_tag_then_rmi_untags(self):
        self.ensure_pulled("busybox")
        self.ensure_absent("myrepo/app:v1")
        self.assertEqual(self.docker_ok("tag", "busybox", "myrepo/app:v1"), "")
        rows = base.parse_table(self.docker_ok("images", "myrepo/app"))
        self.assertEqual([(r["REPOSITORY"], r["TAG"]) for r in rows], [("myrepo/app", "v1")])
        busybox_id = self.docker_ok("image", "inspect", "-f", "{{.Id}}", "busybox").strip()
        self.assertEqual(self.docker_ok("image", "inspect", "-f", "{{.Id}}",
                                        "myrepo/app:v1").strip(), busybox_id)

        out = self.docker_ok("rmi", "myrepo/app:v1")
        self.assertEqual(out.strip(), "Untagged: myrepo/app:v1")
        self.assertIn("busybox", self.docker_ok("images"))

        rc, _, err = self.docker_fails("rmi", "nosuch")
        self.assertEqual(rc, 1)
        self.assertIn("Error response from daemon: No such image: nosuch:latest", err)
        rc, _, err = self.docker_fails("tag", "nosuch", "other:1")
        self.assertIn("No such image: nosuch:latest", err)

    def test_rmi_of_the_last_tag_deletes_the_image(self):
        self.ensure_absent("hello-world")
        self.ensure_pulled("hello-world")
        image_id = self.docker_ok("image", "inspect", "-f", "{{.Id}}", "hello-world").strip()
        out = self.docker_ok("rmi", "hello-world")
        self.assertIn("Untagged: hello-world:latest", out.splitlines())
        self.assertIn("Deleted: " + image_id, out.splitlines())
        self.assertNotIn(image_id, self.image_ids())

    def test_rmi_of_an_image_in_use_is_a_conflict(self):
        # An image with a single name, so that the container holds the last reference.
        image = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=81))
        image.push(self.other_client, "inuse/app", "v1")
        ref = "%s/inuse/app:v1" % self.other.host
        self.docker_ok("pull", "-q", ref)
        cid = self.berth("create", ref).strip()
        self.addCleanup(self.daemon.cli, "rm", "-f", cid)
        rc, _, err = self.docker_fails("rmi", ref)
        self.assertEqual(rc, 1)
        self.assertEqual(err.strip(), "Error response from daemon: conflict: unable to remove "
                         "repository reference \"%s\" (must force) - container %s is using its "
                         "referenced image %s" % (ref, cid[:12], image.id[7:19]))
        self.assertIn(image.id, self.image_ids())
        out = self.docker_ok("rmi", "-f", ref)
        self.assertIn("Untagged: " + ref, out.splitlines())

    # -- prune ------------------------------------------------------------------

    def test_prune_dangling_then_all(self):
        # Make a dangling image: pull one image under a tag, then move the tag.
        repo = "%s/dangle/app" % self.other.host
        first = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=71))
        second = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=72))
        first.push(self.other_client, "dangle/app", "v1")
        self.docker_ok("pull", repo + ":v1")
        second.push(self.other_client, "dangle/app", "v1")
        self.docker_ok("pull", repo + ":v1")

        dangling = self.image_ids("--filter", "dangling=true")
        self.assertEqual(dangling, [first.id])
        rows = base.parse_table(self.docker_ok("images", "--filter", "dangling=true"))
        # Its repository still shows, from the RepoDigests, as with dockerd.
        self.assertEqual([r["TAG"] for r in rows], ["<none>"])

        out = self.docker_ok("image", "prune", "-f")
        self.assertIn("Deleted Images:", out)
        self.assertIn("deleted: " + first.id, out)
        self.assertRegex(out, r"Total reclaimed space: [0-9.]+[kMG]?B")
        self.assertEqual(self.image_ids("--filter", "dangling=true"), [])
        self.assertIn(second.id, self.image_ids())

        out = self.docker_ok("image", "prune", "-f")
        self.assertEqual(out.strip(), "Total reclaimed space: 0B")

        out = self.docker_ok("image", "prune", "-a", "-f")
        self.assertIn("untagged: %s:v1" % repo, out)
        self.assertIn("deleted: " + second.id, out)
        self.assertNotIn(second.id, self.image_ids())

    # -- push -------------------------------------------------------------------

    def test_push_to_a_local_registry_and_pull_back(self):
        self.ensure_pulled("busybox")
        ref = "%s/team/app:v1" % self.other.host
        self.docker_ok("tag", "busybox", ref)
        out = self.docker_ok("push", ref)
        lines = out.splitlines()
        self.assertEqual(lines[0], "The push refers to repository [%s/team/app]"
                         % self.other.host, out)
        self.assertRegex(out, r"(?m)^[0-9a-f]{12}: (Pushed|Layer already exists)$")
        m = re.search(r"(?m)^v1: digest: (sha256:%s) size: (\d+)$" % HEX64, out)
        self.assertIsNotNone(m, out)
        info = fixtures.skopeo_inspect(self.other, "team/app", "v1")
        self.assertEqual(info["Digest"], m.group(1))

        # A second push finds every layer there already.
        out = self.docker_ok("push", ref)
        self.assertRegex(out, r"(?m)^[0-9a-f]{12}: Layer already exists$")

        image_id = self.docker_ok("image", "inspect", "-f", "{{.Id}}", "busybox").strip()
        self.docker_ok("rmi", ref)
        out = self.docker_ok("pull", ref)
        self.assertIn("Digest: " + m.group(1), out)
        self.assertEqual(self.docker_ok("image", "inspect", "-f", "{{.Id}}", ref).strip(),
                         image_id)

        rc, _, err = self.docker_fails("push", "%s/team/nosuch:v1" % self.other.host)
        self.assertIn("Error response from daemon: An image does not exist locally with the "
                      "tag: %s/team/nosuch" % self.other.host, err)

    # -- login ------------------------------------------------------------------

    def test_login_push_pull_logout_with_an_htpasswd_registry(self):
        host = self.private.host
        rc, out, err = self.docker("login", "-u", self.user, "--password-stdin", host,
                                   input="wrong-password\n")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Error response from daemon:", err)
        self.assertIn("unauthorized", err.lower())

        out = self.docker_ok("login", "-u", self.user, "--password-stdin", host,
                             input=self.password + "\n")
        self.assertIn("Login Succeeded", out)

        # The CLI now sends the stored credentials as X-Registry-Auth.
        self.ensure_pulled("busybox")
        ref = "%s/private/app:v1" % host
        self.docker_ok("tag", "busybox", ref)
        out = self.docker_ok("push", ref)
        self.assertRegex(out, r"(?m)^v1: digest: sha256:%s size: \d+$" % HEX64)
        self.docker_ok("rmi", ref)
        out = self.docker_ok("pull", ref)
        self.assertIn("Status: Downloaded newer image for %s" % ref, out)

        out = self.docker_ok("logout", host)
        self.assertIn("Removing login credentials for " + host, out)
        self.docker_ok("rmi", ref)

    # -- what the API refuses ---------------------------------------------------

    def test_invalid_references_and_unsupported_operations(self):
        status, _, body = self.api_json(
            "POST", "/v1.50/images/create?fromImage=Bad%2FName&tag=latest")
        self.assertEqual(status, 400, body)
        self.assertIn("invalid reference format", body["message"])

        status, _, body = self.api_json("POST", "/v1.50/images/create?fromSrc=-&repo=x")
        self.assertEqual(status, 501, body)
        self.assertIn("not supported", body["message"])

        status, _, body = self.api_json("GET", "/v1.50/images/nosuch/json")
        self.assertEqual(status, 404, body)
        self.assertEqual(body, {"message": "No such image: nosuch:latest"})

        status, _, body = self.api_json("POST", "/v1.50/images/busybox/tag?repo=Bad%2FName")
        self.assertEqual(status, 400, body)
        self.assertIn("invalid reference format", body["message"])

        status, _, body = self.api_json("GET", "/images/json?filters=%7Bbad")
        self.assertEqual(status, 400, body)
        self.assertIn("invalid filter", body["message"])

        for method, path in (("GET", "/v1.50/images/get?names=busybox"),
                             ("GET", "/v1.50/images/busybox/get"),
                             ("POST", "/v1.50/images/load"),
                             ("GET", "/v1.50/images/search?term=busybox")):
            status, _, body = self.api_json(method, path)
            self.assertEqual(status, 501, (method, path, body))
            self.assertIn("not supported by Berth", body["message"])

        out_tar = os.path.join(self.docker_config, "saved.tar")
        rc, _, err = self.docker_fails("save", "-o", out_tar, "busybox")
        self.assertIn("Error response from daemon: saving images to a tar archive (docker save) "
                      "is not supported by Berth", err)
        rc, _, err = self.docker_fails("search", "busybox")
        self.assertIn("not supported by Berth", err)

    def test_dockerpy_images(self):
        client = self.dockerpy()
        image = client.images.pull("busybox", tag="latest")
        self.assertIn("busybox:latest", image.tags)
        listed = {t for i in client.images.list() for t in i.tags}
        self.assertIn("busybox:latest", listed)
        self.assertEqual(client.images.get("busybox").id, image.id)
        import docker
        with self.assertRaises(docker.errors.ImageNotFound):
            client.images.get("nosuch:latest")
        with self.assertRaises(docker.errors.NotFound):
            client.images.pull("%s/team/app" % self.other.host, tag="nosuchtag")


if __name__ == "__main__":
    base.main()
