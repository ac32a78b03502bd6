"""The relationship map (vendor only) and the client's answer about the facts sent to it.

Every route that loads a stakeholder checks it with its verb: until sent for confirmation a
stakeholder is internal, so for the client side it is 404, exactly like a missing id; the vendor
routes refuse the client side (403) before anything is looked up. Writes that change the map
take the map's lock first (``repository.lock_map``), before any stakeholder's row.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.imports import page as import_page
from app.imports import service as imports
from app.imports.page import ImportSpec, Upload, UploadProblem, read_upload
from app.imports.reading import TableProblem, read_table, template_csv
from app.kit import items, versioned
from app.kit.forms import FormOf
from app.kit.pages import EditPage, account_page_of, edit_page, redirect
from app.kit.versioned import StaleEdit
from app.kit.words import plural, possessive
from app.models import (
    DepartmentTension,
    ImportKind,
    Stakeholder,
    StakeholderContact,
    StakeholderLink,
)
from app.permissions.guards import (
    InsightWriter,
    ItemAccess,
    RelationshipWriter,
    StakeholderImporter,
    ValidationAnswerer,
    ValidationRequester,
    account_page,
    enforce_item,
    item_guard,
    locked_item_guard,
)
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.stakeholders import chart, importing, repository, schemas, service
from app.stakeholders.schemas import (
    AnswerForm,
    ContactForm,
    LinkForm,
    SendForm,
    StakeholderForm,
    TensionForm,
)
from app.stakeholders.view import read_map
from app.validation.page import CONFIRM_SECTION, answered_item, validation_page
from app.web.confirm import asks_first
from app.web.errors import AppError, ConflictError, NotFoundError
from app.web.forms import FormErrors, Text, Version, as_int

router = APIRouter()
Form_ = Annotated[StakeholderForm, FormOf(StakeholderForm)]

PAGE = "stakeholders/show.html"
BLOCK = "relationships"
ITEM = repository.ITEM
LABELS = {
    "attitude_labels": schemas.ATTITUDE_LABELS,
    "influence_labels": schemas.INFLUENCE_LABELS,
    "strength_labels": schemas.CONTACT_STRENGTH_LABELS,
    "level_labels": schemas.LEVEL_LABELS,
    "link_labels": schemas.LINK_LABELS,
    "buying_role_labels": schemas.BUYING_ROLE_LABELS,
    "buying_role_hints": schemas.BUYING_ROLE_HINTS,
    "decision_label": schemas.decision_label,
}


def _lock_map(db: Session, account_id: int) -> None:
    repository.lock_map(db, account_id=account_id)


# A person on the map, for the vendor's writers; the map is locked first when the request writes.
MappedPerson = Annotated[
    ItemAccess[Stakeholder],
    locked_item_guard(_lock_map, Verb.INSIGHT_WRITE, Stakeholder, "stakeholder_id"),
]
# A person on the map, whose facts the lead sends to the client.
AskedPerson = Annotated[
    ItemAccess[Stakeholder], item_guard(Verb.VALIDATION_REQUEST, Stakeholder, "stakeholder_id")
]


def _map_url(access: AccountAccess) -> str:
    return f"/accounts/{access.account_id}/relationships"


def map_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the page shows: a fixed number of queries whatever the size of the map."""
    account_id = access.account_id
    team = list(repository.vendor_people(db, account_id=account_id))
    view = read_map(
        repository.on_map(db, account_id=account_id),
        team,
        repository.contacts(db, account_id=account_id),
        repository.links(db, account_id=account_id),
        repository.tensions(db, account_id=account_id),
    )
    return {
        "access": access,
        "account": access.account,
        "view": view,
        "chart": chart.build(view.chart_people(), view.chart_links()),
        "team": team,
        "can_write": may(actor, access, Verb.INSIGHT_WRITE),
        "can_relate": may(actor, access, Verb.RELATIONSHIPS_WRITE),
        "contact_form": ContactForm(),
        "link_form": LinkForm(),
        "tension_form": TensionForm(),
        "contact_errors": {},
        "link_errors": FormErrors(),
        "tension_errors": FormErrors(),
        "can_send": may(actor, access, Verb.VALIDATION_REQUEST),
        "can_import": may(actor, access, Verb.STAKEHOLDERS_IMPORT),
        "form": StakeholderForm(),
        "errors": FormErrors(),
        "notice": "",
        **LABELS,
    }


