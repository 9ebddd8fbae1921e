# Two commands on a fresh clone: `make lab` (read and run the course) and `make test` (check it).
# Both create .venv when it is missing; the install is redone only when requirements.txt or
# pyproject.toml change (the stamp file below), so a second `make test` installs nothing.

PYTHON    ?= python3
VENV      ?= .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))
SANITIZE  := tests/nbval_sanitize.cfg
LEARNER_DIR ?= my-course
# Figures drawn once per cell (no live animation) whenever notebooks run headless.
export D2L_STATIC_PLOTS := 1

.PHONY: help install lab test test-unit test-notebooks notebooks student grade bench clean learn feedback

help:
	@echo "make lab        open the course in JupyterLab (creates $(VENV) if missing)"
	@echo "make learn      your own copy of the course in $(LEARNER_DIR)/, exercises without answers, opened in JupyterLab"
	@echo "make feedback   run the tests of your exercises in $(LEARNER_DIR)/, hidden ones included"
	@echo "make test       unit tests + every notebook under nbval (creates $(VENV) if missing)"
	@echo "make notebooks  re-run notebooks with a fresh kernel, storing outputs (NOTEBOOKS=... for some)"
	@echo "make student    write the student release to release/student/"
	@echo "make grade SUBMISSIONS=dir   grade submitted notebooks"
	@echo "make bench      run the benchmarks in benchmarks/"

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt -e .
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/index.ipynb

learn: $(STAMP)
	$(BIN)/python -m d2l_utils.coursework learner notebooks $(LEARNER_DIR)
	$(BIN)/jupyter lab $(LEARNER_DIR)/index.ipynb

feedback: $(STAMP)
	@test -d $(LEARNER_DIR) || (echo "no $(LEARNER_DIR)/ yet: run make learn first" && exit 2)
	$(BIN)/python -m d2l_utils.coursework grade --exercises-only $(wildcard $(LEARNER_DIR)/0*.ipynb)

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-sanitize-with $(SANITIZE) --durations=10

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval $(NOTEBOOKS) --nbval-sanitize-with $(SANITIZE) --durations=10

notebooks: $(STAMP)
	@for nb in $(NOTEBOOKS); do \
	  echo "running $$nb"; \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
	    --ExecutePreprocessor.kernel_name=python3 "$$nb" || exit 1; \
	done

student: $(STAMP)
	$(BIN)/python -m d2l_utils.coursework release notebooks release/student

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || (echo "usage: make grade SUBMISSIONS=folder-of-notebooks" && exit 2)
	$(BIN)/python -m d2l_utils.coursework grade $(SUBMISSIONS)

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf release .pytest_cache
