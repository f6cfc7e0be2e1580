"""The command line an operator uses to trust a configuration:

  sessiongate check-config -c FILE   exit 0 and "configuration OK: FILE", or
                                     exit 1 and every problem, one per line on
                                     stderr, as FILE:LINE: KEY: MESSAGE
  sessiongate run -c FILE            refuses to start on a file with problems
  precedence                         flag > environment > file > default
  --help                             of the program and of each subcommand

Each child gets a clean environment: no SESSIONGATE_* variable from the
caller, only the ones a test sets. All children are bounded by timeouts and
killed in cleanups; only 127.0.0.1.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from harness import HERE, HOST, Upstream, _LineReader, binary, request, stop_process

EXAMPLE = os.path.normpath(os.path.join(HERE, "..", "..", "config", "sessiongate.example.yaml"))
TIMEOUT = 20


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONGATE_")}
    env.update(extra)
    return env


def sg(*args, env=None, cwd=None):
    """Run the binary to completion: CompletedProcess with text stdout/stderr."""
    return subprocess.run([binary()] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, env=env if env is not None else clean_env(),
                          cwd=cwd, timeout=TIMEOUT, text=True)


def line_of(text, needle):
    for i, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return i
    raise AssertionError("%r not in %r" % (needle, text))


class ConfigCliTestCase(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-cfg-cli-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)

    def write(self, name, text):
        path = os.path.join(self.tmpdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def problems(self, result):
        """stderr lines (the problems), without empty ones."""
        return [l for l in result.stderr.split("\n") if l.strip()]

    def hold_port(self):
        """A listening socket on 127.0.0.1 the proxy cannot bind: its port."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((HOST, 0))
        s.listen(1)
        self.addCleanup(s.close)
        return s.getsockname()[1]

    def start(self, args, env=None, wait_listening=True):
        """`sessiongate ARGS` in the background; (proc, stdout reader, stderr reader)."""
        proc = subprocess.Popen([binary()] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env if env is not None else clean_env())
        self.addCleanup(stop_process, proc)
        out, err = _LineReader(proc.stdout), _LineReader(proc.stderr)
        out.start()
        err.start()
        return proc, out, err


