"""`make lighthouse`: Lighthouse (mobile, default config) against the production-mode site.

Starts gunicorn (DEBUG off, the built static files, WhiteNoise) on a free loopback port with a
temporary SQLite database and media folder, loads the demo data (seed_demo, seed_promotions),
then runs Lighthouse 12.2.3 (node_modules, from package-lock.json) in Debian's Chromium on every
key page of testsupport/performance_budgets.py that exists, a PNR's status page and the booking
review page, and prints the performance score, FCP,
LCP, CLS, TBT and total bytes per page, and the accessibility, best-practices and SEO scores.
Each page is run LIGHTHOUSE_RUNS times (default 3) and the medians are reported. JSON reports are
kept in var/lighthouse/.

Signed-in pages: each run gets a Chromium of its own (the flags Lighthouse's chrome-launcher uses,
a fresh profile), the passenger's session cookie is put in its cookie jar over the DevTools
protocol (Playwright), and Lighthouse is pointed at it with --port. Not --extra-headers: Chromium
drops a Cookie header given that way as soon as the site sets any cookie of its own (the
signed-in hint, the CSRF token) and sends its jar instead, so the page's own fetch() calls went
without the session (GoogleChrome/lighthouse#6207); the dashboard's statistics fragment then
answered 403 (errors-in-console, best practices 96). This is Lighthouse's documented way for
pages behind a log-in (docs/authenticated-pages.md in its repository).

Exit status 1 when a page misses a target (performance, accessibility and best practices 100, LCP <
1.2 s, CLS 0; SEO 100 on public pages: private ones are noindex on purpose) or Lighthouse fails.
Environment: CHROME_PATH (default /usr/bin/chromium), LIGHTHOUSE_RUNS, LIGHTHOUSE_PAGES
(comma-separated page names, default all).
"""

import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
REPORTS = ROOT / "var" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
ATTEMPTS = 3
CATEGORIES = {"a11y": "accessibility", "bp": "best-practices", "seo": "seo"}
METRICS = ("score", "fcp_ms", "lcp_ms", "cls", "tbt_ms", "bytes", *CATEGORIES)
TARGETS = {"score": 100, "lcp_ms": 1200, "cls": 0.0, "a11y": 100, "bp": 100, "seo": 100}
SHARED_DATA = ROOT.parent / "shared" / "data"
LAUNCHER_FLAGS = (
    'import { Launcher } from "chrome-launcher"; console.log(Launcher.defaultFlags().join("\\n"));'
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT)


def load_data(env):
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    commands = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "help", "--commands"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if "seed_demo" in commands:
        manage(env, "seed_demo")
    elif (SHARED_DATA / "timetable-sample.csv").is_file():
        print("== seed_demo is not available yet: importing ../shared/data instead", flush=True)
        manage(
            env,
            "import_timetable",
            "--stations",
            str(SHARED_DATA / "stations.geojson"),
            "--timetable",
            str(SHARED_DATA / "timetable-sample.csv"),
        )
    else:
        sys.exit("no demo data: neither seed_demo nor ../shared/data is available")
    manage(env, "seed_promotions")


