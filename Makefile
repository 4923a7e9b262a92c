# Two commands on a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test install db demo lint format clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(BIN)/.installed

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load

run: demo
	@echo ""
	@echo "  mediation is starting at  http://$(HOST):$(PORT)/"
	@echo "  log in with any demo login above (password demo1234 unless you chose one)"
	@echo "  the early-warning scheduler runs inside the web process (SCHEDULER_EMBEDDED=true)"
	@echo ""
	SCHEDULER_EMBEDDED=$${SCHEDULER_EMBEDDED:-true} $(FLASK) serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check mediation tests config wsgi.py
	$(BIN)/ruff format --check mediation tests config wsgi.py

format: install
	$(BIN)/ruff format mediation tests config wsgi.py
	$(BIN)/ruff check --fix mediation tests config wsgi.py

clean:
	rm -rf $(VENV) instance .pytest_cache
