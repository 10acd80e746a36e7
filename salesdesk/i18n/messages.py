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
    "too_long": N_("This is too long."),
    "too_long.limit": N_("Use at most %(limit)s characters."),
    "number.invalid": N_("Enter a whole number in the allowed range."),
    "choice.invalid": N_("Choose one of the options."),
    "date.invalid": N_("Enter a date like 2026-04-01."),
    "month.invalid": N_("Choose a month from 1 to 12."),
    "phone.invalid": N_("Enter a phone number, e.g. 03-1234-5678."),
    "corporate_number.invalid": N_("A corporate number has 13 digits and a valid check digit."),
    "corporate_number.taken": N_("A company with this corporate number already exists."),
    "company.duplicate_name": N_("A company with this name already exists."),
    "owner.unknown": N_("Choose an active user."),
    "owner.rep_cannot_assign": N_("Only managers and administrators hand accounts to someone else."),
    "owner.not_allowed": N_(
        "An owner hands an account only to a teammate; the team's manager and administrators assign accounts."
    ),
    "tags.too_many": N_("Give at most 20 tags."),
    "parent.unknown": N_("No company with this ID."),
    "parent.unresolved": N_("Choose the parent company from the suggestions (type part of its name)."),
    "website.invalid": N_("Enter a web address, e.g. https://www.example.co.jp."),
    "kana.invalid": N_("Use katakana or hiragana only (spaces and ー allowed)."),
    "parent.cycle": N_("A company cannot be its own parent or a subsidiary's subsidiary."),
    "department.unknown": N_("Choose a department of this company."),
    "department.cycle": N_("A department cannot be moved under itself."),
    "department.name_taken": N_("There is already a department with this name here."),
    "department.has_children": N_("Move or delete its sub-departments first."),
    "department.not_empty": N_("Persons still belong to this department: choose where they move."),
    "person.unknown": N_("Choose a person of this company."),
    "person.duplicate": N_("A person with this email or phone already exists at this company."),
    "merge.confirm": N_("Choose what to merge and tick the confirmation."),
    "merge.same": N_("A record cannot be merged with itself."),
    "company.unknown": N_("Choose an existing company."),
    "amount.invalid": N_("Enter an amount in whole yen, e.g. 1,200,000 or 120万."),
    "probability.invalid": N_("Enter a probability from 0 to 100."),
    "time.invalid": N_("Enter a time like 14:30."),
    "duration.invalid": N_("Enter a length from 5 minutes to 24 hours."),
    "owner.rep_cannot_assign_deal": N_("Only managers and administrators give deals to someone else."),
    "stage.unknown": N_("Choose a stage of this deal's pipeline."),
    "stage.requires": N_("Required to enter this stage."),
    "lost_reason.unknown": N_("Choose a lost reason from the list."),
    "forecast.reason_required": N_("Say why the forecast drops (e.g. budget frozen)."),
    "next_action.required": N_("Plan the next action: every open deal needs one."),
    "task.no_company": N_("Only a task about a company can be logged on its timeline."),
    "deal.unknown": N_("Choose a deal of this company."),
    # pipeline administration
    "pipeline.name_taken": N_("A pipeline with this name already exists."),
    "pipeline.unknown": N_("Choose an existing pipeline."),
    "stage.name_taken": N_("This pipeline already has a stage with this name."),
    "stage.last_of_kind": N_("A pipeline needs at least one in-progress, one won and one lost stage."),
    "stage.kind_has_deals": N_("Deals are in this stage: move them elsewhere before changing its kind."),
    "stage.has_deals": N_("Deals are still in this stage: move them to another stage first."),
    "rotting_days.invalid": N_("Enter a number of days from 1 to 3650, or leave it empty."),
    "lost_reason.name_taken": N_("This lost reason already exists."),
    "lost_reason.in_use": N_("Deals give this reason: deactivate it instead of deleting it."),
    # quotes
    "quantity.invalid": N_("Enter a quantity above 0, with at most 3 decimals, e.g. 1.5."),
    "discount.invalid": N_("Enter a discount as a percentage (10%) or in yen (5,000)."),
    "discount.on_discount_line": N_("A discount line (negative price) takes no discount of its own."),
    "discount.too_large": N_("The discount is larger than the line's amount."),
    "quote.too_many_lines": N_("A quote holds at most 200 lines."),
    "quote.no_lines": N_("Add at least one line."),
    "quote.negative_total": N_("The discounts are larger than the lines of their tax rate."),
    "quote.valid_before_issue": N_("The valid-until date is before the issue date."),
    "quote.not_latest": N_("A newer revision of this quote exists: change that one."),
    "quote.closed": N_("An accepted quote cannot be changed."),
    "quote.wrong_status": N_("The quote is not in a state that allows this (reload the page)."),
    "quote.needs_approval": N_("The discount is over the approval threshold: request approval first."),
    "quote.no_approval_needed": N_("The discount is within the threshold: no approval is needed."),
    "registration_number.invalid": N_("A registration number is T and 13 digits with a valid check digit."),
    "number_pattern.invalid": N_("Use {year} or {yy} and {seq}, e.g. Q-{year}-{seq:04}."),
    "number_pattern.too_long": N_("Numbers from this pattern would be longer than 50 characters."),
    "product.code_taken": N_("A product with this code already exists."),
    "product.unknown": N_("There is no product with this id."),
    "image.missing": N_("Choose an image file."),
    "image.too_large": N_("The image is over 512 KB: save it smaller (e.g. 600 × 600 pixels)."),
    "image.format": N_("Upload a PNG or JPEG image."),
    "image.size": N_("The image needs at least 64 pixels (a logo 32) and at most 2,000 on each side."),
    "image.shape_seal": N_("A seal is about square: crop the image to the stamp."),
    "image.shape_logo": N_("The logo is too wide for the quote: at most 8 times as wide as high."),
    "product.code_repeated": N_("This code appears twice in the file."),
    "products.columns_missing": N_("The file needs the columns 商品コード, 商品名 and 単価."),
    # webhooks
    "webhook.url_invalid": N_("Enter a URL starting with http:// or https://, e.g. https://example.com/hooks."),
    "webhook.events_required": N_("Choose at least one event to send."),
    "cursor.invalid": N_("Pass the next_cursor of the previous page unchanged."),
    "limit.invalid": N_("Ask for 1 to 500 rows."),
    # the weekly meeting
    "period.order": N_("The end of the period must come after its start."),
    "deal.has_quotes": N_("This deal has quotes: close it as won or lost instead of deleting it."),
    # CalDAV sync (the settings page shows a failed run's reason with these too)
    "caldav.url_invalid": N_("Enter the calendar's address starting with https://."),
    "caldav.unreachable": N_("The calendar server did not answer. Check the address, or try again later."),
    "caldav.unauthorized": N_("The calendar server refused the user name or app password."),
    "caldav.gone": N_("The calendar was not found: it may have been deleted. Nothing was deleted here."),
    "caldav.not_calendar": N_("This address is not a calendar: use the address of one calendar (CalDAV)."),
    "caldav.protocol": N_("The calendar server answered in a way salesdesk does not understand."),
    "caldav.server_error": N_("The calendar server had an error. salesdesk tries again later."),
    "caldav.password_unreadable": N_("The stored app password can no longer be read: connect the calendar again."),
    "caldav.internal": N_("The sync failed on salesdesk's side; it is retried later."),
}


