"""Access rules of /admin/webhooks (merged into tests/test_route_matrix.py): administrators only.

No endpoint exists in the walk, so an administrator gets 404 for one; everyone else is refused
before that is looked up (403), and anonymous visitors go to the login page.
"""

from tests.test_route_matrix import Rule, admin_only

NONE = "/admin/webhooks/999999"

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/admin/webhooks"): Rule(admin_only()),
    ("POST", "/admin/webhooks"): Rule(admin_only(422), data={"url": ""}),
    ("GET", "/admin/webhooks/{endpoint_id:int}"): Rule(admin_only(404), url=NONE),
    ("POST", "/admin/webhooks/{endpoint_id:int}"): Rule(
        admin_only(404), url=NONE, data={"url": "https://example.test/hooks", "events": "deal.won", "version": "0"}
    ),
    ("POST", "/admin/webhooks/{endpoint_id:int}/active"): Rule(
        admin_only(404), url=f"{NONE}/active", data={"active": "0", "version": "0"}
    ),
    ("POST", "/admin/webhooks/{endpoint_id:int}/secret"): Rule(
        admin_only(404), url=f"{NONE}/secret", data={"version": "0"}
    ),
    ("POST", "/admin/webhooks/deliveries/{delivery_id:int}/resend"): Rule(
        admin_only(404), url="/admin/webhooks/deliveries/999999/resend"
    ),
}