_map_page = account_page_of(PAGE, map_context, _map_url)


def _edit_page(request: Request, db: DbSession, checked: ItemAccess[Stakeholder]) -> EditPage:
    """The page that edits one person; after saving, back to them on the map."""
    access, person = checked.access, checked.item

    def more() -> dict[str, Any]:
        people = list(repository.live(db, account_id=access.account_id))
        assert person.id is not None
        managers = [
            p
            for p in sorted(people, key=lambda p: (p.name.casefold(), p.id or 0))
            if p.id != person.id and not schemas.manages(people, p.id or 0, person.id)
        ]
        return {
            "managers": managers,
            "decision_names": sorted({p.decision for p in people if p.decision}, key=str.casefold),
            "by_id": {p.id: p for p in people},
            "location_names": sorted({p.location for p in people if p.location}, key=str.casefold),
        }

    return edit_page(
        request,
        "stakeholders/edit.html",
        access,
        url=_map_url(access),
        more=more,
        person=person,
        **LABELS,
    )


def _check_sent(db: DbSession, person: Stakeholder, version: int) -> None:
    """The person as the sender saw them, or 409 naming who changed them (nothing is sent)."""
    try:
        versioned.check_version(db, person, version, item_type=ITEM)
    except StaleEdit as stale:
        raise ConflictError(
            f"{stale.who} changed {person.name} meanwhile, so nothing was sent. Look at the map "
            "again, then send."
        ) from None


account_page(
    router, "/accounts/{account_id}/relationships", Verb.INSIGHT_VIEW, _map_page, name="show_map"
)


# Declared before the routes with ``{stakeholder_id}``, whose path would also match it.
@router.post("/accounts/{account_id}/stakeholders/send")
def send_selected(
    request: Request,
    actor: CurrentActor,
    access: ValidationRequester,
    db: DbSession,
    form: Annotated[SendForm, FormOf(SendForm)],
) -> Response:
    """Send the ticked people's facts to the client at once."""
    selection = form.check()
    if isinstance(selection, FormErrors):
        raise AppError(selection["ids"])
    people = list(
        repository.get_many(db, account_id=access.account_id, stakeholder_ids=selection.ids)
    )
    if len(people) != len(set(selection.ids)):
        raise NotFoundError()
    for person in people:
        enforce_item(actor, access, Verb.VALIDATION_REQUEST, person)
    for person in people:
        _check_sent(db, person, selection.seen.get(person.id or 0, 0))
    service.send(
        db,
        actor=actor.user,
        account_id=access.account_id,
        people=people,
    )
    count = len(people)
    notice = (
        f"Asked the client to confirm {possessive(people[0].name)} name, title and reporting line."
        if count == 1
        else f"Asked the client to confirm the names, titles and reporting lines of {count} people."
    )
    return _map_page(request, db, actor, access).done(notice, BLOCK, anchor="stakeholders")


@router.post("/accounts/{account_id}/stakeholders")
def add_stakeholder(
    request: Request, actor: CurrentActor, access: InsightWriter, db: DbSession, form: Form_
) -> Response:
    repository.lock_map(db, account_id=access.account_id)
    checked = form.check(people=repository.live(db, account_id=access.account_id), editing=None)
    page = _map_page(request, db, actor, access)
    if isinstance(checked, FormErrors):
        return page.refused(422, BLOCK, form=form, errors=checked)
    try:
        person = service.add(db, actor=actor.user, account_id=access.account_id, checked=checked)
    except service.EconomicBuyerTaken as taken:
        return page.refused(422, BLOCK, form=form, errors=_taken(taken))
    notice = f"Added {person.name} to the map."
    return page.done(notice, BLOCK, anchor=f"stakeholder-{person.id}")


