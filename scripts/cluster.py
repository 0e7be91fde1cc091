"""`make run-cluster`: the scale-out topology on this one machine, in the foreground.

    clients -> nginx (HOST:PORT) -> gunicorn x CLUSTER_INSTANCES (unix sockets, round robin)
                                      |-> PostgreSQL primary   127.0.0.1:5441 (writes, sessions, tasks)
                                      |     `-> streaming replica 127.0.0.1:5442 (read-only public pages)
                                      |-> PostgreSQL 2nd primary 127.0.0.1:5443 (inventory partition p2)
                                      `-> Redis (REDIS_URL, or a private redis-server on 8499)
                 one task worker (manage.py db_worker) + one scheduler (manage.py run_scheduler)

Three scratch PostgreSQL clusters are made in CLUSTER_DIR (var/cluster) the first time, run as the
`postgres` user when started as root, and kept for the next run (CLUSTER_FRESH=1 starts over): the
primary by initdb, the replica by pg_basebackup from it (streaming, `-R`), the second primary by
initdb. The system PostgreSQL on 5432 is never touched. Then: migrate every primary alias the
settings know (DATABASE_PARTITION_URLS names the second primary; settings that do not read it
ignore it), seed the demo data into an empty database, start the app instances, one task worker
and one scheduler, and nginx (deploy/nginx.conf rendered by scripts/serve.py, one upstream server
per instance). Ctrl-C (or SIGTERM) stops nginx, the apps, the task processes, Redis and the
PostgreSQL clusters, in that order. A missing program is named and nothing starts.

Environment: HOST (127.0.0.1), PORT (8000), CLUSTER_INSTANCES (2), CLUSTER_DIR, CLUSTER_FRESH,
CLUSTER_PRIMARY_PORT (5441), CLUSTER_REPLICA_PORT (5442), CLUSTER_PARTITION_PORT (5443),
CLUSTER_REDIS_PORT (8499, when REDIS_URL is unset), and the rest as for `make run` (GUNICORN_*,
DATABASE_POOL_*, REPLICA_*...). The classes here are also the drills' (tests/faults/test_cluster.py)
and `make bench-cluster`'s (benchmarks/bench_cluster.py).
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from scripts import serve

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE_NAME = "railconnect"


def fail(message: str) -> None:
    print(f"make run-cluster: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def postgres_bin() -> Path | None:
    """Where initdb, pg_ctl and pg_basebackup are (on PATH, else Debian's /usr/lib/postgresql/N/bin)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_basebackup", path=str(Path(found).parent)):
        return Path(found).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[-3])
    )
    return Path(candidates[-1]).parent if candidates else None


def missing_programs(*, need_redis: bool) -> list[str]:
    """What is missing for the cluster, as messages (empty: ready)."""
    problems = []
    bin_dir = postgres_bin()
    for program in ("initdb", "pg_ctl", "pg_basebackup"):
        if bin_dir is None or not (bin_dir / program).exists():
            problems.append(
                f"{program} is not installed: the cluster needs PostgreSQL's server programs "
                "(Debian/Ubuntu: `apt-get install postgresql`; they land in /usr/lib/postgresql/N/bin)."
            )
    if serve.find_nginx() is None:
        problems.append("nginx is not installed (Debian/Ubuntu: `apt-get install nginx`; or set NGINX).")
    if need_redis and shutil.which("redis-server") is None:
        problems.append(
            "redis-server is not installed (Debian/Ubuntu: `apt-get install redis-server`), and REDIS_URL "
            "is not set to a Redis of your own."
        )
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            problems.append("running as root needs a `postgres` system user to run PostgreSQL as.")
    return problems


