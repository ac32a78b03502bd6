"""Plays one plan's story (``entries.PlanStory``) through the services, part by part in the
order the story gives: one loop per kind of thing, the same for Harbor's two periods and for
every account of the portfolio, so the audit trail, notifications and mail are those of real
use.

Only ``rated_at`` of the value ratings and ``recorded_at`` of a believed rating are set
afterwards, so the trends span quarters; neither is part of an audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from app.accounts import repository as accounts_repo
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.demo.entries import Believed, Change, Part, PlanStory, Stating, Step, Strategy
from app.demo.stage import Stage, agree, days_ago, dimensions, today
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
from app.value import service as value


@dataclass
class Made:
    """What the story has made so far, by the keys its data gives."""

    priorities: dict[str, Priority] = field(default_factory=dict)
    initiatives: dict[str, Initiative] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)


@dataclass
class Scene:
    stage: Stage
    account: Account
    plan: Plan
    story: PlanStory
    made: Made = field(default_factory=Made)

    def people(self) -> list[User]:
        """Everyone on the account."""
        assert self.account.id is not None
        found = accounts_repo.list_members(self.stage.session, account_id=self.account.id)
        return [member.user for member in found]


def play(
    stage: Stage, *, account: Account, plan: Plan, story: PlanStory, order: tuple[Part, ...]
) -> Made:
    """Play ``story`` on ``plan``, its parts in ``order``; what it made, by the story's keys."""
    scene = Scene(stage, account, plan, story)
    for part in order:
        PARTS[part](scene)
    return scene.made


def _notices(scene: Scene) -> None:
    for who, wanted in scene.story.notices.items():
        notifications.choose(scene.stage.session, user=scene.stage[who], wanted=dict(wanted))


def _entry_values(entry: Strategy) -> StrategyValues:
    return StrategyValues(
        kind=entry.kind.value,
        text=entry.text,
        detail=entry.detail,
        horizon=entry.horizon.value if entry.horizon else None,
    )


def _strategy(scene: Scene) -> None:
    """The client's entries, then the vendor's suggested ones, left for the client to answer."""
    story, session = scene.story, scene.stage.session
    for entry in story.strategy:
        assert story.strategy_by is not None
        by = scene.stage[story.strategy_by]
        strategy.create(session, actor=by, plan=scene.plan, values=_entry_values(entry))
    for suggested in story.strategy_suggestions:
        by = scene.stage[suggested.by]
        strategy.suggest(session, actor=by, plan=scene.plan, values=_entry_values(suggested))


def _values(stage: Stage, stated: Stating) -> PriorityValues:
    """The priority as the client states it, with its owner."""
    return PriorityValues(
        title=stated.title,
        description=stated.description,
        importance=stated.importance.value,
        horizon=stated.horizon.value,
        owner_id=stage[stated.owner].id if stated.owner else None,
    )


def _priorities(scene: Scene) -> None:
    """The client's priorities (one perhaps moved up at once), then the vendor's suggestions
    and the client's answers."""
    stage, story = scene.stage, scene.story
    for stated in story.priorities:
        assert story.priorities_by is not None
        client = stage[story.priorities_by]
        priority = priorities.create(
            stage.session, actor=client, plan=scene.plan, values=_values(stage, stated)
        )
        scene.made.priorities[stated.key] = priority
        if stated.moved_up:
            priorities.move(stage.session, actor=client, priority=priority, up=True)
    for suggestion in story.suggestions:
        suggested = priorities.suggest(
            stage.session,
            actor=stage[suggestion.by],
            plan=scene.plan,
            values=_values(stage, suggestion),
        )
        scene.made.priorities[suggestion.key] = suggested
        if suggestion.accepted_as is not None:
            assert story.priorities_by is not None
            priorities.accept(
                stage.session,
                actor=stage[story.priorities_by],
                suggestion=suggested,
                expected_version=suggested.version,
                values=_values(stage, suggestion.accepted_as),
            )
        if suggestion.rejected is not None:
            priorities.reject(
                stage.session,
                actor=stage[suggestion.rejected.by],
                suggestion=suggested,
                reason=suggestion.rejected.reason,
                expected_version=suggested.version,
            )


def _ratings(scene: Scene) -> None:
    """The client's value ratings, each dated in the past (the date is no part of its audit
    event); without scores, the overall one on every dimension."""
    session, story = scene.stage.session, scene.story
    names = dimensions(session, scene.account)
    for rating in story.ratings:
        assert story.ratings_by is not None
        scores = rating.scores or (rating.overall,) * len(names)
        made = value.rate(
            session,
            actor=scene.stage[story.ratings_by],
            account=scene.account,
            plan=scene.plan,
            overall=rating.overall,
            scores=dict(zip(names, scores, strict=True)),
            comment=rating.comment,
            future_overall=rating.future,
            future_scores=dict(zip(names, rating.future_scores, strict=False)),
        )
        made.rated_at = days_ago(rating.days_ago)
        session.add(made)
    session.flush()


