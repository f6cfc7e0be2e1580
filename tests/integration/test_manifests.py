"""The deployment files of docker/ checked against each other and against
sessiongate itself:

  Dockerfile         Debian 12 slim stages, the project's own bootstrap
                     (--build-only) and build scripts, a numeric non-root
                     user, the LMDB volume at the default config's
                     store.path, a HEALTHCHECK on the admin port
  sessiongate.yaml   the image's config: 0.0.0.0 listeners, check-config OK
  compose files      ports, volumes, the upstream service and its port, the
                     stop order and grace period against timeouts.drain,
                     check-config on the image's config plus each service's
                     environment
  Kubernetes         check-config on the ConfigMap's YAML; probes on the
                     admin port; the Service on sessiongate's port, never the
                     app's; the app on loopback; config, keys and LMDB mounted
                     where the config says; preStop and grace period against
                     timeouts.drain; the Secret's placeholder key refused
  bootstrap.sh       --build-only installs what building needs, no servers,
                     browsers or test tools

Values a file leaves unset are the defaults of config/sessiongate.example.yaml
(which sets every key to its default). Where check-config still answers
"not available yet: KEY" (a store or TLS not built yet), that one check is
skipped with a message saying so, and asserts by itself once the key exists.
"""

import base64
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest

import yaml

from harness import REPO, binary

DOCKER = os.path.join(REPO, "docker")
EXAMPLE_CONFIG = os.path.join(REPO, "config", "sessiongate.example.yaml")
IMAGE_CONFIG = os.path.join(DOCKER, "sessiongate.yaml")
BASE_IMAGE = "docker.io/library/debian:bookworm-slim"
TIMEOUT = 20


# --------------------------------------------------------------------------- reading the files

