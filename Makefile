# zohoportal: `make run` starts the portal with the Zoho emulator (demo mode, SQLite);
# `make test` runs the whole suite on SQLite and on PostgreSQL (with Redis for the shared cache), side by side.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements
EMULATOR_PORT ?= 8765
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# The PostgreSQL pass runs what depends on the database (marked `database`: locks,
# concurrency, migrations, queries) and the checks marked `postgres_pass`, not the rest again
# (`make test-postgres POSTGRES_PYTEST_ARGS=` runs everything there).
POSTGRES_PYTEST_ARGS ?= -m "database or postgres_pass"
SQLITE_PYTEST_ARGS ?=
# Sets `url` to the PostgreSQL the suite runs on: TEST_POSTGRES_URL, else a postgres://
# DATABASE_URL, else PG_URL when 127.0.0.1:5432 answers; empty when there is none.
POSTGRES_URL_OR_EMPTY = url="$${TEST_POSTGRES_URL:-$${DATABASE_URL:-}}"; \
	case "$$url" in postgres*) ;; *) url=""; esac; \
	if [ -z "$$url" ] && $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  url="$(PG_URL)"; fi
# Tests marked `redis` use their own key prefix here and delete only their own keys.
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
export TEST_REDIS_URL

.PHONY: setup dev-key run emulator admin test test-sqlite test-postgres lint check-deploy clean

# requirements.txt is what production installs; requirements-dev.txt adds tests and tools
# (and the Zoho emulator as a package of its own, for demo mode and the tests).
$(STAMP): requirements.txt requirements-dev.txt zoho_emulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ./zoho_emulator
	touch $(STAMP)

setup: $(STAMP)

# `PORT=19000 EMULATOR_PORT=19765 make run` works end to end: the redirect URI is derived from
# PORT (unless ZOHO_REDIRECT_URI is set) and registered with the emulator; a port already in
# use stops here with a message instead of talking to whatever answers there.
PORT_FREE = $(BIN)/python -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1])))"
# The portal's demo client (zohoportal/settings.py: ZOHO_DEMO_CLIENT_ID and _SECRET) and its
# local redirect URIs: the emulator knows no client of any app until it is told one.
DEMO_CLIENT = --client-id 1000.ZOHOPORTALDEMO --client-secret zohoportal-demo-secret \
	--redirect-uri http://127.0.0.1:$(PORT)/accounts/callback/ \
	--redirect-uri http://localhost:$(PORT)/accounts/callback/
