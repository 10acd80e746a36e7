"""Arranging accounts through their services, as a user would (committed, so every check sees them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import fields

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import people, services
from salesdesk.accounts.forms import (
    ActivityForm,
    ActivityInput,
    CompanyForm,
    CompanyInput,
    DepartmentForm,
    DepartmentInput,
    PersonForm,
    PersonInput,
    parse_activity,
    parse_company,
    parse_department,
    parse_person,
)
from salesdesk.accounts.models import Company, Department, Person
from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.clock import Clock

CLOCK = Clock()  # Asia/Tokyo, the real time


def company_form(company: Company, **changes: str) -> CompanyForm:
    """The edit form as drawn for `company` (its current values and version), with `changes` typed in."""
    values = {f.name: getattr(company, f.name) for f in fields(CompanyForm) if hasattr(company, f.name)}
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    values["is_target"] = "1" if company.is_target else ""
    values["tags"] = ", ".join(company.tag_names)
    return CompanyForm(**(values | {"version": company.version, "confirm_duplicate": ""} | changes))


def company_edit(company: Company, **changes: str) -> CompanyInput:
    """What saving the edit form of `company` with `changes` typed in sends the service."""
    return parse_company(company_form(company, **changes))


def person_form(person: Person, **changes: str) -> PersonForm:
    values = {f.name: getattr(person, f.name) for f in fields(PersonForm) if hasattr(person, f.name)}
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    values["left_company"] = "1" if person.left_company else ""
    return PersonForm(**(values | {"version": person.version, "moved_on": "", "confirm_duplicate": ""} | changes))


def person_edit(person: Person, **changes: str) -> PersonInput:
    return parse_person(person_form(person, **changes))


def new_company(**typed: str) -> CompanyInput:
    """The new-company form with these fields typed in, as the service gets it."""
    return parse_company(CompanyForm(**typed))


def new_person(**typed: str) -> PersonInput:
    return parse_person(PersonForm(**typed))


def new_department(name: str, parent: Department | None = None, **typed: str) -> DepartmentInput:
    return parse_department(DepartmentForm(name=name, parent_id=str(parent.id) if parent else "", **typed))


def activity(person_ids: list[str] | tuple[str, ...] = (), **typed: str) -> ActivityInput:
    """The quick-add form of the timeline, read in Asia/Tokyo."""
    return parse_activity(ActivityForm(**typed), CLOCK, person_ids)


@pytest.fixture
def make_company(db: AsyncSession) -> Callable[..., Awaitable[Company]]:
    """make_company(actor, name, **form fields) -> a committed company created by actor."""

    async def make(actor: User, name: str = "株式会社サンプル", **values: str) -> Company:
        set_actor(db, actor)
        company = await services.create_company(db, actor, new_company(name=name, confirm_duplicate="1", **values))
        await db.commit()
        return company

    return make


@pytest.fixture
def make_person(db: AsyncSession) -> Callable[..., Awaitable[Person]]:
    """make_person(actor, company, name, **form fields) -> a committed person."""

    async def make(actor: User, company: Company, name: str = "山田 太郎", **values: str) -> Person:
        set_actor(db, actor)
        person = await people.create_person(
            db, actor, company.id, new_person(name=name, confirm_duplicate="1", **values), CLOCK
        )
        await db.commit()
        return person

    return make