class CheckConfig(ConfigCliTestCase):

    def test_example_file_is_valid(self):
        r = sg("check-config", "-c", EXAMPLE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "configuration OK: %s\n" % EXAMPLE)
        self.assertEqual(r.stderr, "")

    def test_config_file_from_environment(self):
        r = sg("check-config", env=clean_env(SESSIONGATE_CONFIG=EXAMPLE))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "configuration OK: %s\n" % EXAMPLE)

    def test_every_problem_is_printed_with_file_line_and_key(self):
        text = "\n".join([
            "listen: 127.0.0.1:0",
            "threads: many",                 # wrong type
            "sesion_max_bytes: 1KiB",        # unknown, did you mean
            "cookie:",
            "  samesite: None",              # with secure: false below
            "  secur: true",                 # unknown, did you mean
            "  secure: false",
            "timeouts:",
            "  keepalive: -3",               # out of range
            "trusted_proxies: [10.0.0.0/8, not-an-ip]",
            "store:",
            "  durability: sometimes",       # not one of
            "",
        ])
        path = self.write("bad.yaml", text)
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stdout, "")
        at = lambda needle: "%s:%d: " % (path, line_of(text, needle))
        problems = self.problems(r)
        expected_exact = [
            at("threads:") + 'threads: must be an integer (got "many")',
            at("sesion_max_bytes") + 'sesion_max_bytes: unknown key (did you mean "session_max_bytes"?)',
            at("secur:") + 'cookie.secur: unknown key (did you mean "cookie.secure"?)',
            at("samesite:") + "cookie.samesite: None requires Secure: cookie.secure must be auto or true",
            at("trusted_proxies") + 'trusted_proxies: must be a list of IP addresses or CIDRs (got "not-an-ip")',
        ]
        for line in expected_exact:
            self.assertIn(line, problems)
        # Messages whose wording lists the accepted forms: file, line, key.
        self.assertEqual(len([p for p in problems if p.startswith(at("keepalive:") + "timeouts.keepalive: must be")]),
                         1, problems)
        durability = [p for p in problems if p.startswith(at("durability:") + "store.durability: ")]
        self.assertEqual(len(durability), 1, problems)
        for word in ("fsync", "os", "none", "sometimes"):
            self.assertIn(word, durability[0])
        self.assertEqual(len(problems), 7, problems)

    def test_yaml_syntax_error_names_file_and_line(self):
        path = self.write("syntax.yaml", "listen: 127.0.0.1:0\nupstream: [http://127.0.0.1:1\n")
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        problems = self.problems(r)
        self.assertEqual(len(problems), 1, problems)
        self.assertRegex(problems[0], r"^%s:\d+: YAML syntax error: " % path.replace(".", r"\."))

    def test_missing_file(self):
        path = os.path.join(self.tmpdir, "nope.yaml")
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.problems(r), ["%s: cannot read the file: No such file or directory" % path])

    def test_tls_files_are_read_as_run_reads_them(self):
        text = "tls:\n  cert_file: /etc/sg/cert.pem\n  key_file: /etc/sg/key.pem\n"
        path = self.write("tls.yaml", text)
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.problems(r), [
            "%s:2: tls.cert_file: /etc/sg/cert.pem: No such file or directory" % path])

        text = "upstream: https://localhost\nupstream_tls:\n  ca_file: %s\n" % path
        path = self.write("upstream_tls.yaml", text)
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(self.problems(r)), 1, r.stderr)
        self.assertTrue(self.problems(r)[0].startswith(
            "%s:3: upstream_tls.ca_file: %s: no PEM certificate in it" % (path, self.tmpdir + "/tls.yaml")),
            r.stderr)

        # From the environment too, named by its variable.
        r = sg("check-config", "-c", EXAMPLE, env=clean_env(SESSIONGATE_TLS_CERT_FILE="/etc/sg/cert.pem",
                                                             SESSIONGATE_TLS_KEY_FILE="/etc/sg/key.pem"))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.problems(r), [
            "environment: SESSIONGATE_TLS_CERT_FILE: /etc/sg/cert.pem: No such file or directory"])

    def test_index_on_redis_accepted_and_on_cookie_refused(self):
        keys = self.write("keys", "k" * 40 + "\n")
        text = "secret_key_file: %s\nstore:\n  type: %s\nindex: [member_id]\n"
        r = sg("check-config", "-c", self.write("redis.yaml", text % (keys, "redis")))
        self.assertEqual(r.returncode, 0, r.stderr)
        path = self.write("cookie.yaml", text % (keys, "cookie"))
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.problems(r), [
            "%s:4: index: the cookie store keeps no sessions on a server, so none can be indexed "
            "(use store.type lmdb or redis)" % path])

    def test_environment_and_flag_problems_are_named_by_variable_and_flag(self):
        r = sg("check-config", "-c", EXAMPLE, "--threads", "zero",
               env=clean_env(SESSIONGATE_COOKIE_SAMESITE="Sometimes"))
        self.assertEqual(r.returncode, 1)
        problems = self.problems(r)
        self.assertIn('flags: --threads: must be an integer (got "zero")', problems)
        self.assertEqual(len([p for p in problems
                              if p.startswith("environment: SESSIONGATE_COOKIE_SAMESITE: ")]), 1, problems)
        self.assertEqual(len(problems), 2, problems)

    def test_unknown_environment_variable_with_suggestion(self):
        # Set for this child only: a misspelt variable is a problem, not ignored.
        r = sg("check-config", "-c", EXAMPLE, env=clean_env(SESSIONGATE_LISTNE="127.0.0.1:0"))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.problems(r),
                         ["environment: SESSIONGATE_LISTNE: unknown setting (did you mean SESSIONGATE_LISTEN?)"])

    def test_environment_overrides_file_and_flag_overrides_environment(self):
        # The file is wrong about samesite; the environment fixes it.
        path = self.write("secure.yaml", "cookie:\n  samesite: None\n  secure: false\n")
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.problems(r),
                         ["%s:2: cookie.samesite: None requires Secure: cookie.secure must be auto or true" % path])
        r = sg("check-config", "-c", path, env=clean_env(SESSIONGATE_COOKIE_SECURE="true"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "configuration OK: %s\n" % path)
        # A flag replaces the environment's value, and is checked itself.
        r = sg("check-config", "-c", EXAMPLE, "--upstream", "ftp://127.0.0.1:21",
               env=clean_env(SESSIONGATE_UPSTREAM="http://127.0.0.1:3000"))
        self.assertEqual(r.returncode, 1)
        problems = self.problems(r)
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith("flags: --upstream: must be an http:// or https:// URL"), problems)