EMULATOR_UP = $(BIN)/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/_emulator/health', timeout=1)"
# The development key for tokens at rest (DEBUG on, no TOKEN_ENCRYPTION_KEYS): a git-ignored
# file that the settings read; created once, never overwritten.
dev-key: setup
	@test -s .token-encryption-key || { umask 077; $(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > .token-encryption-key; }

run: setup dev-key
	@mkdir -p var
	@if ! $(PORT_FREE) $(PORT) 2>/dev/null; then \
	  echo "make run: port $(PORT) on 127.0.0.1 is already in use (another portal or program)." >&2; \
	  echo "Stop it, or choose another port: PORT=8001 make run" >&2; exit 1; fi
	@export DEBUG=$${DEBUG:-true}; \
	export CELERY_BROKER_URL=$${CELERY_BROKER_URL:-filesystem://}; \
	export ZOHO_REDIRECT_URI=$${ZOHO_REDIRECT_URI:-http://127.0.0.1:$(PORT)/accounts/callback/}; \
	if [ -z "$$ZOHO_CLIENT_ID" ]; then \
	  if ! $(PORT_FREE) $(EMULATOR_PORT) 2>/dev/null; then \
	    echo "make run: port $(EMULATOR_PORT) on 127.0.0.1 is already in use, so the Zoho emulator cannot start there." >&2; \
	    echo "Stop what uses it, or choose another port: EMULATOR_PORT=8766 make run" >&2; exit 1; fi; \
	  export ZOHO_EMULATOR_URL=http://127.0.0.1:$(EMULATOR_PORT); \
	  $(BIN)/python -m zoho_emulator --host 127.0.0.1 --port $(EMULATOR_PORT) $(DEMO_CLIENT) \
	    --redirect-uri "$$ZOHO_REDIRECT_URI" > var/emulator.log 2>&1 & emulator=$$!; \
	  trap 'kill $$emulator 2>/dev/null' EXIT INT TERM; \
	  for i in $$(seq 1 100); do \
	    $(EMULATOR_UP) "$$ZOHO_EMULATOR_URL" 2>/dev/null && break; \
	    kill -0 $$emulator 2>/dev/null || break; sleep 0.2; done; \
	  if ! $(EMULATOR_UP) "$$ZOHO_EMULATOR_URL" 2>/dev/null; then \
	    echo "make run: the Zoho emulator did not start on port $(EMULATOR_PORT); its output:" >&2; \
	    cat var/emulator.log >&2; exit 1; fi; \
	  echo "Demo mode: no ZOHO_CLIENT_ID is set, so the bundled Zoho emulator ($$ZOHO_EMULATOR_URL) stands in for Zoho."; \
	  echo "The emulator accepts the redirect URI $$ZOHO_REDIRECT_URI (its log: var/emulator.log)."; \
	fi; \
	$(BIN)/python manage.py migrate --noinput && \
	{ $(BIN)/celery -A zohoportal worker --beat --pool=solo --loglevel=INFO \
	    --schedule var/celerybeat-schedule --without-mingle --without-gossip \
	    > var/celery.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker $${emulator:-} 2>/dev/null' EXIT INT TERM; } && \
	echo "A Celery worker (with beat) runs the background work on $$CELERY_BROKER_URL (its log: var/celery.log)." && \
	echo "" && echo "  zohoportal is running: open http://127.0.0.1:$(PORT)/" && echo "" && \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# A staff account for /admin/ on the `make run` database (asks for a password).
admin: setup dev-key
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py createsuperuser

# The emulator alone, knowing the portal's demo client (a portal started on its own with
# ZOHO_EMULATOR_URL=http://127.0.0.1:$(EMULATOR_PORT) and no ZOHO_CLIENT_ID signs in with it).
emulator: setup
	$(BIN)/python -m zoho_emulator --host 127.0.0.1 --port $(EMULATOR_PORT) $(DEMO_CLIENT)

lint: setup
	$(BIN)/ruff check .

# The SQLite and PostgreSQL passes run side by side (one core each): the SQLite pass runs
# every test but those marked postgres_pass, which run in the PostgreSQL pass when there is
# one (else in the SQLite pass); the PostgreSQL pass adds the tests marked `database`
# (tests/conftest.py says which), so that what depends on the database runs on both.
test: setup lint check-deploy
	@$(POSTGRES_URL_OR_EMPTY); \
	if [ -n "$$url" ]; then sqlite_args='-m "not postgres_pass"'; else sqlite_args=''; fi; \
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres \
	  SQLITE_PYTEST_ARGS="$$sqlite_args"

# Django's deployment checklist with a production environment (DEBUG off, HTTPS, HSTS,
# secure cookies): any warning fails. Throwaway values stand in for the real secrets.
check-deploy: setup
	@env -u ZOHO_EMULATOR_URL -u SINGLE_PROCESS DEBUG=false \
	  DATABASE_URL=postgres://portal@127.0.0.1:5432/portal CACHE_URL=redis://127.0.0.1:6379/0 \
	  CELERY_BROKER_URL=redis://127.0.0.1:6379/1 \
	  SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  ALLOWED_HOSTS=portal.example ZOHO_CLIENT_ID=1000.CHECK ZOHO_CLIENT_SECRET=check \
	  ZOHO_REDIRECT_URI=https://portal.example/accounts/callback/ \
	  TOKEN_ENCRYPTION_KEYS="$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	  DJANGO_SETTINGS_MODULE=zohoportal.settings.production \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

test-sqlite: setup
	DATABASE_URL=sqlite:///:memory: TEST_POSTGRES_URL= $(BIN)/pytest -q $(SQLITE_PYTEST_ARGS)

# PostgreSQL when TEST_POSTGRES_URL/DATABASE_URL is given or 127.0.0.1:5432 answers.
# With CI=true a missing PostgreSQL is a failure, not a skip.
test-postgres: setup
	@$(POSTGRES_URL_OR_EMPTY); \
	if [ -z "$$url" ]; then \
	  if [ "$$CI" = "true" ]; then \
	    echo "FAIL: PostgreSQL is not answering on 127.0.0.1:5432 and CI=true." >&2; exit 1; \
	  else \
	    echo "SKIP: PostgreSQL run (nothing on 127.0.0.1:5432; set TEST_POSTGRES_URL to choose one)."; exit 0; \
	  fi; \
	fi; \
	echo "Running the suite on PostgreSQL ($$url)"; \
	TEST_POSTGRES_URL="$$url" $(BIN)/pytest -q $(POSTGRES_PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
