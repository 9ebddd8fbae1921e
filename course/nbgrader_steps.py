"""nbgrader's generate_assignment for this course (nbgrader_config.py): its ClearOutput step replaced by
ClearExerciseOutput, which clears the outputs of the exercises only, so that nbgrader makes the same student copy as
`python -m course release`. nbgrader is imported only when nbgrader asks for these.
"""
from .notebook import CODE_STUB, CourseworkError, check_notebook
from .release import clear_exercise_outputs

__all__ = ["CODE_STUB", "nbgrader_generate_preprocessors"]   # and ClearExerciseOutput, made on first use


def _nbgrader_preprocessor():
    """nbgrader's ClearOutput for this course (nbgrader is imported only here, when nbgrader asks for it)."""
    from nbgrader.preprocessors import NbGraderPreprocessor

    class ClearExerciseOutput(NbGraderPreprocessor):
        """In `nbgrader generate_assignment`, in place of ClearOutput: clear the outputs of the Exercises section and
        of the nbgrader cells only, keep the lesson's; refuse a notebook `check_notebook` refuses."""

        def preprocess(self, nb, resources):
            check_notebook(nb, (resources.get("metadata") or {}).get("name") or "notebook")
            return clear_exercise_outputs(nb), resources

    ClearExerciseOutput.__module__, ClearExerciseOutput.__qualname__ = __name__, "ClearExerciseOutput"
    return ClearExerciseOutput


def __getattr__(name: str):
    """`ClearExerciseOutput`, the nbgrader preprocessor, is built on first use (nbgrader is needed only then)."""
    if name == "ClearExerciseOutput":
        if name not in globals():
            globals()[name] = _nbgrader_preprocessor()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def nbgrader_generate_preprocessors() -> list:
    """nbgrader's generate_assignment preprocessors with ClearOutput replaced by ClearExerciseOutput."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import ClearOutput

    default = GenerateAssignment.class_traits()["preprocessors"].default()
    if ClearOutput not in default:
        raise CourseworkError("this nbgrader's generate_assignment has no ClearOutput step to replace")
    return [__getattr__("ClearExerciseOutput") if p is ClearOutput else p for p in default]
