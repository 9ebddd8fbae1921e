"""JupyterLab for reading and running the course (`make lab`, `make learn`): the stored chapters stay as committed.

The notebooks in notebooks/ are the course's record: their stored outputs are what nbval compares and what nbviewer
shows. JupyterLab autosaves an open notebook every two minutes, so a chapter run from `make lab` would be written
back half-run. `CourseContentsManager` serves files as JupyterLab's default contents manager does, but reports
everything under the repository's notebooks/ (whichever folder the server shows as its root) as read-only and
refuses to write, rename, delete or restore anything there, whoever runs the server (root included: no file modes
are involved). A reader's own runs and edits belong in `make learn`'s copy, my-course/, which is saved as usual.

    jupyter lab --ServerApp.contents_manager_class=course.lab.CourseContentsManager notebooks/index.ipynb
"""
import os

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web
from traitlets import List, Unicode

__all__ = ["CourseContentsManager", "READ_ONLY_MESSAGE"]

READ_ONLY_MESSAGE = ("Not saved: {path} is in notebooks/, the course's stored chapters, which stay as committed "
                     "(their outputs are the course's record). Your run stays in the open tab until you close it. "
                     "For a copy of your own, saved as you go, run `make learn` and work in my-course/.")


class CourseContentsManager(AsyncLargeFileManager):
    """JupyterLab's file contents, with the folders in `read_only_dirs` (relative to the root) never written."""

    read_only_dirs = List(Unicode(), default_value=["notebooks"], config=True,
                          help="Folders whose files are shown read-only and never written: absolute, or relative to "
                               "the folder the server starts in (the repository, for `make lab` and `make learn`).")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._start_dir = os.getcwd()   # `jupyter lab notebooks/index.ipynb` serves notebooks/ itself as root_dir

    def is_read_only(self, path: str) -> bool:
        """True when API path `path` is, or lies inside, one of `read_only_dirs` (links and '..' resolved)."""
        target = os.path.realpath(os.path.join(self.root_dir, path.strip("/")))
        for folder in self.read_only_dirs:
            top = os.path.realpath(os.path.join(self._start_dir, folder))
            if target == top or target.startswith(top + os.sep):
                return True
        return False

    def _refuse(self, path: str) -> None:
        if self.is_read_only(path):
            raise web.HTTPError(403, READ_ONLY_MESSAGE.format(path=path.strip("/")))

    async def get(self, path, content=True, type=None, format=None, require_hash=False):
        """The model of `path`, marked not writable inside a read-only folder (JupyterLab then never autosaves it)."""
        model = await super().get(path, content=content, type=type, format=format, require_hash=require_hash)
        if self.is_read_only(path):
            model["writable"] = False
            for child in model["content"] if model["type"] == "directory" and model.get("content") else []:
                child["writable"] = False
        return model

    async def save(self, model, path=""):
        """Save, except inside a read-only folder (403 with what to do instead)."""
        self._refuse(path)
        return await super().save(model, path)

    async def delete_file(self, path):
        """Delete, except inside a read-only folder."""
        self._refuse(path)
        return await super().delete_file(path)

    async def rename_file(self, old_path, new_path):
        """Rename, except from or into a read-only folder."""
        self._refuse(old_path)
        self._refuse(new_path)
        return await super().rename_file(old_path, new_path)

    async def copy(self, from_path, to_path=None):
        """Copy (a chapter may be copied out of a read-only folder, never into one)."""
        self._refuse(to_path if to_path is not None else os.path.dirname(from_path.strip("/")))
        return await super().copy(from_path, to_path)

    async def restore_checkpoint(self, checkpoint_id, path):
        """Revert to a checkpoint, except inside a read-only folder."""
        self._refuse(path)
        return await super().restore_checkpoint(checkpoint_id, path)