class RunPrecedence(ConfigCliTestCase):
    """Which value `run` uses, read off its {"event":"listening"} line."""

    def test_flag_over_environment_over_file(self):
        upstream = Upstream()
        self.addCleanup(upstream.stop)
        held_listen, held_admin = self.hold_port(), self.hold_port()
        store_file, store_env, store_flag = (os.path.join(self.tmpdir, n) for n in ("file", "env", "flag"))
        path = self.write("run.yaml", "\n".join([
            "listen: 127.0.0.1:%d" % held_listen,          # taken: used, the proxy could not start
            "admin: 127.0.0.1:0",
            "upstream: http://127.0.0.1:1",
            "threads: 1",
            "store:",
            "  path: %s" % store_file,
            "  durability: none",
            "",
        ]))
        env = clean_env(SESSIONGATE_LISTEN="127.0.0.1:0",                     # env over file
                        SESSIONGATE_ADMIN="127.0.0.1:%d" % held_admin,         # flag over env
                        SESSIONGATE_UPSTREAM="http://127.0.0.1:2",             # flag over env
                        SESSIONGATE_THREADS="2",                               # env over file
                        SESSIONGATE_STORE_PATH=store_env)                      # flag over env
        proc, out, err = self.start(["run", "-c", path, "--admin", "127.0.0.1:0",
                                     "--upstream", "http://127.0.0.1:%d" % upstream.port,
                                     "--store-path", store_flag], env=env)
        line = out.wait_line(lambda o: o.get("event") == "listening", TIMEOUT)
        self.assertIsNotNone(line, "no listening line: stdout %r stderr %r" % (out.text[-5:], err.text[-5:]))
        port = int(line["listen"].rsplit(":", 1)[1])
        admin = int(line["admin"].rsplit(":", 1)[1])
        self.assertTrue(line["listen"].startswith("127.0.0.1:"), line)
        self.assertNotIn(port, (0, held_listen))
        self.assertNotIn(admin, (0, held_admin))
        self.assertEqual(line["upstream"], "http://127.0.0.1:%d" % upstream.port)
        self.assertEqual(line["threads"], 2)
        self.assertEqual(line["store"], store_flag)
        self.assertTrue(os.path.isdir(store_flag))
        self.assertFalse(os.path.exists(store_file))
        self.assertFalse(os.path.exists(store_env))
        # And it proxies to the flag's upstream.
        r = request(port, "GET", "/precedence?hash=0")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["target"], "/precedence?hash=0")
        proc.terminate()
        self.assertEqual(proc.wait(timeout=TIMEOUT), 0)


