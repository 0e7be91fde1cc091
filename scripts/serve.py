"""`make serve`: the production set-up in the foreground: nginx on HOST:PORT in front of gunicorn.

nginx (deploy/nginx.conf, rendered into the run folder) takes the clients: it reads their requests
without a thread per socket, drops slow ones after its timeouts, limits each address, serves the
static files, and passes complete requests with the client's address (X-Real-IP) to gunicorn on a
unix socket that only it can reach (gunicorn is told to read that header: CLIENT_IP_HEADER).
Ctrl-C (or SIGTERM) stops nginx gracefully, then gunicorn. Nothing is installed here: a missing
program or setting is named, and nothing starts.

    python -m scripts.serve --preflight   # only check what is needed (the Makefile runs it first)
    python -m scripts.serve               # serve until interrupted

Environment: HOST (127.0.0.1), PORT (8000), SECRET_KEY (required), NGINX (the nginx program),
SERVE_RUN_DIR (var/serve: configuration, pid, socket, logs, temporary files), SERVE_NGINX_USER
(when started as root: the user nginx's workers run as, www-data by default); the SERVE_* limits
in railconnect/settings.py. The rest (DATABASE_URL, REDIS_URL, GUNICORN_*) as for `make run`.
"""

import argparse
import grp
import os
import pwd
import re
import resource
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf"
# Debian installs nginx in /usr/sbin, which is not on every user's PATH.
NGINX_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])


def fail(message):
    print(f"make serve: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def find_nginx():
    return shutil.which(os.environ.get("NGINX", "nginx"), path=NGINX_SEARCH_PATH)


def preflight():
    """What is missing for the production set-up, as messages (empty: ready)."""
    problems = []
    if find_nginx() is None:
        problems.append(
            "nginx is not installed (Debian/Ubuntu: `apt-get install nginx`; or set NGINX to its path)."
        )
    if not os.environ.get("SECRET_KEY"):
        problems.append(
            "SECRET_KEY is not set. Production needs its own secret key in the environment, e.g. "
            "`export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')` "
            "(keep it: changing it logs everybody out)."
        )
    return problems


def worker_user():
    """(name, uid, gid) of nginx's workers when started as root, else None (they run as us)."""
    if os.geteuid() != 0:
        return None
    candidates = (
        [os.environ["SERVE_NGINX_USER"]] if os.environ.get("SERVE_NGINX_USER") else ["www-data", "nobody"]
    )
    for name in candidates:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, entry.pw_uid, entry.pw_gid
    fail(f"no user {' or '.join(candidates)} for nginx's workers: set SERVE_NGINX_USER")


def check_worker_access(user, static_root, run_dir):
    """nginx's workers must read the static files and reach gunicorn's socket: ask as that user."""
    name, uid, gid = user
    result = subprocess.run(
        ["test", "-r", str(static_root / "staticfiles.json"), "-a", "-x", str(run_dir)],
        user=uid,
        group=gid,
        extra_groups=[],
        capture_output=True,
    )
    if result.returncode:
        fail(
            f"nginx's workers run as {name}, who cannot read {static_root} or enter {run_dir}: make every "
            f"folder on the way readable (chmod o+rx), or set SERVE_NGINX_USER to a user who can."
        )


def open_files_limit():
    """Raise this process's (and so the children's) open-file limit to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def render(settings, *, host, port, run_dir, user, nofile, sockets=None):
    """deploy/nginx.conf with its values; `sockets`: the gunicorns' unix sockets (make serve's one
    by default)."""
    # Each proxied request takes two descriptors (client and gunicorn); keep some for logs.
    worker_connections = min(settings.SERVE_WORKER_CONNECTIONS, max(64, (nofile - 64) // 2))
    if worker_connections < settings.SERVE_WORKER_CONNECTIONS:
        print(
            f"make serve: the open-file limit ({nofile}) allows {worker_connections} connections per nginx "
            f"worker, not {settings.SERVE_WORKER_CONNECTIONS} (raise it with `ulimit -n`)",
            file=sys.stderr,
        )
    rate = (
        f"limit_req zone=per_client_rate burst={settings.SERVE_RATE_BURST} nodelay;"
        if settings.SERVE_RATE_LIMIT > 0
        else "# no rate limit (SERVE_RATE_LIMIT=0)"
    )
    connections = (
        f"limit_conn per_client_connections {settings.SERVE_CONNECTIONS_PER_CLIENT};"
        if settings.SERVE_CONNECTIONS_PER_CLIENT > 0
        else "# no connection limit (SERVE_CONNECTIONS_PER_CLIENT=0)"
    )
    values = {
        "USER": f"user {user[0]} {grp.getgrgid(user[2]).gr_name};"
        if user
        else "# workers run as the user who started nginx",
        "RLIMIT_NOFILE": nofile,
        "WORKER_CONNECTIONS": worker_connections,
        "RUN": run_dir,
        "HOST": host,
        "PORT": port,
        "HEADER_TIMEOUT": settings.SERVE_HEADER_TIMEOUT,
        "BODY_TIMEOUT": settings.SERVE_BODY_TIMEOUT,
        "KEEPALIVE_TIMEOUT": settings.SERVE_KEEPALIVE_TIMEOUT,
        # Shorter than gunicorn's keep-alive (gunicorn.conf.py): the client side closes first.
        "UPSTREAM_KEEPALIVE_TIMEOUT": max(1, gunicorn_keepalive() - 15),
        "MAX_BODY_MB": settings.SERVE_MAX_BODY_MB,
        "RATE_LIMIT": max(settings.SERVE_RATE_LIMIT, 1),
        "RATE_LIMIT_LINE": rate,
        "CONNECTION_LIMIT": connections,
        "STATIC_URL": settings.STATIC_URL,
        "STATIC_ROOT": Path(settings.STATIC_ROOT).resolve(),
        "IMMUTABLE_MAX_AGE": settings.IMMUTABLE_MAX_AGE,
        "UPSTREAM_SERVERS": "\n        ".join(
            f"server unix:{path} max_fails=1 fail_timeout=5s;"
            for path in sockets or [run_dir / "gunicorn.sock"]
        ),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", str(value))
    leftover = re.findall(
        r"@[A-Z_]+@", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    if leftover:
        raise RuntimeError(f"{TEMPLATE} names unknown values {leftover}")
    return text


def gunicorn_keepalive():
    """gunicorn.conf.py's keep-alive (s), as gunicorn will read it."""
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))["keepalive"]