def _taken(taken: service.EconomicBuyerTaken) -> FormErrors:
    errors = FormErrors()
    errors.add("roles", str(taken))
    return errors


@router.get("/accounts/{account_id}/stakeholders/{stakeholder_id}/edit")
def edit_stakeholder(request: Request, db: DbSession, checked: MappedPerson) -> Response:
    return _edit_page(request, db, checked).show(StakeholderForm.of(checked.item), checked.item)


@router.post("/accounts/{account_id}/stakeholders/{stakeholder_id}")
def update_stakeholder(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: MappedPerson,
    form: Form_,
    version: Version = 0,
) -> Response:
    access, person, page = checked.access, checked.item, _edit_page(request, db, checked)
    values = form.check(people=repository.live(db, account_id=access.account_id), editing=person.id)
    try:
        return page.save(
            form,
            values,
            version=version,
            item=person,
            save=lambda values: service.update(
                db, actor=actor.user, person=person, checked=values, expected_version=version
            ),
            after=lambda: page.leave(f"Saved {person.name}.", f"stakeholder-{person.id}"),
        )
    except service.EconomicBuyerTaken as taken:
        return page.refused(422, form=form, version=version, errors=_taken(taken))


@router.post("/accounts/{account_id}/stakeholders/{stakeholder_id}/remove")
@asks_first("Remove")
def remove_stakeholder(
    request: Request, actor: CurrentActor, db: DbSession, checked: MappedPerson
) -> Response:
    access, person = checked.access, checked.item
    manager = (
        items.get_live(db, Stakeholder, account_id=access.account_id, item_id=person.reports_to_id)
        if person.reports_to_id is not None
        else None
    )
    moved = service.remove(db, actor=actor.user, person=person)
    notice = f"Removed {person.name} from the map."
    if moved:
        who = moved[0].name if len(moved) == 1 else f"{len(moved)} people"
        verb = "reports" if len(moved) == 1 else "report"
        notice += (
            f" {who} who reported to them now {verb} to {manager.name}."
            if manager is not None
            else f" {who} who reported to them now {verb} to nobody on the map."
        )
    return _map_page(request, db, actor, access).done(notice, BLOCK, anchor="stakeholders")


@router.post("/accounts/{account_id}/stakeholders/{stakeholder_id}/send")
def send_stakeholder(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AskedPerson,
    version: Version = 0,
) -> Response:
    access, person = checked.access, checked.item
    _check_sent(db, person, version)
    service.send(
        db,
        actor=actor.user,
        account_id=access.account_id,
        people=[person],
    )
    notice = (
        f"Asked the client to confirm {possessive(person.name)} name, title and reporting line."
    )
    page = _map_page(request, db, actor, access)
    return page.done(notice, BLOCK, anchor=f"stakeholder-{person.id}")


# --- The team's contacts, links between people, tensions between departments (internal) --------


def _lock_items(db: Session, account_id: int) -> None:
    repository.lock_map(db, account_id=account_id)


# A person of the map whose contacts change; a contact, a link, a tension: each for the
# vendor's writers, the map locked first (before any row), like every write to the map.
RelatedPerson = Annotated[
    ItemAccess[Stakeholder],
    locked_item_guard(_lock_items, Verb.RELATIONSHIPS_WRITE, Stakeholder, "stakeholder_id"),
]
ContactOf = Annotated[
    ItemAccess[StakeholderContact],
    locked_item_guard(_lock_items, Verb.RELATIONSHIPS_WRITE, StakeholderContact, "contact_id"),
]
LinkOf = Annotated[
    ItemAccess[StakeholderLink],
    locked_item_guard(_lock_items, Verb.RELATIONSHIPS_WRITE, StakeholderLink, "link_id"),
]
TensionOf = Annotated[
    ItemAccess[DepartmentTension],
    locked_item_guard(_lock_items, Verb.RELATIONSHIPS_WRITE, DepartmentTension, "tension_id"),
]
RELATIONS = "relations"  # the block of contacts, links, tensions and the coverage grid


