"""The container image of docker/Dockerfile really built and run, with no
container daemon and no image registry:

  base    docker/local-base.sh: debootstrap --variant=minbase bookworm, kept as
          a tarball in the cache folder ($SESSIONGATE_IMAGE_CACHE, default
          ~/.cache/sessiongate), imported into podman as the FROM image
  build   podman build --isolation=chroot --pull=never --format=docker (the
          docker format keeps the HEALTHCHECK)
  run     `podman run` cannot set resource limits here, so the image's file
          system is exported (podman create + podman export) and its
          entrypoint started with chroot --userspec as the image's user, with
          the image's environment and working directory, in a network
          namespace of the test's own: the default config's ports
          (0.0.0.0:8080, 0.0.0.0:9901) are used as they are and clash with
          nothing on the machine

Checked: the image's user, volume, ports and healthcheck; the default config
validates as that user; sessiongate starts, the image's own HEALTHCHECK
command passes, /healthz and /readyz answer; the LMDB volume is written by
that user; SIGTERM ends it with exit 0.

Slow (a Debian bootstrap and a full build in the image): label `image`. It is
skipped, and reported by CTest as skipped, where podman, debootstrap or iproute2
is missing (scripts/bootstrap.sh installs them) or without root.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from harness import REPO, _LineReader, stop_process

SKIP = "image test skipped: "
CACHE = os.environ.get("SESSIONGATE_IMAGE_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "sessiongate")
BUILD_TIMEOUT = 3000
COMMAND_TIMEOUT = 60


def run(argv, timeout=COMMAND_TIMEOUT, **kwargs):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                          **kwargs)


def must(argv, timeout=COMMAND_TIMEOUT, **kwargs):
    result = run(argv, timeout=timeout, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {result.returncode}:\n"
                             f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


class ImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [tool for tool in ("podman", "debootstrap", "ip", "unshare", "chroot") if not shutil.which(tool)]
        if missing:
            raise unittest.SkipTest(SKIP + ", ".join(missing) + " not installed (scripts/bootstrap.sh installs them)")
        if os.geteuid() != 0:
            raise unittest.SkipTest(SKIP + "needs root (debootstrap, chroot, network namespaces)")

        suffix = f"{os.getpid()}"
        cls.tag = f"localhost/sessiongate-image-test:{suffix}"
        cls.tmp = tempfile.mkdtemp(prefix="sessiongate-image-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.timings = {}

        cls.timed("base", must, [os.path.join(REPO, "docker", "local-base.sh"), CACHE], timeout=BUILD_TIMEOUT)
        cls.addClassCleanup(run, ["podman", "rmi", "--force", cls.tag])
        cls.timed("build", must, ["podman", "build", "--isolation=chroot", "--pull=never", "--format=docker",
                                  "-f", "docker/Dockerfile", "-t", cls.tag, "."], cwd=REPO, timeout=BUILD_TIMEOUT)
        (cls.image,) = json.loads(must(["podman", "image", "inspect", cls.tag]).stdout)

        container = f"sessiongate-image-test-{suffix}"
        cls.root = os.path.join(cls.tmp, "root")
        os.mkdir(cls.root)

        def export():
            must(["podman", "create", "--name", container, cls.tag])
            try:
                archive = os.path.join(cls.tmp, "image.tar")
                must(["podman", "export", "-o", archive, container], timeout=600)
            finally:
                run(["podman", "rm", "--force", container])
            must(["tar", "-C", cls.root, "--numeric-owner", "-xf", archive], timeout=600)
            os.unlink(archive)

        cls.timed("export", export)
        print("image test timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in cls.timings.items()),
              file=sys.stderr)

        cls.netns = f"sessiongate-image-{suffix}"
        must(["ip", "netns", "add", cls.netns])
        cls.addClassCleanup(run, ["ip", "netns", "delete", cls.netns])
        must(["ip", "-n", cls.netns, "link", "set", "lo", "up"])

    @classmethod
    def timed(cls, name, function, *args, **kwargs):
        start = time.monotonic()
        function(*args, **kwargs)
        cls.timings[name] = time.monotonic() - start

    # ----------------------------------------------------------------- helpers

    @property
    def config(self):
        return self.image["Config"]

    def user(self):
        return self.config["User"]

    def in_image(self, argv, workdir="/"):
        """argv run inside the exported image as the image's user, with its
        environment only, in the test's network namespace; /dev and /proc
        mounted in a mount namespace that ends with the process."""
        script = ('mount --rbind /dev "$1/dev" && mount -t proc proc "$1/proc" && '
                  'root=$1 user=$2 && shift 2 && exec chroot --userspec="$user" "$root" "$@"')
        return (["ip", "netns", "exec", self.netns, "unshare", "--mount", "--propagation", "private",
                 "sh", "-c", script, "sh", self.root, self.user(), "env", "-i", "-C", workdir]
                + self.config["Env"] + argv)

    def curl(self, url):
        return run(self.in_image(["curl", "--silent", "--show-error", "--max-time", "5",
                                  "--output", "-", "--write-out", "\n%{http_code}", url]))

    # ----------------------------------------------------------------- tests

    def test_image_runs_as_an_unprivileged_user_with_volume_ports_and_healthcheck(self):
        uid, _, gid = self.user().partition(":")
        self.assertNotEqual(int(uid), 0)
        with open(os.path.join(self.root, "etc", "passwd")) as f:
            users = {line.split(":")[2]: line.split(":")[0] for line in f}
        self.assertEqual(users.get(uid), "sessiongate")
        self.assertEqual(list(self.config["Volumes"]), ["/var/lib/sessiongate"])
        self.assertEqual(set(self.config["ExposedPorts"]), {"8080/tcp", "9901/tcp"})
        self.assertEqual(self.config["Entrypoint"], ["sessiongate"])
        self.assertIn("SESSIONGATE_CONFIG=/etc/sessiongate/sessiongate.yaml", self.config["Env"])
        healthcheck = self.image.get("Healthcheck") or self.config.get("Healthcheck")
        self.assertIsNotNone(healthcheck, "the HEALTHCHECK did not reach the image")
        self.assertEqual(healthcheck["Test"][0], "CMD")
        self.assertIn("http://127.0.0.1:9901/healthz", healthcheck["Test"])

    def test_only_runtime_files_in_the_image(self):
        for absent in ("usr/bin/cmake", "usr/bin/g++", "usr/include/boost", "usr/bin/chromium",
                       "usr/bin/redis-server", "src"):
            self.assertFalse(os.path.exists(os.path.join(self.root, absent)), absent)
        result = run(self.in_image(["ldd", "/usr/local/bin/sessiongate"]))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("not found", result.stdout)

    def test_default_config_validates_as_the_image_user(self):
        result = run(self.in_image(["sessiongate", "check-config"]))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "configuration OK: /etc/sessiongate/sessiongate.yaml")

    def test_volume_belongs_to_the_image_user_who_alone_may_write(self):
        uid, gid = (int(n) for n in self.user().split(":"))
        volume = os.path.join(self.root, "var/lib/sessiongate")
        info = os.stat(volume)
        self.assertEqual((info.st_uid, info.st_gid), (uid, gid))
        probe = run(self.in_image(["sh", "-c", "echo x > /var/lib/sessiongate/probe && cat /var/lib/sessiongate/probe"
                                   " && rm /var/lib/sessiongate/probe"]))
        self.assertEqual((probe.returncode, probe.stdout.strip()), (0, "x"), probe.stderr)
        # Elsewhere the user may not write: the image gives it that one folder.
        denied = run(self.in_image(["sh", "-c", "echo x > /etc/sessiongate/probe"]))
        self.assertNotEqual(denied.returncode, 0)

    def test_sessiongate_starts_passes_its_healthcheck_and_stops_on_sigterm(self):
        entry = self.config["Entrypoint"] + self.config["Cmd"]
        proc = subprocess.Popen(self.in_image(entry, workdir=self.config["WorkingDir"]), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(stop_process, proc)
        stdout, stderr = _LineReader(proc.stdout), _LineReader(proc.stderr)
        stdout.start()
        stderr.start()
        event = stdout.wait_line(lambda line: line.get("event") == "listening", 30)
        self.assertIsNotNone(event, "no listening line; stderr:\n" + "\n".join(stderr.text))
        self.assertEqual((event["listen"], event["admin"]), ("0.0.0.0:8080", "0.0.0.0:9901"))
        self.assertEqual(event["store"], "/var/lib/sessiongate")

        # The image's own HEALTHCHECK command, as Docker would run it.
        healthcheck = (self.image.get("Healthcheck") or self.config.get("Healthcheck"))["Test"][1:]
        check = run(self.in_image(healthcheck))
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertEqual(self.curl("http://127.0.0.1:9901/healthz").stdout.split("\n"), ["ok", "", "200"])
        # No application listens on the upstream port: /readyz says so, the
        # listener answers with a 502.
        body, _, status = self.curl("http://127.0.0.1:9901/readyz").stdout.split("\n")
        self.assertEqual(status, "503")
        self.assertIn("upstream refuses connections", body)
        self.assertEqual(self.curl("http://127.0.0.1:8080/").stdout.rsplit("\n", 1)[-1], "502")

        # The LMDB store and the key lmdb makes are in the volume, the user's.
        uid = int(self.user().split(":")[0])
        volume = os.path.join(self.root, "var/lib/sessiongate")
        for name in ("data.mdb", "secret_key"):
            path = os.path.join(volume, name)
            self.assertTrue(os.path.exists(path), f"{name} not in the volume: {os.listdir(volume)}")
            self.assertEqual(os.stat(path).st_uid, uid, name)

        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=20), 0, "\n".join(stderr.text))


if __name__ == "__main__":
    unittest.main()
