"""Error keys raised by services (``Invalid(email="email.taken")``) and the text users read."""

from __future__ import annotations

from salesdesk.i18n import gettext


def N_(message: str) -> str:  # marks a string for extraction; translated when shown
    return message


MESSAGES = {
    "required": N_("This field is required."),
    "email.invalid": N_("Enter a valid email address."),
    "email.taken": N_("A user with this email already exists."),
    "password.too_short": N_("Use at least 10 characters."),
    "password.wrong": N_("The current password is not correct."),
    "password.mismatch": N_("The two passwords differ."),
    "role.unknown": N_("Choose a role."),
    "role.cannot_demote_self": N_("You cannot remove your own administrator role."),
    "team.unknown": N_("Choose an existing team."),
    "team.name_taken": N_("A team with this name already exists."),
    "user.cannot_deactivate_self": N_("You cannot deactivate yourself."),
    "locale.unknown": N_("Choose a language."),
    "time_zone.unknown": N_("Choose a time zone."),
    "login.invalid": N_("The email address or password is not correct."),
    "login.throttled": N_("Too many failed attempts. Wait 15 minutes and try again."),
}


def error_text(key: str) -> str:
    return gettext(MESSAGES.get(key, key))
