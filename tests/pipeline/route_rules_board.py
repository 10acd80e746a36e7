"""Access rules of the pipeline's board routes (merged into tests/test_route_matrix.py).

The deal `{deal}` is rep's (team east), in 提案, with rep's task `{task}`; see the matrix's fixture.
A move is sent with an unknown stage, which the rules refuse (422) without changing anything.
"""

from tests.test_route_matrix import Rule, deal_editors, logged_in

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/pipeline"): Rule(logged_in()),
    ("GET", "/pipeline/{pipeline_id:int}"): Rule(logged_in(), url="/pipeline/{pipeline}"),
    ("GET", "/pipeline/stages/{stage_id:int}/cards"): Rule(logged_in(), url="/pipeline/stages/{stage}/cards"),
    ("GET", "/deals/{deal_id:int}/move"): Rule(deal_editors(), url="/deals/{deal}/move"),
    ("POST", "/deals/{deal_id:int}/move"): Rule(
        deal_editors(422), url="/deals/{deal}/move", data={"stage_id": "999999", "version": "0"}
    ),
}
