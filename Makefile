# RailConnect India. A fresh clone needs only `make run` (serve the site) and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := railconnect.settings

.PHONY: run serve run-cluster bench-cluster dev test lint bench bench-booking bench-dashboard setup static clean lighthouse loadtest loadtest-tatkal soak bench-cache bench-capacity bench-partitions

# The virtual environment, rebuilt when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || { python=$$(scripts/find-python) && $$python -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# collectstatic (hashed names, .br/.gz) + compress (offline CSS) + precompress compressor's output;
# first the npm-locked browser modules (web-vitals for RUM) are copied into static/vendor/.
static: $(VENV)/.installed node_modules/.runtime-installed
	$(PY) manage.py build_static --verbosity 0

# Migrate, load the demo network into an empty database, build static files.
setup: $(VENV)/.installed static
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py seed_promotions --if-empty
	@# With Redis the shared cache is warmed here; local-memory workers warm themselves (gunicorn.conf.py).
	@if [ -n "$$REDIS_URL" ]; then $(PY) manage.py warm_cache; fi

# gunicorn also starts the task worker and the scheduler (gunicorn.conf.py): one Ctrl-C stops all.
run: setup
	RUN_TASK_PROCESSES=1 $(VENV)/bin/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) railconnect.wsgi

# The production set-up (scripts/serve.py): nginx on HOST:PORT in front of gunicorn on a unix socket,
# in the foreground; Ctrl-C stops both. Needs nginx and SECRET_KEY (checked first, nothing installed).
serve: $(VENV)/.installed
	@$(PY) -m scripts.serve --preflight
	@$(MAKE) --no-print-directory setup
	HOST=$(HOST) PORT=$(PORT) $(PY) -m scripts.serve

# The scale-out topology on this machine (scripts/cluster.py): nginx on HOST:PORT over
# CLUSTER_INSTANCES (2) gunicorns, a PostgreSQL primary (5441) with a streaming replica (5442) and a
# second primary (5443) made in var/cluster, Redis, one task worker and one scheduler. Foreground;
# Ctrl-C stops everything. Needs PostgreSQL's server programs, nginx and redis-server (or REDIS_URL).
run-cluster: $(VENV)/.installed static
	HOST=$(HOST) PORT=$(PORT) $(PY) -m scripts.cluster

