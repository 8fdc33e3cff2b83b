# The two commands in the README are `make site` and `make test`; both set up everything first.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# axe-core (npm) for the accessibility audit in the browser tests.
NODE_DIR := .cache/node
# The staff editor published at /admin/ (Sveltia CMS), pinned in package.json and package-lock.json;
# the build copies it from node_modules and never fetches anything.
EDITOR := node_modules/@sveltia/cms/package.json
# Debian packages a build needs: hb-subset makes WeasyPrint's font subsetting ~7x faster; Noto covers
# Vietnamese. The tests also need Chromium (browser tests); a deploy does not (`make system-build`).
BUILD_PACKAGES := libharfbuzz-subset0 fonts-noto-core fonts-dejavu-core
TEST_PACKAGES  := chromium

.PHONY: site test serve bench lint schema system system-build clean

site: $(STAMP) $(EDITOR)
	$(BIN)/phieu validate procedures
	$(BIN)/phieu build

test: $(STAMP) $(EDITOR)
	$(BIN)/python -m pytest

serve: $(STAMP) $(EDITOR)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/phieu schema --out schema

$(STAMP): pyproject.toml | system
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) axe-core@4
	touch $(STAMP)

# Exactly the versions in package-lock.json; no install scripts run.
$(EDITOR): package.json package-lock.json
	npm ci --silent --no-audit --no-fund --ignore-scripts
	touch $(EDITOR)

# Installs the Debian packages when running as root with apt; otherwise says what is missing.
system: PACKAGES = $(BUILD_PACKAGES) $(TEST_PACKAGES)
system-build: PACKAGES = $(BUILD_PACKAGES)
system system-build:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "Please install these Debian packages (as root):$$missing"; exit 1; \
	fi

clean:
	rm -rf site .cache $(VENV) node_modules