def wait_for_port(port: int, seconds: float = 30, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if serve.connects(socket.AF_INET, (host, port)):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {seconds} s")


class PostgresNode:
    """One PostgreSQL cluster of ours: a data directory under `base`, a loopback port, its own log."""

    def __init__(self, name: str, port: int, base: Path, *, fsync: bool = True, max_connections: int = 100):
        self.name = name
        self.port = port
        self.base = base
        self.data = base / name
        self.log = base / f"{name}.log"
        self.fsync = fsync
        self.max_connections = max_connections
        self.as_postgres = os.geteuid() == 0
        bin_dir = postgres_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL's server programs are not installed")
        self.bin = bin_dir

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}{log}")
        return result

    @property
    def initialized(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def init(self) -> None:
        """A new primary: trust authentication on loopback (replication included, initdb's default)."""
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N")

    def clone_from(self, primary: "PostgresNode") -> None:
        """A streaming replica of `primary` (running): a base backup with its WAL, and -R writes
        standby.signal and primary_conninfo, so it starts as a hot standby following the primary."""
        self.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )

    def options(self) -> str:
        options = [
            f"-p {self.port}",
            f"-k {self.base}",
            "-c listen_addresses=127.0.0.1",
            f"-c max_connections={self.max_connections}",
            # A replica's long reads do not get cancelled by the primary's vacuum.
            "-c hot_standby_feedback=on",
        ]
        if not self.fsync:
            options.append("-c fsync=off")
        return " ".join(options)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-o", self.options(), "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", timeout=60)

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []

    def ensure_database(self, name: str = DATABASE_NAME) -> None:
        if not self.execute(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            self.execute(f'CREATE DATABASE "{name}"')


class SettingsOverlay:
    """Django's settings with the app processes' overrides (STATIC_ROOT, SERVE_*) on top: nginx must
    be rendered with what the apps run with, not with this process's settings."""

    def __init__(self, settings: object, overrides: dict[str, str]) -> None:
        self._settings = settings
        self._overrides = overrides

    def __getattr__(self, name: str) -> object:
        value = getattr(self._settings, name)
        if name in self._overrides:
            return type(value)(self._overrides[name]) if isinstance(value, int) else self._overrides[name]
        return value


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 30) -> None:
        if self.alive():
            self.signal_group(sig)
            try:
                self.popen.wait(seconds)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.popen.wait()
        else:
            # Its children (gunicorn workers of a killed arbiter) must not outlive it.
            self.signal_group(signal.SIGKILL)


