# bordersim: two commands do all the set-up.
#   make demo   create the environment if needed, then run the main job
#   make test   create the environment if needed, then run the whole test suite
#   make lock   refresh requirements.lock (newest releases within pyproject.toml's ranges), then commit it
#   make hooks  install the git pre-commit hook: ruff's checks of make test on the files being committed
# The environment installs exactly the versions (and file hashes) in requirements.lock, so a commit
# installs the same Mesa, numpy, Dask, ... next month as today.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.PHONY: demo test test-fast lint format bench fuzz lock clean-venv hooks

$(STAMP): pyproject.toml $(LOCK)
	@set -e; \
	if [ ! -x $(PY) ]; then \
	    base=$$(scripts/find-python); \
	    echo "Creating $(VENV) with $$base"; \
	    "$$base" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK); \
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .; \
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/bordersim demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n 2 -q

# The fast layer: everything but the slow statistical tests (many seeds, long runs) and the browser test.
test-fast: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2 -q -m "not slow and not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The git pre-commit hook (.pre-commit-config.yaml): ruff check and ruff format --check, as make test runs them,
# on the Python files being committed, with the ruff in $(VENV). `git commit --no-verify` skips it once.
hooks: $(STAMP)
	$(VENV)/bin/pre-commit install

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py

# The lock is resolved for CPython 3.13 on Linux x86-64 with the [test] extra, plus setuptools to build
# bordersim itself (installed without build isolation, so nothing unlocked is fetched).
lock:
	@set -e; \
	if [ ! -x $(PY) ]; then "$$(scripts/find-python)" -m venv $(VENV); fi; \
	$(PY) -m pip install --quiet uv; \
	echo "setuptools>=68" | $(VENV)/bin/uv pip compile pyproject.toml - --extra test --upgrade \
	    --generate-hashes --python-version 3.13 --python-platform x86_64-unknown-linux-gnu \
	    --custom-compile-command "make lock" --quiet --output-file $(LOCK); \
	echo "$(LOCK) refreshed: run make test (it installs from the new lock), then commit $(LOCK)"

clean-venv:
	rm -rf $(VENV)

# Property-based fuzzing of scenario files with the large Hypothesis profile (the test suite runs the
# small, derandomized "ci" profile).
fuzz: $(STAMP)
	BORDERSIM_HYPOTHESIS_PROFILE=large $(PY) -m pytest -n 2 -q -p no:cacheprovider --hypothesis-show-statistics tests/test_property_scenarios.py