class RunRefuses(ConfigCliTestCase):

    def assert_refused(self, args, env=None):
        # A port known free a moment ago; nothing may ever listen on it.
        probe = socket.socket()
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
        probe.close()
        proc, out, err = self.start(list(args) + ["--listen", "127.0.0.1:%d" % port], env=env)
        try:
            code = proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("run did not exit on an invalid configuration; stdout %r" % out.text[-5:])
        self.assertNotEqual(code, 0)
        out.join(5)
        err.join(5)
        self.assertEqual([l for l in out.lines if l.get("event") == "listening"], [], out.text)
        with self.assertRaises(OSError):
            socket.create_connection((HOST, port), timeout=1).close()
        return code, [l for l in err.text if l.strip()]

    def test_invalid_file(self):
        text = "listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\nthreads: 0\ncookie:\n  nme: sid\n"
        path = self.write("bad.yaml", text)
        code, stderr = self.assert_refused(["run", "-c", path])
        self.assertEqual(code, 1)
        self.assertEqual(stderr, [
            "%s:3: threads: must be between 1 and 256 (got 0)" % path,
            '%s:5: cookie.nme: unknown key (did you mean "cookie.name"?)' % path,
            "sessiongate: not starting: 2 configuration problems",
        ])

    def test_invalid_environment(self):
        path = self.write("ok.yaml", "listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\nstore:\n  path: %s\n"
                          % os.path.join(self.tmpdir, "store"))
        code, stderr = self.assert_refused(["run", "-c", path],
                                           env=clean_env(SESSIONGATE_COOKIE_SAMESITE="None",
                                                         SESSIONGATE_COOKIE_SECURE="false"))
        self.assertEqual(code, 1)
        self.assertEqual(stderr, [
            "environment: SESSIONGATE_COOKIE_SAMESITE: None requires Secure: cookie.secure must be auto or true",
            "sessiongate: not starting: 1 configuration problem",
        ])
        self.assertFalse(os.path.exists(os.path.join(self.tmpdir, "store")))


class CheckConfigAsRun(ConfigCliTestCase):
    """check-config runs every check `run` runs before it binds: what one
    refuses the other refuses, with the same lines, and check-config creates
    nothing."""

    def config_file(self, *lines, name="c.yaml"):
        return self.write(name, "\n".join(["listen: 127.0.0.1:0", "admin: 127.0.0.1:0",
                                            "upstream: http://127.0.0.1:1"] + list(lines) + [""]))

    def assert_both_refuse(self, path, expected, env=None):
        """check-config and run exit 1 with exactly `expected` problems."""
        r = sg("check-config", "-c", path, env=env)
        self.assertEqual((r.returncode, r.stdout), (1, ""), r)
        self.assertEqual(self.problems(r), expected)
        proc, out, err = self.start(["run", "-c", path], env=env)
        self.assertEqual(proc.wait(timeout=TIMEOUT), 1)
        err.join(5)
        out.join(5)
        self.assertEqual([l for l in err.text if l.strip()],
                         expected + ["sessiongate: not starting: %d configuration problem%s"
                                     % (len(expected), "" if len(expected) == 1 else "s")])
        self.assertEqual([l for l in out.lines if l.get("event") == "listening"], [])

    def test_missing_secret_key_file(self):
        keys = os.path.join(self.tmpdir, "no-such-keys")
        path = self.config_file("secret_key_file: " + keys)
        self.assert_both_refuse(path, ["%s:4: secret_key_file: cannot read secret key file %s: "
                                       "No such file or directory" % (path, keys)])

    def test_short_secret_key(self):
        keys = self.write("keys", "# newest first\n" + "k" * 40 + "\nshort-key\n")
        path = self.config_file("secret_key_file: " + keys)
        self.assert_both_refuse(path, ["%s:4: secret_key_file: secret key 2 of %s is 9 characters long; "
                                       "at least 32 are required" % (path, keys)])
        env = clean_env(SESSIONGATE_SECRET_KEYS="0123456789")
        self.assert_both_refuse(self.config_file(name="env.yaml"),
                                ["environment: SESSIONGATE_SECRET_KEYS: secret key 1 of SESSIONGATE_SECRET_KEYS "
                                 "is 10 characters long; at least 32 are required"], env=env)

    def test_listen_equal_to_admin(self):
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        path = self.write("same.yaml", "listen: 127.0.0.1:%d\nadmin: 127.0.0.1:%d\n" % (port, port))
        self.assert_both_refuse(path, ["%s:2: admin: must not take the same port as listen "
                                       "(127.0.0.1:%d and 127.0.0.1:%d)" % (path, port, port)])

    def test_store_path_that_cannot_be_a_directory(self):
        blocker = self.write("a-file", "not a directory\n")
        path = self.config_file("store:", "  path: " + os.path.join(blocker, "store"))
        self.assert_both_refuse(path, ["%s:5: store.path: cannot create %s: %s is not a directory"
                                       % (path, os.path.join(blocker, "store"), blocker)])
        path = self.config_file("store:", "  path: " + blocker, name="file.yaml")
        self.assert_both_refuse(path, ["%s:5: store.path: %s is not a directory" % (path, blocker)])

    def test_upstream_that_does_not_resolve(self):
        path = self.write("dns.yaml", "listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\n"
                                      "upstream: http://no-such-host.invalid:8000\n")
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1, r)
        problems = self.problems(r)
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith("%s:3: upstream: cannot resolve no-such-host.invalid: " % path),
                        problems)

    def test_check_config_creates_nothing_and_run_names_the_key_it_generates(self):
        upstream = Upstream()
        self.addCleanup(upstream.stop)
        store = os.path.join(self.tmpdir, "data", "sessions")
        path = self.write("fresh.yaml", "listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\n"
                                        "upstream: http://127.0.0.1:%d\nstore:\n  path: %s\n" % (upstream.port, store))
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(os.listdir(self.tmpdir)), ["fresh.yaml"])

        proc, out, err = self.start(["run", "-c", path])
        line = out.wait_line(lambda o: o.get("event") == "listening", TIMEOUT)
        self.assertIsNotNone(line, err.text[-5:])
        self.assertEqual(line.get("secret_keys"), os.path.join(store, "secret_key"), line)
        self.assertTrue(os.path.isfile(os.path.join(store, "secret_key")))
        proc.terminate()
        self.assertEqual(proc.wait(timeout=TIMEOUT), 0)
        # Now that the key exists, check-config reads it as run does.
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 0, r)
        with open(os.path.join(store, "secret_key"), "w") as f:
            f.write("too-short\n")
        r = sg("check-config", "-c", path)
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(self.problems(r), ["%s:5: store.path: secret key 1 of %s is 9 characters long; "
                                            "at least 32 are required" % (path, os.path.join(store, "secret_key"))])


