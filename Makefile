# bordersim: two commands do all the set-up.
#   make demo   create the environment if needed, then run the main job
#   make test   create the environment if needed, then run the whole test suite
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format bench fuzz clean-venv

$(STAMP): pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ]; then \
	    base=$$(scripts/find-python); \
	    echo "Creating $(VENV) with $$base"; \
	    "$$base" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --upgrade pip; \
	$(PY) -m pip install --quiet -e '.[test]'; \
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/bordersim demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n 2 -q

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py

clean-venv:
	rm -rf $(VENV)

# Property-based fuzzing of scenario files with the large Hypothesis profile (the test suite runs the
# small, derandomized "ci" profile).
fuzz: $(STAMP)
	BORDERSIM_HYPOTHESIS_PROFILE=large $(PY) -m pytest -n 2 -q -p no:cacheprovider --hypothesis-show-statistics tests/test_property_scenarios.py
