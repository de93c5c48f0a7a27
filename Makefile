# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-quick install messages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	@# The "links" process prints the sign-in links last, once the server answers.
	$(VENV)/bin/honcho start -f Procfile

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# The production-stack benchmark (own PostgreSQL, Redis, gunicorn and the oidc-provider peer).
bench: $(STAMP)
	$(PY) -m bench

# Two web nodes behind HAProxy, faults under load, invariants checked (docs/reliability.md).
.PHONY: reliability
reliability: $(STAMP)
	$(PY) -m reliability

bench-quick: $(STAMP)
	$(PY) -m bench --quick

# Re-extract end-user strings after changing IdP templates or emails (needs gettext's xgettext),
# translate the new entries in locale/*/LC_MESSAGES/django.po, then compile (pure Python).
messages: $(STAMP)
	$(PY) manage.py makemessages -l de -l fr -l es -l ja --no-location --no-obsolete \
		-i ".venv/*" -i "tests/*" -i "bench/*" -i "var/*" -i "reliability/*"
	$(VENV)/bin/pybabel compile -d locale -D django --statistics
