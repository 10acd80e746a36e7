"""Task tests arrange deals and tasks with the pipeline's fixtures."""

from tests.pipeline.conftest import clock, make_deal, make_task, pipeline, require_next_action  # noqa: F401
