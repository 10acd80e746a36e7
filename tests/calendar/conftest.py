"""Calendar tests arrange deals and tasks with the pipeline's fixtures."""

from tests.accounts.conftest import make_company, make_person  # noqa: F401
from tests.pipeline.conftest import clock, make_deal, make_task, pipeline  # noqa: F401
