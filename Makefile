# Uniqc Coop — the commands a newcomer and CI use. Only python3 and make are needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= config.settings.local

# `make run`: where the demo is served and the address it is known by. localhost, not
# 127.0.0.1: a passkey's relying party ID is the site's host name, and browsers refuse an IP
# address there. Each can be set in the environment or on the command line (README.md).
HOST ?= localhost
PORT ?= 8000
AGENT_PORT ?= 34567
# HOST=0.0.0.0 (or ::) serves every interface; the address this machine uses stays localhost.
SITE_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),localhost,$(HOST)):$(PORT)
# What runserver is given: an IPv6 address goes in brackets.
SERVE_ADDRESS = $(if $(findstring :,$(HOST)),[$(HOST)],$(HOST)):$(PORT)
CARD_AGENT_URL ?= http://127.0.0.1:$(AGENT_PORT)
UNIQC_AGENT_ORIGINS ?= $(SITE_URL)

.PHONY: help venv run migrate seed test test-services lint format worker beat locker-listen bench clean

help:
	@echo "make run     set up everything and serve $(SITE_URL)/ with demo data"
	@echo "             (PORT=8123 make run: another port; README.md lists every variable)"
	@echo "make test    run the whole test suite (browser tests included)"
	@echo "make worker  a Celery worker on CELERY_BROKER_URL;  make beat  the scheduler"
	@echo "make lint    ruff and the migrations check;  make bench  the benchmarks"

# The virtual environment is rebuilt when the dependencies change.
$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

venv: $(VENV)/.installed

migrate: venv
	@scripts/system-deps.sh run
	@mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The card agent runs beside the server for the demo card, and stops with it. Every command
# of the run (the card CA's and the demo card's certificates name SITE_URL) sees the same
# addresses.
run: export SITE_URL := $(SITE_URL)
run: export CARD_AGENT_URL := $(CARD_AGENT_URL)
run: export UNIQC_AGENT_ORIGINS := $(UNIQC_AGENT_ORIGINS)
run: export AGENT_PORT := $(AGENT_PORT)
run: migrate
	@# Where the PC/SC stack is installed, the demo card is the virtual card behind pcscd;
	@# that needs the card agent's pyscard. Elsewhere the demo uses a software card.
	@if [ -x /usr/sbin/pcscd ] && [ -e /usr/include/PCSC/winscard.h ] && command -v swig >/dev/null; then \
	  $(PY) -c "import smartcard" 2>/dev/null || $(PY) -m pip install --quiet -c constraints.txt -e ".[dev,card]"; \
	fi
	@$(PY) manage.py seed_demo
	@$(PY) manage.py card_ca status >/dev/null 2>&1 || $(PY) manage.py card_ca init
	@echo
	@echo "Uniqc Coop is at $(SITE_URL)/  (Ctrl-C stops it)"
	@echo
	@PY=$(PY) scripts/demo-agent.sh $(PY) manage.py runserver $(SERVE_ADDRESS)

# The card agent's extra (pyscard) compiles against libpcsclite: installed for the tests
# once the system packages are there; the web server never needs it.
$(VENV)/.installed-card: $(VENV)/.installed
	@scripts/system-deps.sh
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev,card]"
	@touch $@

test: venv $(VENV)/.installed-card
	@scripts/system-deps.sh
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: venv
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: venv
	@mkdir -p var
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

locker-listen: venv
	$(PY) manage.py locker_listen

bench: venv
	@scripts/system-deps.sh bench
	$(PY) bench/run.py
	$(PY) bench/oidc_http.py
	$(PY) bench/checkout.py
	$(PY) bench/catalogue_search.py
	$(PY) bench/locker_finder.py
	$(PY) bench/locker_deposits.py
	$(PY) bench/locker_mqtt.py
	$(PY) bench/catalogue_import.py
	$(PY) bench/store_stock_bulk.py
	$(PY) bench/quorum.py
	$(PY) bench/ristournes.py
	$(PY) bench/signatures.py
	$(PY) bench/ballots.py
	$(PY) bench/election_shuffle.py
	$(PY) bench/booth.py
	$(PY) bench/vault.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

# Pictures of the key pages, on a phone and a desktop, into docs/screenshots/: the demo
# served as `make run` serves it, on a fresh database and a free port (scripts/screenshots.py).
.PHONY: screenshots
screenshots: venv
	$(PY) scripts/screenshots.py
