# Two commands on a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test install db demo lint format clean messages

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
	@echo "  log in with any demo login above (password demo1234 unless you chose one)"
	@SCHEDULER_EMBEDDED=$${SCHEDULER_EMBEDDED:-true} $(FLASK) serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

# ruff (style and bugs), import-linter (the layers in .importlinter), mypy (types; see pyproject)
lint: install
	$(BIN)/ruff check mediation tests config wsgi.py
	$(BIN)/ruff format --check mediation tests config wsgi.py
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff format mediation tests config wsgi.py
	$(BIN)/ruff check --fix mediation tests config wsgi.py

# Translations: extract the English msgids, merge them into every catalogue, compile the .mo files
# (committed, so a fresh clone shows Chinese; tests/test_i18n.py fails when one is stale).
I18N := mediation/translations
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ -k Message -k pgettext:1c,2 -k lazy_pgettext:1c,2 -k NP_:1c,2 --no-location --sort-by-file \
		--project mediation --copyright-holder mediation -o $(I18N)/messages.pot .
	$(BIN)/pybabel update -i $(I18N)/messages.pot -d $(I18N) --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile --statistics -d $(I18N)

clean:
	rm -rf $(VENV) instance .pytest_cache