def _contact_person(db: Session, contact: StakeholderContact) -> Stakeholder:
    """The live person a contact is with (a contact of someone taken off the map is gone)."""
    person = items.get_live(
        db, Stakeholder, account_id=contact.account_id, item_id=contact.stakeholder_id
    )
    if person is None:
        raise NotFoundError()
    return person


@router.post("/accounts/{account_id}/stakeholders/{stakeholder_id}/contacts")
def add_contact(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: RelatedPerson,
    form: Annotated[ContactForm, FormOf(ContactForm)],
) -> Response:
    """Someone of the team is in contact with this person (once per person of the team)."""
    access, person = checked.access, checked.item
    team = {
        user.id: user
        for user in repository.vendor_people(db, account_id=access.account_id)
        if user.id is not None
    }
    values = form.check(team=team.keys(), today=actor.today())
    page = _map_page(request, db, actor, access)
    if not isinstance(values, FormErrors):
        try:
            service.add_contact(
                db, actor=actor.user, person=person, user=team[values.user_id], checked=values
            )
        except service.Taken as taken:
            values = FormErrors()
            values.add("user_id", str(taken))
    if isinstance(values, FormErrors):
        return page.refused(
            422,
            BLOCK,
            contact_form=form,
            contact_errors={person.id: values},
        )
    notice = f"Added {team[values.user_id].display_name} as a contact of {person.name}."
    return page.done(notice, BLOCK, anchor=f"stakeholder-{person.id}")


@router.post("/accounts/{account_id}/contacts/{contact_id}")
def update_contact(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: ContactOf,
    form: Annotated[ContactForm, FormOf(ContactForm)],
    version: Version = 0,
) -> Response:
    """A contact's new strength or last contact (refused when someone changed it meanwhile)."""
    access, contact = checked.access, checked.item
    person = _contact_person(db, contact)
    values = form.check(team=(), today=actor.today(), user_id=contact.user_id)
    page = _map_page(request, db, actor, access)
    status = 422
    if not isinstance(values, FormErrors):
        try:
            service.update_contact(
                db, actor=actor.user, contact=contact, checked=values, expected_version=version
            )
        except StaleEdit as stale:
            status, values = 409, FormErrors()
            values.add("strength", f"{stale.who} changed this contact meanwhile: look again.")
    if isinstance(values, FormErrors):
        return page.refused(status, BLOCK, contact_errors={contact.id: values})
    return page.done(
        f"Saved the contact with {person.name}.", BLOCK, anchor=f"stakeholder-{person.id}"
    )


@router.post("/accounts/{account_id}/contacts/{contact_id}/remove")
@asks_first("Remove")
def remove_contact(
    request: Request, actor: CurrentActor, db: DbSession, checked: ContactOf
) -> Response:
    access, contact = checked.access, checked.item
    person = _contact_person(db, contact)
    team = {user.id: user for user in repository.vendor_people(db, account_id=access.account_id)}
    user = team.get(contact.user_id)
    who = user.display_name if user else "someone no longer on the team"
    service.remove_contact(db, actor=actor.user, contact=contact, person=person.name, user=who)
    notice = f"Removed {who} as a contact of {person.name}."
    return _map_page(request, db, actor, access).done(
        notice, BLOCK, anchor=f"stakeholder-{person.id}"
    )


@router.post("/accounts/{account_id}/relationships/links")
def add_link(
    request: Request,
    actor: CurrentActor,
    access: RelationshipWriter,
    db: DbSession,
    form: Annotated[LinkForm, FormOf(LinkForm)],
) -> Response:
    """One person influences, blocks or does not want us to talk to another."""
    repository.lock_map(db, account_id=access.account_id)
    people = repository.live(db, account_id=access.account_id)
    names = {p.id: p.name for p in people if p.id is not None}
    values = form.check(people=people)
    page = _map_page(request, db, actor, access)
    if not isinstance(values, FormErrors):
        try:
            service.add_link(
                db, actor=actor.user, account_id=access.account_id, checked=values, names=names
            )
        except service.Taken as taken:
            values = FormErrors()
            values.add("to_id", str(taken))
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, link_form=form, link_errors=values)
    said = schemas.LINK_LABELS[values.kind]
    notice = f"Recorded that {names[values.from_id]} {said} {names[values.to_id]}."
    return page.done(notice, BLOCK, anchor="links")


