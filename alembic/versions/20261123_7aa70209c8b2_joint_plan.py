"""The joint plan: strategy, suggestions, value ratings, initiatives, actions, comments,
agreed versions, the vendor's perception, notifications.

Revision ID: 7aa70209c8b2
Revises: 45f981943875
Create Date: 2026-11-23 11:39:59.761643
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "7aa70209c8b2"
down_revision: str | None = "45f981943875"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_DIMENSIONS = sa.text(
    """'["Understanding of our business", "Quality of delivery", "Responsiveness", """
    """"Insight and innovation", "Value for money"]'"""
)


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_notification_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_notification_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_notification_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_user_unread", ["user_id", "read_at", "id"], unique=False
        )

    op.create_table(
        "initiative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column(
            "value_for_client", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False
        ),
        sa.Column(
            "value_for_vendor", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False
        ),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("proposed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answer_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'draft') = (visibility = 'internal')",
            name=op.f("ck_initiative_draft_is_internal"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'proposed', 'accepted', 'declined', 'parked')",
            name=op.f("ck_initiative_status"),
        ),
        sa.CheckConstraint(
            "visibility IN ('shared', 'internal')", name=op.f("ck_initiative_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_initiative_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["app_user.id"], name=op.f("fk_initiative_answered_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_initiative_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_initiative_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_initiative_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative")),
    )
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiative_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_initiative_plan", ["plan_id", "id"], unique=False)

    op.create_table(
        "perceived_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "overall BETWEEN 0 AND 10", name=op.f("ck_perceived_rating_overall_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_perceived_rating_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_perceived_rating_plan_id_plan")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["app_user.id"],
            name=op.f("fk_perceived_rating_recorded_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perceived_rating")),
    )
    with op.batch_alter_table("perceived_rating", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_perceived_rating_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_perceived_rating_plan_at", ["plan_id", "recorded_at"], unique=False
        )

    op.create_table(
        "plan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("agreed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("sponsor_approved_by_id", sa.Integer(), nullable=True),
        sa.Column("lead_approved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_plan_version_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["lead_approved_by_id"],
            ["app_user.id"],
            name=op.f("fk_plan_version_lead_approved_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_version_plan_id_plan")
        ),
        sa.ForeignKeyConstraint(
            ["sponsor_approved_by_id"],
            ["app_user.id"],
            name=op.f("fk_plan_version_sponsor_approved_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["app_user.id"],
            name=op.f("fk_plan_version_submitted_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_version")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_plan_version_plan_id")),
    )
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_version_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "strategy_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("horizon", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "horizon IS NULL OR horizon IN ('now', 'next', 'later')",
            name=op.f("ck_strategy_entry_horizon"),
        ),
        sa.CheckConstraint(
            "kind IN ('goal', 'driver', 'focus', 'challenge', 'success', 'advice')",
            name=op.f("ck_strategy_entry_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_strategy_entry_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_strategy_entry_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_strategy_entry_plan_id_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_entry")),
    )
    with op.batch_alter_table("strategy_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_strategy_entry_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_strategy_entry_plan_kind", ["plan_id", "kind", "position"], unique=False
        )

    op.create_table(
        "value_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("rated_by_id", sa.Integer(), nullable=True),
        sa.Column("rated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("overall BETWEEN 0 AND 10", name=op.f("ck_value_rating_overall_range")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_value_rating_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_value_rating_plan_id_plan")
        ),
        sa.ForeignKeyConstraint(
            ["rated_by_id"], ["app_user.id"], name=op.f("fk_value_rating_rated_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_rating")),
    )
    with op.batch_alter_table("value_rating", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_value_rating_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index("ix_value_rating_plan_at", ["plan_id", "rated_at"], unique=False)

    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=True),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'blocked', 'done', 'cancelled')",
            name=op.f("ck_action_status"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_action_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_action_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_action_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_action_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_action_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["priority_id"], ["priority.id"], name=op.f("fk_action_priority_id_priority")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_action_owner_status", ["owner_id", "status"], unique=False)
        batch_op.create_index("ix_action_plan", ["plan_id", "id"], unique=False)

    op.create_table(
        "initiative_priority",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_initiative_priority_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_initiative_priority_initiative_id_initiative"),
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"],
            ["priority.id"],
            name=op.f("fk_initiative_priority_priority_id_priority"),
        ),
        sa.PrimaryKeyConstraint(
            "initiative_id", "priority_id", name=op.f("pk_initiative_priority")
        ),
    )
    with op.batch_alter_table("initiative_priority", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_initiative_priority_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_initiative_priority_priority_id"), ["priority_id"], unique=False
        )

    op.create_table(
        "perceived_priority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("hypothesis", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_perceived_priority_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_perceived_priority_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_perceived_priority_plan_id_plan")
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"],
            ["priority.id"],
            name=op.f("fk_perceived_priority_priority_id_priority"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perceived_priority")),
    )
    with op.batch_alter_table("perceived_priority", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_perceived_priority_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index("ix_perceived_priority_plan", ["plan_id", "rank"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=True),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("rating_id", sa.Integer(), nullable=True),
        sa.Column("strategy_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "strategy_kind IS NULL OR strategy_kind IN ('goal', 'driver', 'focus', 'challenge', 'success', 'advice')",
            name=op.f("ck_comment_strategy_kind"),
        ),
        sa.CheckConstraint(
            "visibility IN ('shared', 'internal')", name=op.f("ck_comment_visibility")
        ),
        sa.CheckConstraint(
            "(CASE WHEN priority_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN initiative_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN rating_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN strategy_kind IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_comment_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_comment_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_comment_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["app_user.id"], name=op.f("fk_comment_author_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_comment_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_comment_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["priority_id"], ["priority.id"], name=op.f("fk_comment_priority_id_priority")
        ),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["value_rating.id"], name=op.f("fk_comment_rating_id_value_rating")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_action_id"), ["action_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_comment_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index("ix_comment_plan", ["plan_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_priority_id"), ["priority_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_rating_id"), ["rating_id"], unique=False)

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_plan_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('draft', 'submitted', 'agreed')")
        batch_op.add_column(
            sa.Column("agreed_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("submitted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "submitted_hash",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("sponsor_approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("sponsor_approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("lead_approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("lead_approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_submitted_by_id_app_user"), "app_user", ["submitted_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_lead_approved_by_id_app_user"),
            "app_user",
            ["lead_approved_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_sponsor_approved_by_id_app_user"),
            "app_user",
            ["sponsor_approved_by_id"],
            ["id"],
        )

    with op.batch_alter_table("priority", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="active",
            )
        )
        batch_op.add_column(sa.Column("suggested_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("answered_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "answer_reason",
                sqlmodel.sql.sqltypes.AutoString(length=2000),
                nullable=False,
                server_default="",
            )
        )
        batch_op.alter_column("rank", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_priority_suggested_by_id_app_user"),
            "app_user",
            ["suggested_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_priority_answered_by_id_app_user"),
            "app_user",
            ["answered_by_id"],
            ["id"],
        )
        batch_op.create_check_constraint("status", "status IN ('active', 'suggested', 'rejected')")
        batch_op.create_check_constraint(
            "rank_when_active", "(status = 'active') = (rank IS NOT NULL)"
        )

    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "value_dimensions", sa.JSON(), nullable=False, server_default=DEFAULT_DIMENSIONS
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("value_dimensions")

    op.execute("DELETE FROM priority WHERE status <> 'active'")
    op.execute("UPDATE plan SET status = 'draft' WHERE status = 'submitted'")
    with op.batch_alter_table("priority", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_priority_rank_when_active"), type_="check")
        batch_op.drop_constraint(op.f("ck_priority_status"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_priority_answered_by_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_priority_suggested_by_id_app_user"), type_="foreignkey"
        )
        batch_op.alter_column("rank", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("answer_reason")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("answered_by_id")
        batch_op.drop_column("suggested_by_id")
        batch_op.drop_column("status")

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_plan_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('draft', 'shared', 'agreed')")
        batch_op.drop_constraint(
            batch_op.f("fk_plan_sponsor_approved_by_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_plan_lead_approved_by_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_plan_submitted_by_id_app_user"), type_="foreignkey")
        batch_op.drop_column("lead_approved_at")
        batch_op.drop_column("lead_approved_by_id")
        batch_op.drop_column("sponsor_approved_at")
        batch_op.drop_column("sponsor_approved_by_id")
        batch_op.drop_column("submitted_hash")
        batch_op.drop_column("submitted_by_id")
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("agreed_version")

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_rating_id"))
        batch_op.drop_index(batch_op.f("ix_comment_priority_id"))
        batch_op.drop_index("ix_comment_plan")
        batch_op.drop_index(batch_op.f("ix_comment_initiative_id"))
        batch_op.drop_index(batch_op.f("ix_comment_action_id"))
        batch_op.drop_index(batch_op.f("ix_comment_account_id"))

    op.drop_table("comment")
    with op.batch_alter_table("perceived_priority", schema=None) as batch_op:
        batch_op.drop_index("ix_perceived_priority_plan")
        batch_op.drop_index(batch_op.f("ix_perceived_priority_account_id"))

    op.drop_table("perceived_priority")
    with op.batch_alter_table("initiative_priority", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_priority_priority_id"))
        batch_op.drop_index(batch_op.f("ix_initiative_priority_account_id"))

    op.drop_table("initiative_priority")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_plan")
        batch_op.drop_index("ix_action_owner_status")
        batch_op.drop_index(batch_op.f("ix_action_account_id"))

    op.drop_table("action")
    with op.batch_alter_table("value_rating", schema=None) as batch_op:
        batch_op.drop_index("ix_value_rating_plan_at")
        batch_op.drop_index(batch_op.f("ix_value_rating_account_id"))

    op.drop_table("value_rating")
    with op.batch_alter_table("strategy_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_strategy_entry_plan_kind")
        batch_op.drop_index(batch_op.f("ix_strategy_entry_account_id"))

    op.drop_table("strategy_entry")
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_version_account_id"))

    op.drop_table("plan_version")
    with op.batch_alter_table("perceived_rating", schema=None) as batch_op:
        batch_op.drop_index("ix_perceived_rating_plan_at")
        batch_op.drop_index(batch_op.f("ix_perceived_rating_account_id"))

    op.drop_table("perceived_rating")
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_index("ix_initiative_plan")
        batch_op.drop_index(batch_op.f("ix_initiative_account_id"))

    op.drop_table("initiative")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_unread")

    op.drop_table("notification")
