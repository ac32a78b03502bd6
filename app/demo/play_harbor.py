"""Plays the joint plan of Harbor Logistics (app/demo/harbor.py) through the services, in the
order the data tells it, so its audit trail, notifications and mail are those of real use.

Only ``rated_at`` of the value ratings and ``recorded_at`` of the believed rating are set
afterwards, so the trend spans quarters; neither is part of an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from app.accounts import repository as accounts_repo
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.demo import harbor as story
from app.demo.stage import Stage, agree, days_ago, dimensions, propose, rate, today
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.models import Account, Action, ActionStatus, Initiative, Plan, Priority, User
from app.notifications import service as notifications
from app.perception import service as perception
from app.perception.schemas import BeliefValues
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues


@dataclass
class Made:
    """What the story has made so far, by the keys the data gives it."""

    priorities: dict[str, Priority] = field(default_factory=dict)
    initiatives: dict[str, Initiative] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)


def play(stage: Stage, *, account: Account, plan: Plan) -> None:
    assert account.id is not None
    session = stage.session
    people = [m.user for m in accounts_repo.list_members(session, account_id=account.id)]
    made = Made()
    for role, wanted in story.NOTICE_CHOICES.items():
        notifications.choose(session, user=stage[role], wanted=wanted)
    for entry in story.STRATEGY:
        values = StrategyValues(
            kind=entry.kind.value,
            text=entry.text,
            detail=entry.detail,
            horizon=entry.horizon.value if entry.horizon else None,
        )
        strategy.create(session, actor=stage[story.STRATEGY_BY], plan=plan, values=values)
    _priorities(stage, plan=plan, made=made)
    _ratings(stage, account=account, plan=plan)
    for idea in story.INITIATIVES:
        made.initiatives[idea.key] = _initiative(stage, plan=plan, made=made, idea=idea)
    for step in story.ACTIONS:
        made.actions[step.key] = _action(stage, plan=plan, made=made, step=step)
    for remark in story.COMMENTS:
        _comment(stage, account=account, plan=plan, made=made, remark=remark, people=people)
    _perception(stage, plan=plan, made=made)
    cast = story.AGREEMENT
    agree(
        stage,
        plan=plan,
        submitted_by=stage[cast.submitted_by],
        sponsor=stage[cast.sponsor],
        lead=stage[cast.lead],
    )
    # Everyone had read their inbox by the time the plan was agreed.
    for user in people:
        notifications.mark_all_read(session, user=user)
    for change in story.CHANGES_SINCE_VERSION_1:
        _change(stage, plan=plan, made=made, change=change)


def _values(stage: Stage, stated: story.Stated) -> PriorityValues:
    """The priority as the client states it, with its owner."""
    return PriorityValues(
        title=stated.title,
        description=stated.description,
        importance=stated.importance.value,
        horizon=stated.horizon.value,
        owner_id=stage[stated.owner].id,
    )


def _priorities(stage: Stage, *, plan: Plan, made: Made) -> None:
    session, client = stage.session, stage[story.PRIORITIES_BY]
    for stated in story.PRIORITIES:
        priority = priorities.create(
            session, actor=client, plan=plan, values=_values(stage, stated)
        )
        made.priorities[stated.key] = priority
        if stated.moved_up:
            priorities.move(session, actor=client, priority=priority, up=True)
    for suggestion in story.SUGGESTIONS:
        made.priorities[suggestion.key] = _suggest(stage, plan=plan, suggestion=suggestion)


def _suggest(stage: Stage, *, plan: Plan, suggestion: story.Suggestion) -> Priority:
    session = stage.session
    suggested = priorities.suggest(
        session,
        actor=stage[suggestion.by],
        plan=plan,
        values=PriorityValues(
            title=suggestion.title,
            description=suggestion.description,
            importance=suggestion.importance.value,
            horizon=suggestion.horizon.value,
        ),
    )
    if suggestion.accepted_as is not None:
        priorities.accept(
            session,
            actor=stage[story.PRIORITIES_BY],
            suggestion=suggested,
            expected_version=suggested.version,
            values=_values(stage, suggestion.accepted_as),
        )
    if suggestion.rejected is not None:
        priorities.reject(
            session,
            actor=stage[suggestion.rejected.by],
            suggestion=suggested,
            reason=suggestion.rejected.reason,
            expected_version=suggested.version,
        )
    return suggested


def _ratings(stage: Stage, *, account: Account, plan: Plan) -> None:
    names = dimensions(stage.session, account)
    for rating in story.RATINGS:
        rate(
            stage,
            sponsor=stage[story.RATINGS_BY],
            account=account,
            plan=plan,
            days=rating.days_ago,
            overall=rating.overall,
            scores=dict(zip(names, rating.scores, strict=True)),
            comment=rating.comment,
        )
    stage.session.flush()


def _initiative(stage: Stage, *, plan: Plan, made: Made, idea: story.Idea) -> Initiative:
    linked = [made.priorities[key] for key in idea.answers]
    initiative = initiatives.create(
        stage.session,
        actor=stage[idea.by],
        plan=plan,
        values=InitiativeValues(
            title=idea.title,
            description=idea.description,
            value_for_client=idea.for_client,
            value_for_vendor=idea.for_us,
            owner_id=stage[idea.owner].id,
            priority_ids=[p.id for p in linked if p.id is not None],
        ),
    )
    if idea.proposed:
        answer = idea.answer
        propose(
            stage,
            initiative=initiative,
            by=stage[story.PROPOSED_BY],
            answer=(stage[story.ANSWERED_BY], answer.status, answer.reason) if answer else None,
        )
    return initiative


def _link(made: Made, serves: tuple[str, str] | None) -> Link:
    if serves is None:
        return Link()
    kind, key = serves
    if kind == "initiative":
        return Link(initiative_id=made.initiatives[key].id)
    return Link(priority_id=made.priorities[key].id)


def _action(stage: Stage, *, plan: Plan, made: Made, step: story.Step) -> Action:
    due = today() + timedelta(days=step.due_in_days) if step.due_in_days is not None else None
    owner: User | None = stage[step.owner] if step.owner else None
    return actions.create(
        stage.session,
        actor=stage[step.by],
        plan=plan,
        checked=CheckedAction(
            title=step.title,
            outcome=step.outcome,
            owner_id=owner.id if owner else None,
            due_on=due,
            status=step.status.value,
            link=_link(made, step.serves),
        ),
    )


def _comment(
    stage: Stage,
    *,
    account: Account,
    plan: Plan,
    made: Made,
    remark: story.Remark,
    people: list[User],
) -> None:
    assert account.id is not None
    kind, key = remark.on
    # A strategy thread hangs on the plan's section; others on the item.
    item_id, section = (plan.id, key) if kind == "strategy" else (made.priorities[key].id, "")
    assert item_id is not None
    target = comments_repo.find_target(
        stage.session, account_id=account.id, item_type=kind, item_id=item_id, section=section
    )
    assert target is not None
    comments.add(
        stage.session,
        actor=stage[remark.by],
        target=target,
        body=remark.body,
        team_only=remark.team_only,
        people=people,
    )


def _perception(stage: Stage, *, plan: Plan, made: Made) -> None:
    session, lead = stage.session, stage[story.BELIEVED_BY]
    for belief in story.BELIEFS:
        perception.add_belief(
            session,
            actor=lead,
            plan=plan,
            values=BeliefValues(
                title=belief.title,
                hypothesis=belief.hypothesis,
                priority_id=made.priorities[belief.priority].id if belief.priority else None,
            ),
        )
    believed = story.BELIEVED
    recorded = perception.record_rating(
        session,
        actor=lead,
        plan=plan,
        overall=believed.overall,
        scores=dict(believed.scores),
        note=believed.note,
    )
    recorded.recorded_at = days_ago(believed.days_ago)
    session.add(recorded)
    session.flush()


def _change(
    stage: Stage,
    *,
    plan: Plan,
    made: Made,
    change: story.MoveUp | story.Revise | story.Start | story.Step,
) -> None:
    session, actor = stage.session, stage[change.by]
    if isinstance(change, story.MoveUp):
        priorities.move(session, actor=actor, priority=made.priorities[change.priority], up=True)
    elif isinstance(change, story.Revise):
        priority = made.priorities[change.priority.key]
        priorities.update(
            session,
            actor=actor,
            priority=priority,
            values=_values(stage, change.priority),
            expected_version=priority.version,
        )
    elif isinstance(change, story.Start):
        action = made.actions[change.action]
        actions.change_status(
            session,
            actor=actor,
            action=action,
            status=ActionStatus.IN_PROGRESS,
            expected_version=action.version,
        )
    else:
        made.actions[change.key] = _action(stage, plan=plan, made=made, step=change)