@router.post("/accounts/{account_id}/relationships/links/{link_id}/remove")
@asks_first("Remove")
def remove_link(request: Request, actor: CurrentActor, db: DbSession, checked: LinkOf) -> Response:
    access, link = checked.access, checked.item
    people = {p.id: p.name for p in repository.live(db, account_id=access.account_id)}
    said = (
        f"{people.get(link.from_id, 'someone')} {schemas.LINK_LABELS[link.kind]} "
        f"{people.get(link.to_id, 'someone')}"
    )
    service.remove_link(db, actor=actor.user, link=link, said=said)
    return _map_page(request, db, actor, access).done(
        f"Removed the link: {said}.", BLOCK, anchor="links"
    )


@router.post("/accounts/{account_id}/relationships/tensions")
def add_tension(
    request: Request,
    actor: CurrentActor,
    access: RelationshipWriter,
    db: DbSession,
    form: Annotated[TensionForm, FormOf(TensionForm)],
) -> Response:
    """A tension between two departments of the client."""
    repository.lock_map(db, account_id=access.account_id)
    values = form.check()
    page = _map_page(request, db, actor, access)
    if not isinstance(values, FormErrors):
        try:
            service.add_tension(db, actor=actor.user, account_id=access.account_id, checked=values)
        except service.Taken as taken:
            values = FormErrors()
            values.add("department_b", str(taken))
    if isinstance(values, FormErrors):
        return page.refused(422, BLOCK, tension_form=form, tension_errors=values)
    notice = f"Recorded a tension between {values.department_a} and {values.department_b}."
    return page.done(notice, BLOCK, anchor="tensions")


@router.post("/accounts/{account_id}/relationships/tensions/{tension_id}/remove")
@asks_first("Remove")
def remove_tension(
    request: Request, actor: CurrentActor, db: DbSession, checked: TensionOf
) -> Response:
    access, tension = checked.access, checked.item
    service.remove_tension(db, actor=actor.user, tension=tension)
    notice = f"Removed the tension between {tension.department_a} and {tension.department_b}."
    return _map_page(request, db, actor, access).done(notice, BLOCK, anchor="tensions")


# --- The client's answer -----------------------------------------------------------------------


@router.post("/accounts/{account_id}/validation/stakeholders/{stakeholder_id}")
def answer_stakeholder(
    request: Request,
    actor: CurrentActor,
    access: ValidationAnswerer,
    db: DbSession,
    stakeholder_id: int,
    form: Annotated[AnswerForm, FormOf(AnswerForm)],
    version: Text = "",
) -> Response:
    person = answered_item(db, actor, access, Stakeholder, stakeholder_id, kept=form.correction)
    answer = form.check()
    page = validation_page(request, db, actor, access, answering=True)
    if isinstance(answer, FormErrors):
        return page.refused(
            422,
            CONFIRM_SECTION,
            confirm_forms={person.id: form},
            confirm_errors={person.id: answer},
        )
    try:
        service.answer(
            db,
            actor=actor.user,
            person=person,
            confirmed=answer.confirmed,
            correction=answer.correction,
            expected=version,
        )
    except StaleEdit as stale:
        # Nothing was saved: the client's text stays in the form, above what is current now.
        stale_message = f"{stale.who} changed this meanwhile. Read it again, then answer."
        return page.refused(
            409,
            CONFIRM_SECTION,
            confirm_forms={person.id: form},
            confirm_stale={person.id: stale_message},
        )
    said = "confirmed" if answer.confirmed else "sent your correction of"
    notice = f"Thank you: you {said} {person.sent_name}."
    return page.done(notice, CONFIRM_SECTION, anchor="", notice_as="confirm_notice")


