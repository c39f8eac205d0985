# insek-nlp — the two commands that matter:
#   make demo   set up (.venv) and analyse the bundled demo corpus
#   make test   set up (.venv) and run the test suite
# Both are quick once the environment exists: the venv is rebuilt only when
# pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS ?= dev
# make bench also installs the bench extra (BERTopic for the side-by-side run),
# with its own stamp, so that demo and test stay light.
BENCH_STAMP  := $(VENV)/.installed-bench
BENCH_EXTRAS ?= $(EXTRAS),bench
DEMO_ARGS ?=

.PHONY: demo test bench corpus corpus-check clean distclean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

$(BENCH_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(BENCH_EXTRAS)]'
	@touch $(BENCH_STAMP)

demo: $(STAMP)
	$(VENV)/bin/insek demo --project demo-project $(DEMO_ARGS)

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run.py

corpus: $(STAMP)
	$(PY) corpora/build.py

corpus-check: $(STAMP)
	$(PY) corpora/build.py --check

clean:
	rm -rf demo-project .pytest_cache .hypothesis build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