@dataclass
class Cluster:
    """The whole topology; start() brings it up in order, stop() takes it down in reverse."""

    base: Path
    host: str = "127.0.0.1"
    port: int = 8000
    instances: int = 2
    primary_port: int = 5441
    replica_port: int = 5442
    partition_port: int = 5443
    redis_url: str = ""
    redis_port: int = 8499
    fsync: bool = True
    seed: bool = True
    # Settings for every app process (on top of this process's environment).
    env: dict[str, str] = field(default_factory=dict)
    quiet: bool = False

    def __post_init__(self) -> None:
        self.base = self.base.resolve()
        self.pg_dir = self.base / "postgres"
        self.run_dir = self.base / "run"
        self.primary = PostgresNode("primary", self.primary_port, self.pg_dir, fsync=self.fsync)
        self.replica = PostgresNode("replica", self.replica_port, self.pg_dir, fsync=self.fsync)
        self.partition = PostgresNode("partition", self.partition_port, self.pg_dir, fsync=self.fsync)
        self.apps: list[Process | None] = []
        self.tasks: list[Process] = []
        self.nginx: Process | None = None
        self.redis: Process | None = None

    # --- configuration -------------------------------------------------------------------------

    def say(self, message: str) -> None:
        if not self.quiet:
            print(f"make run-cluster: {message}", flush=True)

    def app_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "railconnect.settings",
                "DATABASE_URL": self.primary.url(),
                "DATABASE_REPLICA_URL": self.replica.url(),
                "DATABASE_PARTITION_URLS": f"p2={self.partition.url()}",
                "REDIS_URL": self.redis_url,
                # nginx passes the client's address; only nginx can reach the sockets.
                "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.pop("RUN_TASK_PROCESSES", None)  # one worker and one scheduler for the whole cluster
        env.update(self.env)
        return env

    def socket_path(self, number: int) -> Path:
        return self.run_dir / f"app-{number}.sock"

    def manage(self, *args: str) -> None:
        subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=self.app_env(), check=True)

    # --- start ---------------------------------------------------------------------------------

    def start_databases(self) -> None:
        self.pg_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, "postgres")
            # The postgres user must be able to reach it: every folder on the way searchable.
            for parent in self.pg_dir.parents:
                if parent == Path("/"):
                    break
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    fail(f"{parent} is not searchable by the postgres user: chmod o+x it or set CLUSTER_DIR")
        if not self.primary.initialized:
            self.say(f"initdb: primary in {self.primary.data}")
            self.primary.init()
        self.primary.start()
        self.primary.ensure_database()
        if not self.replica.initialized:
            self.say(f"pg_basebackup: replica of 127.0.0.1:{self.primary.port} in {self.replica.data}")
            self.replica.clone_from(self.primary)
        self.replica.start()
        if not self.partition.initialized:
            self.say(f"initdb: second primary in {self.partition.data}")
            self.partition.init()
        self.partition.start()
        self.partition.ensure_database()

    def start_redis(self) -> None:
        if self.redis_url:
            return
        redis_dir = self.base / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        self.redis = Process(
            "redis",
            subprocess.Popen(
                [
                    str(shutil.which("redis-server")),
                    "--port",
                    str(self.redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(redis_dir),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            ),
        )
        wait_for_port(self.redis_port, 10)
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"

    def migrate(self) -> None:
        """migrate on every alias the settings know but the replica (which replays the primary's)."""
        aliases = subprocess.run(
            [
                PYTHON,
                "-c",
                "import django; django.setup(); from django.conf import settings; "
                "print(' '.join(a for a in settings.DATABASES if a != 'replica'))",
            ],
            cwd=ROOT,
            env=self.app_env(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        for alias in aliases:
            self.say(f"migrate --database {alias}")
            self.manage("migrate", "--noinput", "--verbosity", "0", "--database", alias)
        if self.seed:
            self.manage("seed_demo", "--if-empty")
            self.manage("seed_promotions", "--if-empty")
            if self.redis_url:
                self.manage("warm_cache")

    def start_app(self, number: int, log: Path | None = None) -> Process:
        path = self.socket_path(number)
        path.unlink(missing_ok=True)
        output = open(log, "ab") if log else None  # noqa: SIM115  (kept open for the process)
        process = Process(
            f"app-{number}",
            subprocess.Popen(
                [
                    str(Path(PYTHON).parent / "gunicorn"),
                    "--config",
                    str(ROOT / "gunicorn.conf.py"),
                    "--bind",
                    f"unix:{path}",
                    "--control-socket",
                    str(self.run_dir / f"app-{number}.ctl"),
                    "--pid",
                    str(self.run_dir / f"app-{number}.pid"),
                    "railconnect.wsgi",
                ],
                cwd=ROOT,
                env=self.app_env(),
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,
            ),
        )
        deadline = time.monotonic() + 90
        while not serve.connects(socket.AF_UNIX, str(path)):
            if not process.alive() or time.monotonic() > deadline:
                process.stop(signal.SIGKILL)
                raise RuntimeError(f"gunicorn instance {number} did not start (see its messages)")
            time.sleep(0.1)
        return process

    def start_apps(self, logs: Path | None = None) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for number in range(1, self.instances + 1):
            self.apps.append(self.start_app(number, logs / f"app-{number}.log" if logs else None))
            self.say(f"gunicorn instance {number} on unix:{self.socket_path(number)}")

    def start_tasks(self, logs: Path | None = None) -> None:
        for name, command in (
            ("db_worker", ["db_worker", "--queue-name", "*", "--no-startup-delay"]),
            ("scheduler", ["run_scheduler"]),
        ):
            output = open(logs / f"{name}.log", "ab") if logs else None  # noqa: SIM115
            self.tasks.append(
                Process(
                    name,
                    subprocess.Popen(
                        [PYTHON, str(ROOT / "manage.py"), *command],
                        cwd=ROOT,
                        env=self.app_env(),
                        stdout=output,
                        stderr=subprocess.STDOUT if output else None,
                        start_new_session=True,
                    ),
                )
            )
        self.say("one task worker and one scheduler for the whole cluster")

    def start_nginx(self, logs: Path | None = None) -> None:
        import django
        from django.conf import settings as django_settings

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
        django.setup()
        settings = SettingsOverlay(django_settings, self.env)
        user = serve.worker_user()
        nginx_dir = self.run_dir / "nginx"
        nginx_dir.mkdir(parents=True, exist_ok=True)
        serve.prepare_run_dir(nginx_dir, user)
        if user:
            # nginx's workers reach the sockets in run/: its group may enter it.
            os.chown(self.run_dir, 0, user[2])
            os.chmod(self.run_dir, 0o750)
            serve.check_worker_access(user, Path(str(settings.STATIC_ROOT)).resolve(), self.run_dir)
        config = nginx_dir / "nginx.conf"
        config.write_text(
            serve.render(
                settings,
                host=self.host,
                port=self.port,
                run_dir=nginx_dir,
                user=user,
                nofile=serve.open_files_limit(),
                sockets=[self.socket_path(n) for n in range(1, self.instances + 1)],
            )
        )
        nginx = serve.find_nginx()
        assert nginx is not None
        output = open(logs / "nginx.log", "ab") if logs else None  # noqa: SIM115
        self.nginx = Process(
            "nginx",
            subprocess.Popen(
                [nginx, "-p", str(nginx_dir), "-c", str(config), "-e", "stderr"],
                stderr=output,
                start_new_session=True,
            ),
        )
        wait_for_port(self.port, 30, self.host)

    def start(self, logs: Path | None = None) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.start_databases()
        self.start_redis()
        self.migrate()
        self.start_apps(logs)
        self.start_tasks(logs)
        self.start_nginx(logs)

    # --- faults and stop -------------------------------------------------------------------------

    def kill_app(self, number: int) -> None:
        """SIGKILL a whole app instance (its arbiter and workers) at once, like a lost machine."""
        process = self.apps[number - 1]
        assert process is not None
        process.signal_group(signal.SIGKILL)
        process.popen.wait()

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop(signal.SIGQUIT, 30)
        for app in self.apps:
            if app is not None:
                app.stop(signal.SIGTERM, 30)
        for task in self.tasks:
            task.stop(signal.SIGTERM, 30)
        if self.redis is not None:
            self.redis.stop(signal.SIGTERM, 10)
        for node in (self.partition, self.replica, self.primary):
            try:
                node.stop("fast")
            except Exception as error:  # noqa: BLE001  stop the others all the same
                print(f"stopping PostgreSQL {node.name}: {error}", file=sys.stderr)


def main() -> int:
    redis_url = os.environ.get("REDIS_URL", "")
    problems = missing_programs(need_redis=not redis_url)
    if problems:
        fail("cannot start the cluster:\n  - " + "\n  - ".join(problems))
    base = Path(os.environ.get("CLUSTER_DIR") or ROOT / "var" / "cluster")
    if os.environ.get("CLUSTER_FRESH") == "1" and base.exists():
        shutil.rmtree(base)
    cluster = Cluster(
        base=base,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", 8000)),
        instances=int(os.environ.get("CLUSTER_INSTANCES", 2)),
        primary_port=int(os.environ.get("CLUSTER_PRIMARY_PORT", 5441)),
        replica_port=int(os.environ.get("CLUSTER_REPLICA_PORT", 5442)),
        partition_port=int(os.environ.get("CLUSTER_PARTITION_PORT", 5443)),
        redis_url=redis_url,
        redis_port=int(os.environ.get("CLUSTER_REDIS_PORT", 8499)),
    )
    stopping: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        stopping.append(signum)
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        cluster.start()
        print(
            f"make run-cluster: http://{cluster.host}:{cluster.port}/ (nginx) -> {cluster.instances} "
            f"gunicorn instances; PostgreSQL primary :{cluster.primary.port}, "
            f"replica :{cluster.replica.port}, second primary "
            f":{cluster.partition.port}; Redis {cluster.redis_url}. Ctrl-C stops everything.",
            flush=True,
        )
        while True:
            for process in [cluster.nginx, *cluster.apps, *cluster.tasks]:
                if process is not None and not process.alive():
                    fail(f"{process.name} exited unexpectedly; stopping the rest")
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("make run-cluster: stopping nginx, the app instances, the task processes, Redis, PostgreSQL")
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as error:
        fail(str(error))
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
