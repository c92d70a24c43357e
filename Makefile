# Vending: the entry points the README names. Every target installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
TOOLS := .tools
PIPENV := $(TOOLS)/bin/pipenv
PIPENV_VERSION := 2026.10.3
PY := $(VENV)/bin/python
VENDING := $(VENV)/bin/vending
# The security scanner lives in its own virtualenv: its dependencies never meet the app's.
CHECKOV_VERSION := 3.3.30
CHECKOV := .checkov/bin/checkov
# The workflows' scanner, likewise (a wheel with its binary; run offline).
ZIZMOR_VERSION := 1.32.0

# The Pipfile's source is ${PIP_INDEX_URL}; pipenv's recipe defaults it to whatever index pip is set
# up to use. Asked there only: asking pip costs half a second, which every make call would pay.
INDEX_URL = $${PIP_INDEX_URL:-$$($(PYTHON) -m pip config get global.index-url 2>/dev/null || $(PYTHON) -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')}
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_NOSPIN := 1
export CHECKPOINT_DISABLE := 1
# Terraform installs hashicorp/* providers from a filesystem mirror (no downloads).
export TF_CLI_CONFIG_FILE := $(CURDIR)/.cache/terraformrc
TF_PROVIDER_MIRROR ?= $(shell find / -maxdepth 4 -type d -name registry.terraform.io 2>/dev/null | head -n1 | xargs -r dirname)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup tools synth validate scan deploy bake demo demo-down test bench bench-status lint docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: tools .checkov/.installed .zizmor/.installed .cache/chromium ## install everything (idempotent)

tools: $(VENV)/.synced $(VENV)/bin/vending node_modules/.installed .cache/terraformrc .cache/packer ## what vending runs with, without the scanners (CI's runners)

$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet pipenv==$(PIPENV_VERSION)

$(VENV)/.synced: Pipfile.lock | $(PIPENV)
	PIP_INDEX_URL="$(INDEX_URL)" $(PIPENV) sync --dev
	touch $@

# The `vending` command: this checkout, installed in the virtualenv as an editable package.
$(VENV)/bin/vending: pyproject.toml $(VENV)/.synced
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

# Each scanner in .<name>/, re-created when its pinned version changes (the stamp records it).
.checkov/.installed: VERSION := $(CHECKOV_VERSION)
.zizmor/.installed: VERSION := $(ZIZMOR_VERSION)
.checkov/.installed .zizmor/.installed: Makefile
	@if [ "$$(cat $@ 2>/dev/null)" != "$(VERSION)" ]; then \
		rm -rf $(@D) && $(PYTHON) -m venv $(@D) && \
		$(@D)/bin/pip install --quiet $(patsubst .%,%,$(@D))==$(VERSION) && \
		echo $(VERSION) > $@; \
	else touch $@; fi

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

.cache/terraformrc:
	@mkdir -p .cache
	$(PYTHON) -c 'import sys; sys.path.insert(0, "."); from vending.ops.terraform import cli_config_text; print(cli_config_text(sys.argv[1] if len(sys.argv) > 1 else None), end="")' $(TF_PROVIDER_MIRROR) > $@
	@echo "terraform CLI config: $@ (provider mirror: $(or $(TF_PROVIDER_MIRROR),none))"

.cache/packer:
	@mkdir -p .cache
	@command -v packer >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q packer; }
	packer version | head -n1 > $@

# The status page's browser test: Debian's chromium, driven headless through its chromium-driver.
.cache/chromium:
	@mkdir -p .cache
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver; }
	chromedriver --version | head -n1 > $@

synth: setup ## synthesize every stack into cdktf.out and terraform-validate them
	$(VENDING) synth
	$(VENDING) validate

scan: setup ## synthesize into a temporary directory and scan every stack with checkov
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
		CDKTF_OUTDIR="$$out/cdktf.out" $(VENDING) synth && $(VENDING) scan "$$out/cdktf.out"

validate: setup ## terraform validate what is in cdktf.out
	$(VENDING) validate

deploy: setup ## cdktf deploy named stacks, building only those: make deploy STACK="acme-prod acme-prod-pipeline"
	@test -n "$(STACK)" || { echo 'usage: make deploy STACK="<stack> [<stack> …]"' >&2; exit 2; }
	$(VENDING) deploy $(STACK)

bake: setup ## bake an environment's AMI with Packer and record it: make bake ENV=acme-prod [BUILD=42]
	@test -n "$(ENV)" || { echo "usage: make bake ENV=<customer>-<env> [BUILD=<number>]" >&2; exit 2; }
	$(VENDING) bake $(ENV) $(if $(BUILD),--build-number $(BUILD))

demo: setup ## the whole flow on a local AWS emulator: bake, vending plan and apply, outputs, a clean second plan
	$(VENDING) demo

demo-down: ## stop the demo's emulator and remove .demo/
	$(PY) -m vending demo --down

test: setup ## the layer contract, then the test suite (real terraform, packer, moto and the checkov scan)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n 2 --dist loadgroup

bench: setup ## synth benchmark, plain cdktf vs Vending, into bench/REPORT.md: make bench [SIZES=1,10] [REPEAT=3]
	$(PY) bench/bench.py $(if $(SIZES),--sizes $(SIZES)) $(if $(REPEAT),--repeat $(REPEAT))

bench-status: setup ## vending status at fleet size on the emulator, into bench/STATUS.md: make bench-status [ENVIRONMENTS=500]
	$(PY) bench/status.py $(if $(ENVIRONMENTS),--environments $(ENVIRONMENTS))

docs: setup ## regenerate docs/configuration.md from the configuration models
	$(PY) -m vending.model.reference > docs/configuration.md

lint: setup ## ruff, and the layer contract (import-linter, pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

clean: demo-down ## remove generated output (not the installed tools)
	rm -rf cdktf.out .cdktf.out.* .pytest_cache .hypothesis