class LogLevel(ConfigCliTestCase):
    """log.level drops every line below it, the listening line included."""

    def run_with_level(self, level):
        """Starts the proxy at `level` on known ports, sends one request that
        succeeds and one the upstream cannot answer (502, an error line),
        stops it with SIGTERM: the JSON lines it printed, (stdout, stderr)."""
        upstream = Upstream()
        self.addCleanup(upstream.stop)
        ports = []
        for _ in range(2):
            with socket.socket() as s:
                s.bind((HOST, 0))
                ports.append(s.getsockname()[1])
        path = self.write("level.yaml", "\n".join([
            "listen: 127.0.0.1:%d" % ports[0],
            "admin: 127.0.0.1:%d" % ports[1],
            "upstream: http://127.0.0.1:%d" % upstream.port,
            "store:",
            "  path: %s" % os.path.join(self.tmpdir, "store-" + level),
            "  durability: none",
            "",
        ]))
        proc, out, err = self.start(["run", "-c", path], env=clean_env(SESSIONGATE_LOG_LEVEL=level))
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                socket.create_connection((HOST, ports[0]), timeout=1).close()
                break
            except OSError:
                self.assertIsNone(proc.poll(), "the proxy exited: %r" % err.text[-5:])
                self.assertLess(time.monotonic(), deadline, "the proxy did not listen")
                time.sleep(0.05)
        self.assertEqual(request(ports[0], "GET", "/fine?hash=0").status, 200)
        upstream.stop()
        self.assertEqual(request(ports[0], "GET", "/down").status, 502)
        proc.terminate()
        self.assertEqual(proc.wait(timeout=TIMEOUT), 0)
        out.join(5)
        err.join(5)
        for reader in (out, err):
            self.assertEqual(len(reader.lines), len([l for l in reader.text if l.strip()]), reader.text)
        return out.lines, err.lines

    def test_error_level_prints_no_info_lines(self):
        stdout, stderr = self.run_with_level("error")
        self.assertEqual(stdout, [])
        self.assertEqual(sorted({l.get("level") for l in stderr}), ["error"], stderr)
        self.assertIn("upstream_error", [l.get("event") for l in stderr])

    def test_info_level_prints_lifecycle_and_requests_on_stdout_errors_on_stderr(self):
        stdout, stderr = self.run_with_level("info")
        events = {(l.get("level"), l.get("event")) for l in stdout}
        for expected in (("info", "listening"), ("info", "request"), ("info", "stopped")):
            self.assertIn(expected, events)
        self.assertEqual({l.get("level") for l in stdout}, {"info"})
        error = [l for l in stderr if l.get("event") == "upstream_error"]
        self.assertEqual(len(error), 1, stderr)
        self.assertEqual(error[0]["level"], "error")
        # The same request id in the error and in the request's access line.
        failed = [l for l in stdout if l.get("event") == "request" and l.get("status") == 502]
        self.assertEqual(len(failed), 1, stdout)
        self.assertEqual(error[0]["request_id"], failed[0]["request_id"])