def _initiatives(scene: Scene) -> None:
    """Each initiative, then (unless it stays a draft) proposed, and answered or not yet."""
    stage, story, made = scene.stage, scene.story, scene.made
    for idea in story.initiatives:
        linked = [made.priorities[key].id for key in idea.answers]
        initiative = initiatives.create(
            stage.session,
            actor=stage[idea.by],
            plan=scene.plan,
            values=InitiativeValues(
                title=idea.title,
                description=idea.description,
                value_for_client=idea.for_client,
                value_for_vendor=idea.for_us,
                owner_id=stage[idea.owner].id if idea.owner else None,
                priority_ids=[i for i in linked if i is not None],
            ),
        )
        made.initiatives[idea.key] = initiative
        if idea.proposed:
            assert story.proposed_by is not None
            initiatives.propose(
                stage.session,
                actor=stage[story.proposed_by],
                initiative=initiative,
                expected_version=initiative.version,
            )
        if idea.proposed and idea.answer is not None:
            assert story.answered_by is not None
            initiatives.answer(
                stage.session,
                actor=stage[story.answered_by],
                initiative=initiative,
                status=idea.answer.status,
                reason=idea.answer.reason,
                expected_version=initiative.version,
            )


def _action(scene: Scene, step: Step) -> None:
    made = scene.made
    due = today() + timedelta(days=step.due_in_days) if step.due_in_days is not None else None
    if step.initiative is not None:
        link = Link(initiative_id=made.initiatives[step.initiative].id)
    else:
        link = Link(priority_id=made.priorities[step.priority].id) if step.priority else Link()
    made.actions[step.key] = actions.create(
        scene.stage.session,
        actor=scene.stage[step.by],
        plan=scene.plan,
        checked=CheckedAction(
            title=step.title,
            outcome=step.outcome,
            owner_id=scene.stage[step.owner].id if step.owner else None,
            due_on=due,
            status=step.status.value,
            link=link,
        ),
    )


def _actions(scene: Scene) -> None:
    for step in scene.story.actions:
        _action(scene, step)


def _comments(scene: Scene) -> None:
    """Each comment on its thread: a priority's, or a section of the strategy's (the plan's)."""
    session, account, people = scene.stage.session, scene.account, scene.people()
    assert account.id is not None
    for remark in scene.story.comments:
        if remark.priority is not None:
            item_type, item_id = "priority", scene.made.priorities[remark.priority].id
        else:
            item_type, item_id = "strategy", scene.plan.id
        section = remark.strategy.value if remark.strategy else ""
        assert item_id is not None
        target = comments_repo.find_target(
            session, account_id=account.id, item_type=item_type, item_id=item_id, section=section
        )
        assert target is not None
        comments.add(
            session,
            actor=scene.stage[remark.by],
            target=target,
            body=remark.body,
            team_only=remark.team_only,
            people=people,
        )


def _perception(scene: Scene) -> None:
    """What the vendor believes the client's priorities are, and the rating it would give."""
    session, story = scene.stage.session, scene.story
    for belief in story.beliefs:
        assert story.believed_by is not None
        priority = scene.made.priorities[belief.priority] if belief.priority else None
        perception.add_belief(
            session,
            actor=scene.stage[story.believed_by],
            plan=scene.plan,
            values=BeliefValues(
                title=belief.title,
                hypothesis=belief.hypothesis,
                priority_id=priority.id if priority else None,
            ),
        )
    if story.believed is not None:
        assert story.believed_by is not None
        believed, by = story.believed, story.believed_by
        believe(scene.stage, account=scene.account, plan=scene.plan, by=by, believed=believed)
        session.flush()


def believe(stage: Stage, *, account: Account, plan: Plan, by: str, believed: Believed) -> None:
    """A rating the vendor believes the client would give (dated in the past, if the story
    says so); without scores, the overall one on every dimension."""
    scores = believed.scores or dict.fromkeys(dimensions(stage.session, account), believed.overall)
    recorded = perception.record_rating(
        stage.session,
        actor=stage[by],
        plan=plan,
        overall=believed.overall,
        scores=dict(scores),
        note=believed.note,
    )
    if believed.days_ago is not None:
        recorded.recorded_at = days_ago(believed.days_ago)
        stage.session.add(recorded)


def _agreement(scene: Scene) -> None:
    if scene.story.agreement is not None:
        agree(scene.stage, plan=scene.plan, cast=scene.story.agreement)


def _read(scene: Scene) -> None:
    for user in scene.people():
        notifications.mark_all_read(scene.stage.session, user=user)


def _changes(scene: Scene) -> None:
    for change in scene.story.changes:
        _change(scene, change)


def _change(scene: Scene, change: Change) -> None:
    if change.action is not None:
        _action(scene, change.action)
        return
    session, made = scene.stage.session, scene.made
    assert change.by is not None
    actor = scene.stage[change.by]
    if change.move_up is not None:
        priorities.move(session, actor=actor, priority=made.priorities[change.move_up], up=True)
    if change.revise is not None:
        priority = made.priorities[change.revise]
        stated = next(s for s in scene.story.priorities if s.key == change.revise)
        priorities.update(
            session,
            actor=actor,
            priority=priority,
            values=_values(scene.stage, replace(stated, description=change.description)),
            expected_version=priority.version,
        )
    if change.start is not None:
        action = made.actions[change.start]
        actions.change_status(
            session,
            actor=actor,
            action=action,
            status=ActionStatus.IN_PROGRESS,
            expected_version=action.version,
        )


PARTS: dict[Part, Callable[[Scene], None]] = {
    Part.NOTICES: _notices,
    Part.STRATEGY: _strategy,
    Part.PRIORITIES: _priorities,
    Part.RATINGS: _ratings,
    Part.INITIATIVES: _initiatives,
    Part.ACTIONS: _actions,
    Part.COMMENTS: _comments,
    Part.PERCEPTION: _perception,
    Part.AGREEMENT: _agreement,
    Part.READ: _read,
    Part.CHANGES: _changes,
}
