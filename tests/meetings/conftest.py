"""Meeting tests arrange deals through the pipeline's services (tests/pipeline/conftest.py)."""

from __future__ import annotations

from tests.accounts.conftest import make_company, make_person  # noqa: F401  (fixtures)
from tests.api.conftest import api  # noqa: F401,E402  (fixture)
from tests.pipeline.conftest import clock, make_deal, make_task, pipeline, stage  # noqa: F401  (fixtures)