dev: setup
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Lint and types (configured in pyproject.toml): ruff check, ruff format --check, mypy (strict on
# timetable/, search/, booking/ and payments/ but the modules its TODO lists name).
lint: $(VENV)/.installed
	@echo "== lint 1/3: ruff check"
	$(VENV)/bin/ruff check .
	@echo "== lint 2/3: ruff format --check"
	$(VENV)/bin/ruff format --check .
	@echo "== lint 3/3: mypy"
	$(VENV)/bin/mypy

# Lint and types first, then the whole suite on SQLite, then on PostgreSQL + Redis when reachable.
# The npm dev packages too: the browser tests run axe-core (tests/browser/test_passenger_pages.py).
test: lint $(VENV)/.installed node_modules/.dev-installed static
	$(PY) scripts/run-tests.py $(PYTEST_ARGS)

# Search page through gunicorn: no cache, Redis only, L1 + Redis, against hello world (needs wrk).
bench-cache: $(VENV)/.installed static
	@command -v wrk >/dev/null || { echo "bench-cache needs wrk: apt-get install wrk"; exit 1; }
	$(PY) -m benchmarks.bench_cache_layers

# Locust against gunicorn + PostgreSQL + Redis: ramp to 200 users, thresholds enforced.
# LOADTEST_ARGS="--serve --duration 6m": through the production set-up (nginx), for longer.
loadtest: $(VENV)/.installed static
	$(PY) -m tests.load.run $(LOADTEST_ARGS)

# Tatkal rush through Locust: 300 passengers book one train, date and class in the same second.
loadtest-tatkal: $(VENV)/.installed static
	$(PY) -m tests.load.run --tatkal --users 300

# Ten minutes of the mix, sampling each worker's memory; fails if it keeps growing.
soak: $(VENV)/.installed static
	$(PY) -m tests.load.run --users 100 --soak 600

bench: $(VENV)/.installed
	$(PY) -m benchmarks.run

# Booking under load, through gunicorn on PostgreSQL and Redis (needs both on 127.0.0.1, and wrk): a
# rush attempt's cost part by part (in process), a 1,000-attempt rush at one train/date/class with
# 100 seats, then sustained throughput. BENCH_REDIS_URL picks the Redis database (flushed first).
bench-booking: BENCH_REDIS_URL ?= redis://127.0.0.1:6379/12
bench-booking: $(VENV)/.installed
	$(PY) -m benchmarks.profile_rush
	BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m benchmarks.booking_rush
	BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m benchmarks.booking_throughput

# The scale-out topology under load, its drills timed (benchmarks/bench_cluster.py): a private
# cluster like run-cluster's on free ports; hello world, public reads from the replica and from the
# primary, replication delay, an app instance killed, the replica stopped, Redis restarted, and the
# partition drill when benchmarks/bench_partitions.py exists. Needs what run-cluster needs.
bench-cluster: $(VENV)/.installed static
	$(PY) -m benchmarks.bench_cluster $(BENCH_ARGS)

# The capacity model's inputs (docs/capacity.md): reads/s and bookings/s of one app instance on one
# primary and the CPU each costs gunicorn, PostgreSQL and the load generator, against hello world
# (needs PostgreSQL, Redis and wrk). BENCH_ARGS="--redis-url redis://127.0.0.1:6379/N" picks the db.
bench-capacity: $(VENV)/.installed static
	@command -v wrk >/dev/null || { echo "bench-capacity needs wrk: apt-get install wrk"; exit 1; }
	$(PY) -m benchmarks.capacity $(BENCH_ARGS)

# Inventory partitioned by train (docs/partitioning.md): bookings/s with one primary against two
# (two databases on 127.0.0.1:5432), in one run, with a hello-world baseline and the CPU of each part.
bench-partitions: $(VENV)/.installed static
	$(PY) -m benchmarks.partition_throughput $(BENCH_ARGS)

# The passenger dashboard on PostgreSQL (127.0.0.1:5432) with a million bookings: EXPLAIN of every
# dashboard query (each must use its index), statistics view refresh times, and the pages' server
# time (median/p95/p99; fails at p95 >= 50 ms). BENCH_ARGS="--reuse" keeps the loaded database.
bench-dashboard: $(VENV)/.installed node_modules/.runtime-installed
	$(PY) -m benchmarks.bench_dashboard $(BENCH_ARGS)

# npm packages locked by package-lock.json, reinstalled when either file changes. Serving needs only
# the dependencies (web-vitals, served to browsers, see `static`); `make lighthouse` also needs the
# devDependencies (Lighthouse; axe-core for the browser tests of `make test`). `npm ci` empties node_modules first, so a runtime-only install
# removes the dev stamp (the next `make lighthouse` installs again), while a full install also
# stamps the runtime step (it includes the dependencies).
NPM_CI := npm ci --no-audit --no-fund --loglevel=error
REQUIRE_NPM := command -v npm >/dev/null 2>&1 || { echo "error: the static build needs Node.js >= 18.20 and npm (it copies web-vitals from node_modules)." >&2; echo "       Install them (for example 'apt-get install nodejs npm') and run make again." >&2; exit 1; }

node_modules/.runtime-installed: package.json package-lock.json
	@$(REQUIRE_NPM)
	$(NPM_CI) --omit=dev
	@touch $@

node_modules/.dev-installed: package.json package-lock.json
	@$(REQUIRE_NPM)
	$(NPM_CI)
	@touch $@ node_modules/.runtime-installed

# Lighthouse 12.2.3 (package-lock.json), mobile, against gunicorn in production mode on a
# temporary database: score, LCP, CLS, TBT and bytes per key page. Needs Debian's chromium.
# The full npm install comes first, so `static` finds its runtime stamp fresh and keeps it.
lighthouse: $(VENV)/.installed node_modules/.dev-installed static
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(PY) scripts/lighthouse.py

clean:
	rm -rf $(VENV) staticfiles static/vendor media var node_modules db.sqlite3 db.sqlite3-wal db.sqlite3-shm .pytest_cache
