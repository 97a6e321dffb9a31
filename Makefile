# LRP Explorer: `make run` serves the app, `make test` runs every test.
# Both create .venv and install what they need on a fresh machine.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make-stamps
CHROMIUM := /usr/bin/chromium
PORT ?= 8501

.PHONY: run test lint bench screenshots install install-dev chromium clean nginx serve stop

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/install: requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/install-dev: requirements-dev.txt $(STAMPS)/install
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/install
install-dev: $(STAMPS)/install-dev

# Debian's Chromium for the real-browser tests (never `playwright install`).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi
	@test -x $(CHROMIUM) || { echo "chromium is still missing at $(CHROMIUM)"; exit 1; }

# Debian's nginx for `make serve` and the proxy test (the system's nginx service is never used).
nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	fi
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "nginx is still missing"; exit 1; }

# REPLICAS app processes (ports PORT+1 ...) behind nginx on PORT, sticky sessions; `make stop` ends them.
REPLICAS ?= 1
serve: install nginx
	$(PY) deploy/serve.py start --replicas $(REPLICAS) --port $(PORT)

stop:
	$(PY) deploy/serve.py stop --port $(PORT)

run: install
	$(VENV)/bin/streamlit run lrp_explorer/app.py --server.port $(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .

test: install-dev chromium nginx
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

bench: install
	$(PY) -m bench

# Re-take the README screenshots (1280 x 800) with the browser tests and copy them to docs/.
screenshots: install-dev chromium
	$(PY) -m pytest -q tests/test_browser_tour.py tests/test_browser_offline.py tests/test_browser_lessons.py
	mkdir -p docs/screenshots
	for n in home editor importance roots decomposition fields; do cp tests/artifacts/tour-$$n.png docs/screenshots/$$n.png; done
	cp tests/artifacts/present-decomposition.png docs/screenshots/present-decomposition.png
	cp tests/artifacts/lesson-1-step-5.png docs/screenshots/lesson.png

clean:
	rm -rf $(VENV) $(STAMPS) .pytest_cache .ruff_cache tests/artifacts