def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_documents(path):
    with open(path, encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(value):
    """A config or compose duration ("10s", "500ms", "1m30s", 12) in seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)?", str(value).strip())
    if not parts or "".join(n + u for n, u in parts) != str(value).strip():
        raise ValueError(f"not a duration: {value!r}")
    return sum(float(n) * _UNITS[u or "s"] for n, u in parts)


def _lookup(tree, dotted):
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def env_name(key):
    return "SESSIONGATE_" + key.upper().replace(".", "_")


def setting(config, key, env=None):
    """The value sessiongate runs with: environment, else file, else default."""
    env = env or {}
    if env_name(key) in env:
        return yaml.safe_load(str(env[env_name(key)]))
    value = _lookup(config, key)
    return value if value is not None else _lookup(load_yaml(EXAMPLE_CONFIG), key)


def host_port(text):
    host, _, port = str(text).rpartition(":")
    return host.strip("[]"), int(port)


def url_host_port(url):
    match = re.match(r"^[a-z]+://([^/:]+):(\d+)", url)
    assert match, f"no host:port in {url!r}"
    return match.group(1), int(match.group(2))


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONGATE_")}
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def stand_ins(config, env, tmp, hosts=()):
    """Overrides for what the container has and this machine has not, since
    check-config also reads the key file, checks the store directory and
    resolves the upstream: a key file with a fresh key (what the operator's
    secret holds), a store directory under `tmp`, and 127.0.0.1 for `hosts`,
    names that resolve only on the deployment's own network."""
    overrides = {env_name("store.path"): os.path.join(tmp, "sessions")}
    if setting(config, "secret_key_file", env):
        key_file = os.path.join(tmp, "secret_keys")
        with open(key_file, "w") as f:
            f.write(base64.b64encode(os.urandom(36)).decode() + "\n")
        overrides[env_name("secret_key_file")] = key_file
    upstream = setting(config, "upstream", env)
    host, port = url_host_port(upstream)
    if host in hosts:
        overrides[env_name("upstream")] = upstream.replace(f"//{host}:", "//127.0.0.1:", 1)
    return overrides


def run_check_config(test, config_text, env=None, hosts=()):
    """`sessiongate check-config` on the text with `env`, files and names
    stood in for (stand_ins); skips the calling test when the only problems
    are keys not built yet, fails it on any other problem."""
    env = dict(env or {})
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sessiongate.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(config_text)
        env.update(stand_ins(yaml.safe_load(config_text), env, tmp, hosts))
        result = subprocess.run([binary(), "check-config", "-c", path], env=clean_env(env), cwd=tmp,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    problems = [line for line in result.stderr.splitlines() if line.strip()]
    pending = [line for line in problems if "not available yet: " in line]
    if result.returncode != 0 and problems and len(pending) == len(problems):
        keys = ", ".join(sorted({line.split("not available yet: ")[1] for line in pending}))
        test.skipTest(f"check-config says not available yet: {keys}; this check asserts once that is built")
    test.assertEqual(result.returncode, 0, f"check-config refused it:\n{result.stderr}")
    test.assertIn("configuration OK", result.stdout)


class Dockerfile:
    """The instructions of a Dockerfile, continuation lines joined, by stage."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            text = re.sub(r"\\\n", " ", f.read())
        self.stages = []  # [(name, base, [(INSTRUCTION, arguments)])]
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            instruction, _, arguments = line.partition(" ")
            instruction, arguments = instruction.upper(), arguments.strip()
            if instruction == "FROM":
                words = arguments.split()
                name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
                self.stages.append((name, words[0], []))
            else:
                self.stages[-1][2].append((instruction, arguments))

    def stage(self, name):
        for stage in self.stages:
            if stage[0] == name:
                return stage
        raise AssertionError(f"no stage {name!r}")

    def stage_names(self):
        return [stage[0] for stage in self.stages]

    def arguments(self, stage_name, instruction):
        return [args for ins, args in self.stage(stage_name)[2] if ins == instruction]

    def inherited(self, stage_name, instruction):
        """The arguments of `instruction` in this stage and the stages it is built on."""
        name, base, instructions = self.stage(stage_name)
        own = [args for ins, args in instructions if ins == instruction]
        return (self.inherited(base, instruction) if base in self.stage_names() else []) + own


def dockerfile():
    return Dockerfile(os.path.join(DOCKER, "Dockerfile"))


def exec_form(arguments):
    """["a", "b"] or shell form -> list of words."""
    arguments = arguments.strip()
    if arguments.startswith("["):
        return yaml.safe_load(arguments)
    return shlex.split(arguments)


def image_user_uid():
    users = dockerfile().arguments("sessiongate", "USER")
    return int(users[-1].split(":")[0])


# --------------------------------------------------------------------------- Dockerfile

class DockerfileTest(unittest.TestCase):
    def test_stages_are_debian_12_slim_and_build_with_the_project_scripts(self):
        df = dockerfile()
        for name, base, _ in df.stages:
            self.assertIn(base, [BASE_IMAGE] + df.stage_names(), f"stage {name} starts from {base}")
        build = " ".join(df.arguments("build", "RUN"))
        self.assertIn("scripts/bootstrap.sh --build-only", build)
        self.assertIn("scripts/build.sh", build)
        self.assertEqual(df.stages[-1][0], "sessiongate", "sessiongate must be the default (last) target")
        self.assertIn("sample-backend", df.stage_names())

    def test_runtime_images_run_as_a_numeric_non_root_user(self):
        df = dockerfile()
        for stage in ("sessiongate", "sample-backend"):
            users = df.arguments(stage, "USER")
            self.assertTrue(users, f"{stage} has no USER")
            uid, _, gid = users[-1].partition(":")
            # Numeric, so Kubernetes' runAsNonRoot can check it without /etc/passwd.
            self.assertRegex(uid, r"^\d+$")
            self.assertNotEqual(int(uid), 0)
            self.assertIn(f"--uid {uid}", " ".join(df.inherited(stage, "RUN")))

    def test_volume_config_ports_and_healthcheck_follow_the_image_config(self):
        df = dockerfile()
        config = load_yaml(IMAGE_CONFIG)
        volumes = [word for args in df.arguments("sessiongate", "VOLUME") for word in exec_form(args)]
        self.assertIn(setting(config, "store.path"), volumes)

        config_file = [args.split()[-1] for args in df.arguments("sessiongate", "COPY")
                       if args.split()[0] == "docker/sessiongate.yaml"]
        self.assertEqual(len(config_file), 1)
        env = " ".join(df.arguments("sessiongate", "ENV"))
        self.assertIn(f"SESSIONGATE_CONFIG={config_file[0]}", env)

        exposed = {int(p) for args in df.arguments("sessiongate", "EXPOSE") for p in args.split()}
        listen_port = host_port(setting(config, "listen"))[1]
        admin_port = host_port(setting(config, "admin"))[1]
        self.assertEqual(exposed, {listen_port, admin_port})

        (healthcheck,) = df.arguments("sessiongate", "HEALTHCHECK")
        self.assertIn(f"http://127.0.0.1:{admin_port}/healthz", healthcheck)
        self.assertIn("--fail", exec_form(healthcheck.split("CMD", 1)[1]))  # an HTTP error fails the check

    def test_image_config_listens_on_every_address_and_validates(self):
        config = load_yaml(IMAGE_CONFIG)
        self.assertEqual(host_port(setting(config, "listen"))[0], "0.0.0.0")
        self.assertEqual(host_port(setting(config, "admin"))[0], "0.0.0.0")
        with open(IMAGE_CONFIG, encoding="utf-8") as f:
            run_check_config(self, f.read())

    def test_dockerignore_keeps_local_builds_and_keys_out_of_the_context(self):
        with open(os.path.join(REPO, ".dockerignore"), encoding="utf-8") as f:
            patterns = {line.strip() for line in f if line.strip() and not line.startswith("#")}
        for pattern in (".git", "build*/", "docker/secret_keys", "**/node_modules"):
            self.assertIn(pattern, patterns)


# --------------------------------------------------------------------------- scripts/bootstrap.sh

class BootstrapTest(unittest.TestCase):
    """bootstrap.sh with dpkg-query answering 'nothing installed' and apt-get
    recording what it was asked to install."""

    def install_list(self, *args):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        record = os.path.join(tmp, "installed")
        stubs = {"dpkg-query": "exit 1",
                 "apt-get": f'[ "$1" = update ] || echo "$@" >> {record}',
                 "sudo": '"$@"',
                 "node": "exit 0"}
        for name, body in stubs.items():
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(f"#!/bin/sh\n{body}\n")
            os.chmod(path, 0o755)
        env = dict(os.environ, PATH=tmp + os.pathsep + os.environ["PATH"])
        result = subprocess.run(["bash", os.path.join(REPO, "scripts", "bootstrap.sh"), *args], env=env,
                                capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(record) as f:
            return set(f.read().split())

    def test_build_only_installs_what_building_needs_and_nothing_for_tests(self):
        packages = self.install_list("--build-only")
        for needed in ("build-essential", "cmake", "ninja-build", "libboost1.81-dev", "libssl-dev",
                       "liblmdb-dev", "libyaml-cpp-dev", "catch2", "libcli11-dev"):
            self.assertIn(needed, packages)
        for test_only in ("chromium", "redis-server", "nodejs", "npm", "podman", "debootstrap", "python3-yaml"):
            self.assertNotIn(test_only, packages)

    def test_default_installs_the_test_tools_too(self):
        packages = self.install_list()
        for needed in ("cmake", "chromium", "redis-server", "podman", "debootstrap", "python3-yaml", "iproute2"):
            self.assertIn(needed, packages)

    def test_an_unknown_option_is_refused(self):
        result = subprocess.run(["bash", os.path.join(REPO, "scripts", "bootstrap.sh"), "--bogus"],
                                capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage:", result.stderr)


# --------------------------------------------------------------------------- compose

class ComposeChecks:
    FILE = None  # set by each subclass

    @classmethod
    def setUpClass(cls):
        cls.path = os.path.join(DOCKER, cls.FILE)
        cls.compose = load_yaml(cls.path)
        cls.services = cls.compose["services"]
        cls.image_config = load_yaml(IMAGE_CONFIG)

    def sessiongate_services(self):
        found = {name: s for name, s in self.services.items() if s.get("image", "").startswith("sessiongate:")}
        self.assertTrue(found)
        return found

    def env(self, service):
        return {k: str(v) for k, v in (service.get("environment") or {}).items()}

    def value(self, service, key):
        return setting(self.image_config, key, self.env(service))

    def published(self, service):
        """container port -> host address ('' = every address)."""
        result = {}
        for mapping in service.get("ports", []):
            parts = str(mapping).split(":")
            host = parts[0] if len(parts) == 3 else ""
            result[int(parts[-1])] = host
        return result

    def test_builds_use_the_repository_dockerfile_and_its_stages(self):
        stages = dockerfile().stage_names()
        for name, service in self.services.items():
            if "build" not in service:
                continue
            build = service["build"]
            context = os.path.normpath(os.path.join(DOCKER, build["context"]))
            self.assertEqual(context, REPO, name)
            self.assertTrue(os.path.isfile(os.path.join(context, build["dockerfile"])), name)
            if "target" in build:
                self.assertIn(build["target"], stages, name)

    def test_image_config_with_each_service_environment_validates(self):
        with open(IMAGE_CONFIG, encoding="utf-8") as f:
            text = f.read()
        for name, service in self.sessiongate_services().items():
            with self.subTest(service=name):
                run_check_config(self, text, self.env(service), hosts=self.services)

    def test_ports_publish_the_listener_and_keep_admin_local(self):
        for name, service in self.sessiongate_services().items():
            published = self.published(service)
            listen_port = host_port(self.value(service, "listen"))[1]
            admin_port = host_port(self.value(service, "admin"))[1]
            self.assertIn(listen_port, published, name)
            self.assertEqual(published.get(admin_port), "127.0.0.1", f"{name}: admin published beyond this host")
            self.assertLessEqual(set(published), {listen_port, admin_port}, name)

    def test_upstream_is_a_service_listening_on_that_port_and_stopped_after_sessiongate(self):
        for name, service in self.sessiongate_services().items():
            host, port = url_host_port(self.value(service, "upstream"))
            self.assertIn(host, self.services, f"{name}: upstream {host} is no service")
            command = self.services[host]["command"]
            listen = command[command.index("--listen") + 1]
            self.assertEqual(host_port(listen), ("0.0.0.0", port))
            self.assertNotIn("ports", self.services[host], "the app must be reached only through sessiongate")
            # Compose stops a service before those it depends on.
            self.assertIn(host, service["depends_on"])

    def test_grace_period_outlasts_the_drain(self):
        for name, service in self.sessiongate_services().items():
            drain = duration_seconds(self.value(service, "timeouts.drain"))
            grace = duration_seconds(service.get("stop_grace_period", "10s"))
            self.assertGreater(grace, drain, f"{name}: SIGKILL would cut the drain short")

    def test_lmdb_directory_is_a_volume(self):
        for name, service in self.sessiongate_services().items():
            if self.value(service, "store.type") != "lmdb":
                continue
            path = self.value(service, "store.path")
            sources = [v.split(":")[0] for v in service.get("volumes", []) if v.split(":")[1] == path]
            self.assertEqual(len(sources), 1, f"{name}: {path} is not a volume")
            self.assertIn(sources[0], self.compose.get("volumes", {}), f"{name}: volume {sources[0]} not declared")


class ComposeLmdbTest(ComposeChecks, unittest.TestCase):
    FILE = "docker-compose.yml"

    def test_one_sessiongate_on_lmdb_beside_the_sample_backend(self):
        (service,) = self.sessiongate_services().values()
        self.assertEqual(self.value(service, "store.type"), "lmdb")
        self.assertEqual(self.services["backend"]["build"]["target"], "sample-backend")


class ComposeRedisTest(ComposeChecks, unittest.TestCase):
    FILE = "docker-compose.redis.yml"

    def test_two_replicas_share_redis_and_the_same_keys(self):
        replicas = self.sessiongate_services()
        self.assertGreaterEqual(len(replicas), 2)
        host_ports = set()
        for name, service in replicas.items():
            self.assertEqual(self.value(service, "store.type"), "redis", name)
            redis_host, redis_port = url_host_port(self.value(service, "store.url"))
            self.assertIn(redis_host, self.services)
            self.assertIn(redis_host, service["depends_on"])
            self.assertEqual(redis_port, 6379)
            key_file = self.value(service, "secret_key_file")
            (secret,) = service["secrets"]
            self.assertEqual(key_file, f"/run/secrets/{secret}")
            self.assertEqual(self.compose["secrets"][secret]["file"], "./secret_keys")
            host_ports.add(next(p for p in service["ports"] if not str(p).startswith("127.0.0.1:")))
        self.assertEqual(len(host_ports), len(replicas), "each replica needs a host port of its own")
        envs = [self.env(s) for s in replicas.values()]
        self.assertTrue(all(e == envs[0] for e in envs), "replicas configured differently")


# --------------------------------------------------------------------------- Kubernetes

class KubernetesChecks:
    FILE = None  # set by each subclass

    @classmethod
    def setUpClass(cls):
        cls.documents = load_documents(os.path.join(DOCKER, "kubernetes", cls.FILE))

    def kind(self, kind, name=None):
        found = [d for d in self.documents if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
        self.assertTrue(found, f"no {kind} {name or ''}")
        return found

    def deployment(self):
        (web,) = [d for d in self.kind("Deployment") if d["metadata"]["name"] == "web"]
        return web

    def pod(self):
        return self.deployment()["spec"]["template"]["spec"]

    def container(self, name):
        (found,) = [c for c in self.pod()["containers"] if c["name"] == name]
        return found

    def volume_at(self, path):
        """(pod volume, mount) that sessiongate's container mounts at `path`."""
        (mount,) = [m for m in self.container("sessiongate")["volumeMounts"] if m["mountPath"] == path]
        (volume,) = [v for v in self.pod()["volumes"] if v["name"] == mount["name"]]
        return volume, mount

    def config_text(self):
        """The YAML sessiongate reads: the ConfigMap key mounted at its -c path."""
        sg = self.container("sessiongate")
        directory, filename = os.path.split(sg["args"][sg["args"].index("-c") + 1])
        (config_map,) = self.kind("ConfigMap", self.volume_at(directory)[0]["configMap"]["name"])
        self.assertIn(filename, config_map["data"])
        return config_map["data"][filename]

    def config(self):
        return yaml.safe_load(self.config_text())

    def value(self, key):
        return setting(self.config(), key)

    def named_port(self, container, port):
        if isinstance(port, int):
            return port
        (found,) = [p["containerPort"] for p in container.get("ports", []) if p["name"] == port]
        return found

    def prestop_sleep(self, container):
        command = container["lifecycle"]["preStop"]["exec"]["command"]
        self.assertEqual(command[0], "sleep")
        return float(command[1])

    def test_configmap_yaml_validates(self):
        run_check_config(self, self.config_text())

    def test_listeners_on_every_address_and_the_container_ports(self):
        sg = self.container("sessiongate")
        listen_host, listen_port = host_port(self.value("listen"))
        admin_host, admin_port = host_port(self.value("admin"))
        # The Service and the kubelet's probes come to the pod's address.
        self.assertEqual((listen_host, admin_host), ("0.0.0.0", "0.0.0.0"))
        self.assertEqual(self.named_port(sg, "http"), listen_port)
        self.assertEqual(self.named_port(sg, "admin"), admin_port)

    def test_probes_ask_the_admin_port(self):
        sg = self.container("sessiongate")
        admin_port = host_port(self.value("admin"))[1]
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            get = sg[probe]["httpGet"]
            self.assertEqual(get["path"], path, probe)
            self.assertEqual(self.named_port(sg, get["port"]), admin_port, probe)

    def test_service_points_at_sessiongate_never_at_the_app(self):
        (service,) = self.kind("Service", "web")
        labels = self.deployment()["spec"]["template"]["metadata"]["labels"]
        self.assertLessEqual(service["spec"]["selector"].items(), labels.items())
        sg = self.container("sessiongate")
        listen_port = host_port(self.value("listen"))[1]
        targets = [self.named_port(sg, p["targetPort"]) for p in service["spec"]["ports"]]
        self.assertEqual(targets, [listen_port])

    def test_app_listens_on_loopback_only_at_the_upstream_port(self):
        app = self.container("app")
        upstream_host, upstream_port = url_host_port(self.value("upstream"))
        self.assertEqual(upstream_host, "127.0.0.1")
        listen = app["args"][app["args"].index("--listen") + 1]
        self.assertEqual(host_port(listen), ("127.0.0.1", upstream_port))
        self.assertNotIn("ports", app, "a containerPort would invite traffic that skips sessiongate")

    def key_file_text(self):
        """What the Secret mounted where secret_key_file points holds there."""
        directory, filename = os.path.split(self.value("secret_key_file"))
        (secret,) = self.kind("Secret", self.volume_at(directory)[0]["secret"]["secretName"])
        self.assertIn(filename, secret["stringData"])
        return secret["stringData"][filename]

    def test_keys_come_from_the_secret(self):
        self.assertTrue(self.key_file_text().strip())

    def test_the_placeholder_key_cannot_be_used(self):
        """Whoever applies the file unchanged gets a refusal, not a published key."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        key_file = os.path.join(tmp, "secret_keys")
        with open(key_file, "w") as f:
            f.write(self.key_file_text())
        config = os.path.join(tmp, "sessiongate.yaml")
        with open(config, "w") as f:
            f.write(self.config_text())
        # On the lmdb store, so that a store not built yet cannot hide the key's problem.
        env = {env_name("secret_key_file"): key_file, env_name("store.path"): os.path.join(tmp, "sessions"),
               env_name("store.type"): "lmdb"}
        result = subprocess.run([binary(), "check-config", "-c", config], env=clean_env(env), cwd=tmp,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(result.returncode, 1)
        self.assertIn("at least 32 are required", result.stderr)

    def test_drain_timings_keep_the_app_up_until_sessiongate_has_drained(self):
        pod = self.pod()
        drain = duration_seconds(self.value("timeouts.drain"))
        grace = pod["terminationGracePeriodSeconds"]
        sg_sleep = self.prestop_sleep(self.container("sessiongate"))
        app_sleep = self.prestop_sleep(self.container("app"))
        # sessiongate: preStop sleep (endpoint removal spreads), then SIGTERM and the drain.
        self.assertGreater(sg_sleep, 0)
        self.assertLess(sg_sleep + drain, grace, "the kubelet would kill sessiongate mid-drain")
        # The app gets SIGTERM only after sessiongate has drained, and before the kill.
        self.assertGreater(app_sleep, sg_sleep + drain, "the app would stop while requests still drain")
        self.assertLess(app_sleep, grace)

    def test_pod_runs_as_the_image_user(self):
        security = self.pod()["securityContext"]
        self.assertTrue(security["runAsNonRoot"])
        self.assertEqual(security["runAsUser"], image_user_uid())
        for container in self.pod()["containers"]:
            self.assertFalse(container["securityContext"]["allowPrivilegeEscalation"], container["name"])


class KubernetesLmdbTest(KubernetesChecks, unittest.TestCase):
    FILE = "sidecar.yaml"

    def test_lmdb_directory_is_a_persistent_volume_for_one_replica(self):
        self.assertEqual(self.value("store.type"), "lmdb")
        volume, mount = self.volume_at(self.value("store.path"))
        self.assertFalse(mount.get("readOnly", False))
        if "persistentVolumeClaim" in volume:
            (claim,) = self.kind("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
            if "ReadWriteOnce" in claim["spec"]["accessModes"]:
                # The new pod can mount the claim only once the old one let go.
                self.assertEqual(self.deployment()["spec"]["strategy"]["type"], "Recreate")
        else:
            self.assertIn("emptyDir", volume)
        # One LMDB store belongs to one pod; several replicas need the redis store.
        self.assertEqual(self.deployment()["spec"]["replicas"], 1)


class KubernetesRedisTest(KubernetesChecks, unittest.TestCase):
    FILE = "sidecar-redis.yaml"

    def test_several_replicas_share_a_redis_service(self):
        self.assertEqual(self.value("store.type"), "redis")
        self.assertGreaterEqual(self.deployment()["spec"]["replicas"], 2)
        host, port = url_host_port(self.value("store.url"))
        (service,) = self.kind("Service", host)
        self.assertIn(port, [p["port"] for p in service["spec"]["ports"]])
        rolling = self.deployment()["spec"]["strategy"]["rollingUpdate"]
        self.assertEqual(rolling["maxUnavailable"], 0)


if __name__ == "__main__":
    unittest.main()