def page_urls(env):
    """[(name, path, session cookie {name, value} or None)] for the key pages that exist, via the
    same providers as the budget test; runs in a child process so Django is set up with the
    temporary database."""
    code = """
import json, django
django.setup()
from django.test import Client
from testsupport.pages import PageUnavailable, page_url
from testsupport.performance_budgets import KEY_PAGES
from testsupport.users import make_passwordless_user
from django.conf import settings
out = []
for page in KEY_PAGES:
    user = make_passwordless_user() if page.login else None
    try:
        url = page_url(page, user)
    except PageUnavailable as reason:
        out.append({"name": page.name, "skip": str(reason)})
        continue
    cookie = None
    if user is not None:
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        cookie = {"name": name, "value": client.cookies[name].value}
    out.append({"name": page.name, "url": url, "cookie": cookie, "public": not page.login})
# Two passenger pages that are not budget key pages: a PNR's status (public, found by its number)
# and the review page, whose booking draft lives in the session that posted the passenger form.
from django.urls import reverse
from testsupport import pages
try:
    ticket = pages.eticket(make_passwordless_user())
    # Public, but noindex (one booking's status): SEO is not a target there.
    out.append({"name": "PNR status", "url": reverse("booking:pnr", args=[ticket.rsplit("/", 1)[-1]]),
                "cookie": None, "public": False})
    client = Client()
    client.force_login(make_passwordless_user())
    form = pages.passenger_form(None)
    posted = client.post(form, {"quota": "GN", "p-0-name": "Asha Rao", "p-0-age": "34", "p-0-gender": "F"})
    assert posted.status_code == 302, posted.status_code
    name = settings.SESSION_COOKIE_NAME
    out.append({"name": "booking review", "url": posted["Location"],
                "cookie": {"name": name, "value": client.cookies[name].value}, "public": False})
except PageUnavailable as reason:
    out.append({"name": "PNR status", "skip": str(reason)})
print(json.dumps(out))
"""
    result = subprocess.run(
        [PYTHON, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def wait_until_up(base_url, server, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited during start-up")
        try:
            with urllib.request.urlopen(base_url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer on {base_url} within {timeout} s")


def chrome_flags():
    """The flags chrome-launcher gives the Chromium it starts for Lighthouse, and ours."""
    defaults = subprocess.run(
        ["node", "--input-type=module", "-e", LAUNCHER_FLAGS],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.splitlines()
    return [*defaults, *CHROME_FLAGS.split()]


class Chromium:
    """A Chromium with a fresh profile and a DevTools port, as Lighthouse would launch it; with a
    session cookie in its jar, as a signed-in passenger's browser has one."""

    def __init__(self, chrome_path, flags, base_url, cookie):
        self.profile = tempfile.mkdtemp(prefix="rc-lighthouse-chrome-")
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                chrome_path,
                *flags,
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._wait_for_devtools()
            if cookie:
                self._add_cookie(base_url, cookie)
        except BaseException:
            self.stop()
            raise

    def _wait_for_devtools(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Chromium exited during start-up")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/version", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"Chromium's DevTools port did not answer within {timeout} s")

    def _add_cookie(self, base_url, cookie):
        from playwright.sync_api import sync_playwright

        # Leaving the block disconnects Playwright; the browser (ours) and its jar stay.
        with sync_playwright() as playwright:
            browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{self.port}")
            browser.contexts[0].add_cookies(
                [{**cookie, "url": base_url, "httpOnly": True, "sameSite": "Lax"}]
            )

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def run_lighthouse(url, chrome, report_path):
    command = [
        str(LIGHTHOUSE),
        url,
        "--only-categories=performance," + ",".join(CATEGORIES.values()),
        "--output=json",
        f"--output-path={report_path}",
        f"--port={chrome.port}",
        "--quiet",
    ]
    subprocess.run(command, check=True, timeout=180, stderr=subprocess.DEVNULL)
    report = json.loads(report_path.read_text())
    audits = report["audits"]
    if report.get("runtimeError"):
        raise RuntimeError(report["runtimeError"].get("message"))
    categories = report["categories"]
    return {
        "score": round((categories["performance"]["score"] or 0) * 100),
        **{key: round((categories[name]["score"] or 0) * 100) for key, name in CATEGORIES.items()},
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
    }


def misses(result):
    problems = []
    if result["score"] < TARGETS["score"]:
        problems.append(f"score {result['score']} < {TARGETS['score']}")
    for key in CATEGORIES:
        if result[key] < TARGETS[key] and (key != "seo" or result["public"]):
            problems.append(f"{CATEGORIES[key]} {result[key]} < {TARGETS[key]}")
    if result["lcp_ms"] >= TARGETS["lcp_ms"]:
        problems.append(f"LCP {result['lcp_ms']:.0f} ms >= {TARGETS['lcp_ms']} ms")
    if result["cls"] > TARGETS["cls"]:
        problems.append(f"CLS {result['cls']:.3f} > 0")
    return problems


def main():
    chrome_path = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome_path).exists():
        sys.exit(f"no Chromium at {chrome_path}: apt-get install -y chromium (or set CHROME_PATH)")
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `npm ci` (make lighthouse does)")
    if not (ROOT / "staticfiles" / "staticfiles.json").is_file():
        sys.exit("no static build: run `make static` first (make lighthouse does)")
    runs = int(os.environ.get("LIGHTHOUSE_RUNS", 3))
    wanted = {name.strip() for name in os.environ.get("LIGHTHOUSE_PAGES", "").split(",") if name.strip()}
    REPORTS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="rc-lighthouse-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "railconnect.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "REDIS_URL": "",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }
    server = None
    try:
        print(f"== loading demo data into {workdir}", flush=True)
        load_data(env)
        pages = page_urls(env)
        flags = chrome_flags()
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "railconnect.wsgi",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(base_url, server)
        print(
            f"== gunicorn (production settings) on {base_url}; Lighthouse 12.2.3, mobile, "
            f"{runs} run(s) per page",
            flush=True,
        )
        rows, failed = [], False
        for page in pages:
            if wanted and page["name"] not in wanted:
                continue
            if "skip" in page:
                rows.append((page["name"], None, page["skip"]))
                continue
            url = base_url + page["url"]
            for _ in range(2):  # warm the server's caches, as a visitor after the first would find them
                cookie = page["cookie"]
                request = urllib.request.Request(
                    url, headers={"Cookie": f"{cookie['name']}={cookie['value']}"} if cookie else {}
                )
                urllib.request.urlopen(request, timeout=10).read()
            results = []
            for run in range(runs):
                report = REPORTS / f"{page['name'].replace(' ', '-')}-{run + 1}.json"
                # Lighthouse 12 sometimes loses the trace of a load (NO_NAVSTART) with this
                # Chromium: such a run is repeated, up to ATTEMPTS times.
                for _attempt in range(ATTEMPTS):
                    chrome = None
                    try:
                        chrome = Chromium(chrome_path, flags, base_url, page["cookie"])
                        results.append(run_lighthouse(url, chrome, report))
                        break
                    except (
                        subprocess.SubprocessError,
                        RuntimeError,
                        KeyError,
                        json.JSONDecodeError,
                    ) as error:
                        last_error = error
                    finally:
                        if chrome is not None:
                            chrome.stop()
                else:
                    rows.append((page["name"], None, f"Lighthouse failed {ATTEMPTS} times: {last_error}"))
                    failed = True
                    break
            if len(results) == runs:
                summary = {key: statistics.median(result[key] for result in results) for key in METRICS}
                summary["scores"] = [result["score"] for result in results]
                summary["public"] = page["public"]
                summary["lcp_spread"] = (min(r["lcp_ms"] for r in results), max(r["lcp_ms"] for r in results))
                rows.append((page["name"], summary, page["url"]))
                failed |= bool(misses(summary))
        print_table(rows)
        return 1 if failed else 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def print_table(rows):
    print()
    print(
        f"{'page':<24} {'score':>5} {'FCP':>7} {'LCP':>7} {'CLS':>6} {'TBT':>6} {'bytes':>8}"
        f" {'a11y':>4} {'bp':>4} {'seo':>4}  notes"
    )
    for name, result, note in rows:
        if result is None:
            print(f"{name:<24} {'-':>5} {'':>7} {'':>7} {'':>6} {'':>6} {'':>8}  skipped: {note}")
            continue
        problems = misses(result)
        print(
            f"{name:<24} {result['score']:>5.0f} {result['fcp_ms'] / 1000:>6.2f}s "
            f"{result['lcp_ms'] / 1000:>6.2f}s"
            f" {result['cls']:>6.3f} {result['tbt_ms']:>4.0f}ms {result['bytes'] / 1024:>6.1f}KB"
            f" {result['a11y']:>4.0f} {result['bp']:>4.0f} {result['seo']:>4.0f}"
            f"  {note}; scores {result['scores']}, "
            f"LCP {result['lcp_spread'][0] / 1000:.2f}-{result['lcp_spread'][1] / 1000:.2f}s"
            + (f"   MISSED: {'; '.join(problems)}" if problems else "")
        )
    print(
        f"\nMedians of each page's runs. Targets: score {TARGETS['score']}, "
        f"LCP < {TARGETS['lcp_ms'] / 1000:.1f} s, CLS 0, accessibility and best practices 100,"
        " SEO 100 on public pages."
        f" Reports: {REPORTS}"
    )


if __name__ == "__main__":
    sys.exit(main())