def error_text(key: str) -> str:
    """The message for an error key; "too_long:200" names its limit."""
    key, _, limit = key.partition(":")
    if key == "too_long" and limit:
        message = MESSAGES["too_long.limit"]  # not inside gettext(): the extractor would take the key
        return gettext(message) % {"limit": f"{int(limit):,}"}
    return gettext(MESSAGES.get(key, key))


FIELD_LABELS = {
    # deals
    "title": N_("Title"),
    "company_id": N_("Company"),
    "amount_jpy": N_("Amount (excl. tax)"),
    "expected_close_date": N_("Expected close"),
    "stage_id": N_("Stage"),
    "pipeline_id": N_("Pipeline"),
    "owner_id": N_("Owner"),
    "forecast": N_("Forecast (ヨミ)"),
    "probability": N_("Probability"),
    "source": N_("Source"),
    "competitors": N_("Competitors"),
    "challenges": N_("Customer challenges"),
    "lost_reason_id": N_("Lost reason"),
    "lost_note": N_("Lost reason note"),
    # pipeline administration
    "rotting_days": N_("Stale after (days)"),
    "is_default": N_("Default"),
    "position": N_("Order"),
    "is_active": N_("Offered"),
    "fiscal_year_start_month": N_("Fiscal year starts in"),
    "require_next_action": N_("Require a next action on every open deal"),
    # tasks
    "kind": N_("Kind"),
    "due_on": N_("Due date"),
    "starts_at": N_("Start"),
    "ends_at": N_("End"),
    "status": N_("Status"),
    "notes": N_("Notes"),
    # accounts
    "name": N_("Name"),
    "name_kana": N_("Kana"),
    "corporate_number": N_("Corporate number"),
    "industry": N_("Industry"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "website": N_("Website"),
    "employee_band": N_("Employees"),
    "fiscal_year_end_month": N_("Fiscal year end month"),
    "department_id": N_("Department"),
    "buying_role": N_("Buying role"),
    "stance": N_("Stance"),
    "email": N_("Email"),
    "mobile": N_("Mobile"),
    "is_target": N_("Target account"),
    "parent_id": N_("Parent company"),
}


def field_label(key: str) -> str:
    """A field's name as users read it (the 409 page, history entries)."""
    return gettext(FIELD_LABELS[key]) if key in FIELD_LABELS else key
