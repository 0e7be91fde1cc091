# RailConnect India. A fresh clone needs only `make run` (serve the site) and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := railconnect.settings

.PHONY: run dev test bench setup static clean

# The virtual environment, rebuilt when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || { python=$$(scripts/find-python) && $$python -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

static: $(VENV)/.installed
	$(PY) manage.py collectstatic --noinput --verbosity 0

# Migrate, load the demo network into an empty database, build static files.
setup: $(VENV)/.installed static
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py seed_demo --if-empty
	@# With Redis the shared cache is warmed here; local-memory workers warm themselves (gunicorn.conf.py).
	@if [ -n "$$REDIS_URL" ]; then $(PY) manage.py warm_cache; fi

run: setup
	$(VENV)/bin/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) railconnect.wsgi

dev: setup
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on SQLite, then again on PostgreSQL + Redis when they are reachable.
test: $(VENV)/.installed static
	$(PY) scripts/run-tests.py $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm .pytest_cache
