"""Arranging accounts through their services, as a user would (committed, so every check sees them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import fields

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import people, services
from salesdesk.accounts.forms import CompanyForm, PersonForm
from salesdesk.accounts.models import Company, Person
from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User


def company_form(company: Company, **changes: str) -> CompanyForm:
    """The edit form as drawn for `company` (its current values and version), with `changes` typed in."""
    values = {f.name: getattr(company, f.name) for f in fields(CompanyForm) if hasattr(company, f.name)}
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    values["is_target"] = "1" if company.is_target else ""
    values["tags"] = ", ".join(company.tag_names)
    return CompanyForm(**(values | {"version": company.version, "confirm_duplicate": ""} | changes))


def person_form(person: Person, **changes: str) -> PersonForm:
    values = {f.name: getattr(person, f.name) for f in fields(PersonForm) if hasattr(person, f.name)}
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    values["left_company"] = "1" if person.left_company else ""
    return PersonForm(**(values | {"version": person.version, "moved_on": "", "confirm_duplicate": ""} | changes))


@pytest.fixture
def make_company(db: AsyncSession) -> Callable[..., Awaitable[Company]]:
    """make_company(actor, name, **form fields) -> a committed company created by actor."""

    async def make(actor: User, name: str = "株式会社サンプル", **values: str) -> Company:
        set_actor(db, actor)
        company = await services.create_company(db, actor, CompanyForm(name=name, confirm_duplicate="1", **values))
        await db.commit()
        return company

    return make


@pytest.fixture
def make_person(db: AsyncSession) -> Callable[..., Awaitable[Person]]:
    """make_person(actor, company, name, **form fields) -> a committed person."""

    async def make(actor: User, company: Company, name: str = "山田 太郎", **values: str) -> Person:
        set_actor(db, actor)
        person = await people.create_person(
            db, actor, company.id, PersonForm(name=name, confirm_duplicate="1", **values)
        )
        await db.commit()
        return person

    return make
