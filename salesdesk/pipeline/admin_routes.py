"""Administration of pipelines, stages, lost reasons and the sales settings (admins only)."""

ROUTES: list = []
