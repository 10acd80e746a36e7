"""Signed webhooks: endpoints admins register, an outbox written with each change, and
`salesdesk deliver-webhooks`, which sends it (docs/api.md, "Webhooks")."""