# --- Importing people from a file (the lead; admins) -------------------------------------------


def _import_spec(access: AccountAccess) -> ImportSpec:
    return ImportSpec(
        title="Import people to the map",
        one="person",
        many="people",
        intro=(
            f"Add many people of {access.account.client_org.name} to the relationship map at "
            "once from a spreadsheet: one row per person. “Reports to” names someone else of "
            "the file or of the map; the buying roles and attitude are those of the map's "
            "form (several buying roles separated by “;”). Like the whole map, it stays "
            "internal."
        ),
        columns=importing.COLUMNS,
        url=f"{_map_url(access)}/import",
        back_url=_map_url(access),
        back_label="Back to the map",
        context={"access": access, "account": access.account},
    )


IMPORT_URL = "/accounts/{account_id}/relationships/import"


@router.get(IMPORT_URL)
def import_people_form(request: Request, access: StakeholderImporter) -> Response:
    return import_page.show(request, _import_spec(access))


@router.get(f"{IMPORT_URL}/template.csv")
def import_people_template(access: StakeholderImporter) -> Response:
    body = template_csv(importing.COLUMNS, importing.EXAMPLE)
    return import_page.template_file(body, "people-template.csv")


@router.post(IMPORT_URL)
def import_people_upload(
    request: Request,
    actor: CurrentActor,
    access: StakeholderImporter,
    db: DbSession,
    file: Upload = None,
) -> Response:
    """Read the file and show every row with its problems; nothing is added yet. A file
    without problems is kept as a draft, which the confirmation applies."""
    spec = _import_spec(access)
    try:
        file_name, data = read_upload(file)
        table = read_table(data, file_name, importing.COLUMNS)
    except UploadProblem as problem:
        return import_page.show(request, spec, status_code=problem.status, problem=problem.message)
    except TableProblem as problem:
        return import_page.show(request, spec, status_code=422, problem=problem.message)
    preview, _ = importing.check(
        db, account_id=access.account_id, rows=table.rows, today=actor.today()
    )
    draft = None
    if preview.ok:
        draft = imports.keep(
            db,
            uploader=actor.user,
            kind=ImportKind.STAKEHOLDERS,
            workspace_id=access.account.workspace_id,
            account_id=access.account_id,
            file_name=file_name,
            rows=table.rows,
        )
    return import_page.show(request, spec, preview=preview, draft=draft, file_name=file_name)


@router.post(f"{IMPORT_URL}/confirm")
def import_people_confirm(
    request: Request,
    actor: CurrentActor,
    access: StakeholderImporter,
    db: DbSession,
    draft: Text = "",
) -> Response:
    """Add every person of the previewed file, or nobody (checked again under the map's lock:
    the map may have changed meanwhile). The draft is used once."""
    spec = _import_spec(access)
    repository.lock_map(db, account_id=access.account_id)
    try:
        found = imports.claim(
            db,
            draft_id=as_int(draft) or 0,
            uploader=actor.user,
            kind=ImportKind.STAKEHOLDERS,
            workspace_id=access.account.workspace_id,
            account_id=access.account_id,
        )
    except imports.DraftUsed:
        return import_page.show(request, spec, status_code=409, problem=imports.USED)
    if found is None:
        raise NotFoundError()
    today = actor.today()
    rows = imports.rows_of(found)
    preview, people = importing.check(db, account_id=access.account_id, rows=rows, today=today)
    if not preview.ok:
        return import_page.show(
            request, spec, status_code=409, preview=preview, file_name=found.file_name
        )
    made = importing.make(
        db, actor=actor.user, account_id=access.account_id, people=people, today=today
    )
    names = [person.name for person in made]
    imports.finish(db, actor=actor.user, draft=found, made=names, account_id=access.account_id)
    notice = f"Added {plural(len(made), 'person', 'people')} to the map."
    return redirect(request, f"{_map_url(access)}#stakeholders", notice)
