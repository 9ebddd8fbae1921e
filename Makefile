# Two commands on a fresh clone: `make lab` (read and run the course) and `make test` (check it).
# Both create .venv when it is missing and install the tested versions (requirements.txt's packages at the exact
# versions of constraints.txt); the install is redone only when one of those files changes (the stamp files below),
# so a second `make test` installs nothing.

PYTHON    ?= python3
VENV      ?= .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
LOCK      := constraints.txt
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))
SANITIZE  := tests/nbval_sanitize.cfg
LINTED    := course d2l_utils tests benchmarks notebooks
LEARNER_DIR ?= my-course
# The CPU build of torch (about 0.2 GB instead of 3 GB of NVIDIA libraries) comes from PyTorch's own index. It is the
# default on Linux when no NVIDIA driver is found (no nvidia-smi) and that index answers; CPU=0 forces PyPI's default
# build, CPU=1 the CPU one. Elsewhere PyPI's build is the right one already (macOS and Windows wheels have no CUDA).
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
CPU       ?= $(shell [ "$$(uname -s)" = Linux ] && ! command -v nvidia-smi >/dev/null 2>&1 \
               && $(PYTHON) -c "import urllib.request as u; u.urlopen('$(TORCH_CPU_INDEX)/', timeout=5)" 2>/dev/null \
               && echo 1 || echo 0)
PIP_INSTALL = $(BIN)/python -m pip install $(if $(filter 1,$(CPU)),--extra-index-url $(TORCH_CPU_INDEX)) -c $(LOCK)
# Where outputs are stored or compared (make notebooks, make test, the grader), figures are drawn once per cell and
# no progress bar is shown; JupyterLab (make lab, make learn) stays live. A kernel a Jupyter server starts is live
# even with D2L_STATIC_PLOTS set (d2l_utils.plotting.static_outputs), so the variable is set only for these commands.
STATIC    := env -u JPY_SESSION_NAME D2L_STATIC_PLOTS=1

.PHONY: help install lab learn feedback test lint links test-unit test-notebooks notebooks student grade bench lock clean

help:
	@echo "make lab        open the course in JupyterLab (creates $(VENV) if missing; CPU=1/0 chooses torch's build)"
	@echo "make learn      your own copy of the course in $(LEARNER_DIR)/, exercises without answers, opened in JupyterLab"
	@echo "make feedback   run the tests of your exercises in $(LEARNER_DIR)/, hidden ones included"
	@echo "make test       lint, unit tests, every notebook under nbval (creates $(VENV) if missing)"
	@echo "make notebooks  re-run notebooks with a fresh kernel, storing outputs (NOTEBOOKS=... for some)"
	@echo "make links      rewrite every Colab/Binder/nbviewer link from the address in course/links.py"
	@echo "make lock       rewrite $(LOCK) from $(VENV) (after upgrading and re-running the notebooks)"
	@echo "make student    write the student release to release/student/"
	@echo "make grade SUBMISSIONS=dir   grade submitted notebooks"
	@echo "make bench      run the benchmarks in benchmarks/"

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP_INSTALL) -r requirements.txt -e '.[test]'
	touch $@

# JupyterLab never writes the stored chapters in notebooks/ (read-only there, autosave included: course/lab.py);
# your own runs and edits go to make learn's copy.
LAB       := $(BIN)/jupyter lab --ServerApp.contents_manager_class=course.lab.CourseContentsManager

lab: $(STAMP)
	$(LAB) notebooks/index.ipynb

learn: $(STAMP)
	$(BIN)/python -m course learner notebooks $(LEARNER_DIR)
	$(LAB) $(LEARNER_DIR)/index.ipynb

# The chapters of the learner's folder (NN_name.ipynb, and NN_name-update.ipynb copies), not their own notebooks.
feedback: $(STAMP)
	$(BIN)/python -m course grade --exercises-only \
	  $(or $(sort $(wildcard $(LEARNER_DIR)/[0-9][0-9]_*.ipynb)),$(error no chapter in $(LEARNER_DIR)/ yet: run make learn first))

# pytest's exit status 5 (no test collected) fails too: the collection always has tests, so none is a broken checkout.
# The tests run on up to four cores (PARALLEL=-n0 for one process), a file per worker: a notebook's cells share one
# kernel, and most notebooks compute on one thread.
PARALLEL ?= -n auto --maxprocesses 4 --dist loadfile
test: $(TEST_STAMP) lint
	@$(STATIC) $(BIN)/python -m pytest tests notebooks --nbval --nbval-sanitize-with $(SANITIZE) $(PARALLEL) \
	  --durations=10; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "make test: pytest collected no test in tests/ and notebooks/" >&2; fi; \
	  exit $$status

lint: $(TEST_STAMP)
	$(BIN)/ruff check $(LINTED)

links: $(STAMP)
	$(BIN)/python -m course links --write

test-unit: $(TEST_STAMP)
	$(STATIC) $(BIN)/python -m pytest tests

test-notebooks: $(STAMP)
	$(STATIC) $(BIN)/python -m pytest --nbval $(NOTEBOOKS) --nbval-sanitize-with $(SANITIZE) --durations=10

notebooks: $(STAMP)
	@for nb in $(NOTEBOOKS); do \
	  echo "running $$nb"; \
	  $(STATIC) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
	    --ExecutePreprocessor.kernel_name=python3 "$$nb" || exit 1; \
	done

student: $(STAMP)
	$(BIN)/python -m course release notebooks release/student

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || (echo "usage: make grade SUBMISSIONS=folder-of-notebooks" && exit 2)
	$(BIN)/python -m course grade $(SUBMISSIONS)

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lock:
	$(BIN)/python -m course lock

clean:
	rm -rf release .pytest_cache