def prepare_run_dir(run_dir, user):
    """The run folder: only we (and, when root, nginx's workers' group) may enter it, since it holds
    gunicorn's socket, which trusts X-Real-IP from whoever connects."""
    for sub in ("logs", "tmp"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    if user:
        os.chown(run_dir, 0, user[2])
        os.chmod(run_dir, 0o750)
    else:
        os.chmod(run_dir, 0o700)
    socket_path = run_dir / "gunicorn.sock"
    socket_path.unlink(missing_ok=True)
    return socket_path


def wait_for(check, process, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if check():
            return True
        time.sleep(0.1)
    fail(f"{what} did not start in {seconds} s")


def connects(family, address):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            probe.connect(address)
        return True
    except OSError:
        return False


def stop(process, sig, seconds):
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--preflight", action="store_true", help="only check that nginx and SECRET_KEY are there"
    )
    args = parser.parse_args()
    problems = preflight()
    if problems:
        fail("cannot start the production set-up:\n  - " + "\n  - ".join(problems))
    if args.preflight:
        return 0

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
    # gunicorn reads the client's address from nginx's header, and only nginx can reach it.
    os.environ["CLIENT_IP_HEADER"] = "HTTP_X_REAL_IP"
    import django
    from django.conf import settings

    django.setup()
    from django.core.exceptions import ImproperlyConfigured

    from railconnect.checks import refuse_unsafe_start

    try:
        refuse_unsafe_start()
    except ImproperlyConfigured as error:
        fail(str(error))
    static_root = Path(settings.STATIC_ROOT).resolve()
    if not (static_root / "staticfiles.json").is_file():
        fail(f"no static build in {static_root}: run `make static`")

    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", 8000))
    run_dir = Path(os.environ.get("SERVE_RUN_DIR") or ROOT / "var" / "serve").resolve()
    user = worker_user()
    socket_path = prepare_run_dir(run_dir, user)
    if user:
        check_worker_access(user, static_root, run_dir)
    nofile = open_files_limit()
    config = run_dir / "nginx.conf"
    config.write_text(render(settings, host=host, port=port, run_dir=run_dir, user=user, nofile=nofile))

    # Their own process groups: Ctrl-C reaches this script only, which stops them in order.
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"unix:{socket_path}",
            "railconnect.wsgi",
        ],
        cwd=ROOT,
        start_new_session=True,
    )
    nginx = None
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        if not wait_for(lambda: connects(socket.AF_UNIX, str(socket_path)), gunicorn, "gunicorn"):
            fail("gunicorn exited (see its messages above)")
        nginx = subprocess.Popen(
            [find_nginx(), "-p", str(run_dir), "-c", str(config), "-e", "stderr"], start_new_session=True
        )
        if not wait_for(
            lambda: connects(socket.AF_INET6 if ":" in host else socket.AF_INET, (host.strip("[]"), port)),
            nginx,
            "nginx",
        ):
            fail(f"nginx exited (see its messages above; configuration: {config})")
        print(
            f"make serve: http://{host}:{port}/ (nginx, logs in {run_dir / 'logs'}) -> gunicorn on "
            f"unix:{socket_path}. Ctrl-C stops both.",
            flush=True,
        )
        while not stopping:
            if gunicorn.poll() is not None or nginx.poll() is not None:
                which = "gunicorn" if gunicorn.poll() is not None else "nginx"
                fail(f"{which} exited unexpectedly; stopping the other")
            time.sleep(0.2)
        print("make serve: stopping nginx, then gunicorn", flush=True)
        return 0
    finally:
        # nginx first (SIGQUIT: finish the requests in progress, which need gunicorn), then gunicorn.
        if nginx is not None:
            stop(nginx, signal.SIGQUIT, 30)
        stop(gunicorn, signal.SIGTERM, 30)
        socket_path.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
