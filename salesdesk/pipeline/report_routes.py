"""The deal list (sortable table) with its CSV/XLSX export, and the forecast page."""

ROUTES: list = []
