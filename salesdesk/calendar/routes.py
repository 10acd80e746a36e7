"""Every route of the calendar package, wired into the app in one place."""

from salesdesk.calendar import admin_routes, caldav_routes, contract_routes, feed_routes

ROUTES = [*admin_routes.ROUTES, *feed_routes.ROUTES, *contract_routes.ROUTES, *caldav_routes.ROUTES]