class Help(unittest.TestCase):

    def help(self, *args):
        r = sg(*(list(args) + ["--help"]))
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stderr, "")
        return r.stdout

    def test_program(self):
        text = self.help()
        self.assertIn("Usage: sessiongate [OPTIONS] [SUBCOMMAND]", text)
        for sub in ("run", "check-config", "sessions", "help"):
            self.assertRegex(text, r"\n  %s\s+\S" % sub)
        self.assertIn("--version", text)
        self.assertIn("Precedence: flag > environment > file > default.", text)
        self.assertIn("SESSIONGATE_", text)

    def test_run_and_check_config(self):
        for sub in ("run", "check-config"):
            text = self.help(sub)
            self.assertIn("Usage: sessiongate %s [OPTIONS]" % sub, text)
            for flag, kind in (("-c,--config", "FILE"), ("--listen", "HOST:PORT"), ("--upstream", "URL"),
                               ("--admin", "HOST:PORT"), ("--threads", "N"), ("--store-path", "DIR")):
                self.assertRegex(text, r"\n  %s %s\b.*" % (flag, kind), "%s --help: %s" % (sub, flag))
            self.assertIn("SESSIONGATE_CONFIG", text)
        self.assertIn("SIGHUP", self.help("run"))
        self.assertIn("FILE:LINE: KEY: MESSAGE", self.help("check-config"))

    def test_sessions(self):
        text = self.help("sessions")
        self.assertIn("Usage: sessiongate sessions [OPTIONS] SUBCOMMAND", text)
        for sub in ("list", "show", "delete", "clear-expired"):
            self.assertRegex(text, r"\n  %s\s+\S" % sub)
            sub_text = self.help("sessions", sub)
            self.assertIn("Usage: sessiongate sessions %s" % sub, sub_text)
            self.assertRegex(sub_text, r"\n  -c,--config FILE\b")
            self.assertRegex(sub_text, r"\n  --store-path DIR\b")
        for sub in ("list", "show", "delete", "clear-expired"):
            self.assertRegex(self.help("sessions", sub), r"\n  --json\s+\S")
        self.assertRegex(self.help("sessions", "show"), r"\n  --data\b")
        for sub in ("show", "delete"):
            text = self.help("sessions", sub)
            self.assertIn("Usage: sessiongate sessions %s [OPTIONS] HANDLE\n" % sub, text)
            # The handle once: a positional, not also an option.
            self.assertEqual(len([l for l in text.splitlines() if l.strip().startswith(("HANDLE", "--handle"))]),
                             1, text)
            self.assertNotIn("--handle", text)

    def test_bare_command_and_help_print_the_help(self):
        text = self.help()
        for args in ((), ("help",)):
            r = sg(*args)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, text, ""), args)
        for topic in (("run",), ("sessions",), ("sessions", "show")):
            r = sg("help", *topic)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, self.help(*topic), ""), topic)
        r = sg("help", "sessions", "shwo")
        self.assertEqual((r.returncode, r.stdout), (2, ""), r)
        self.assertIn("no command named shwo", r.stderr)

    def test_version_and_usage_errors(self):
        r = sg("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^sessiongate \d+\.\d+\.\d+")
        r = sg("check-config", "--no-such-flag")
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("--no-such-flag", r.stderr)


if __name__ == "__main__":
    unittest.main()
