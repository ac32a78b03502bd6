"""The vendor strategy workspace: scorecard, account profile, stakeholders, opportunities,
reviews and mentor requests; plans get a review cadence.

Revision ID: 9efceac8b116
Revises: 7aa70209c8b2
Create Date: 2026-11-23 13:49:55.191411
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "9efceac8b116"
down_revision: str | None = "7aa70209c8b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scorecard_attribute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("half", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "half IN ('current', 'future')", name=op.f("ck_scorecard_attribute_half")
        ),
        sa.CheckConstraint(
            "weight BETWEEN 1 AND 10", name=op.f("ck_scorecard_attribute_weight_range")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_scorecard_attribute_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_attribute")),
    )
    with op.batch_alter_table("scorecard_attribute", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scorecard_attribute_workspace", ["workspace_id", "position"], unique=False
        )

    op.create_table(
        "account_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("current", sa.Float(), nullable=False),
        sa.Column("future", sa.Float(), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("scored_by_id", sa.Integer(), nullable=True),
        sa.Column("scored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "tier IN ('strategic', 'develop', 'maintain', 'opportunistic')",
            name=op.f("ck_account_score_tier"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_score_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["scored_by_id"], ["app_user.id"], name=op.f("fk_account_score_scored_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_score")),
    )
    with op.batch_alter_table("account_score", schema=None) as batch_op:
        batch_op.create_index(
            "ix_account_score_account_at", ["account_id", "scored_at"], unique=False
        )

    op.create_table(
        "opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("profitability", sa.Integer(), nullable=False),
        sa.Column("need", sa.Integer(), nullable=False),
        sa.Column("growth", sa.Integer(), nullable=False),
        sa.Column("importance", sa.Integer(), nullable=False),
        sa.Column("history", sa.Integer(), nullable=False),
        sa.Column("relationship", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'won', 'lost', 'dropped')", name=op.f("ck_opportunity_status")
        ),
        sa.CheckConstraint("days >= 1", name=op.f("ck_opportunity_days_positive")),
        sa.CheckConstraint("growth BETWEEN 1 AND 5", name=op.f("ck_opportunity_growth_range")),
        sa.CheckConstraint("history BETWEEN 1 AND 5", name=op.f("ck_opportunity_history_range")),
        sa.CheckConstraint(
            "importance BETWEEN 1 AND 5", name=op.f("ck_opportunity_importance_range")
        ),
        sa.CheckConstraint("need BETWEEN 1 AND 5", name=op.f("ck_opportunity_need_range")),
        sa.CheckConstraint(
            "profitability BETWEEN 1 AND 5", name=op.f("ck_opportunity_profitability_range")
        ),
        sa.CheckConstraint(
            "relationship BETWEEN 1 AND 5", name=op.f("ck_opportunity_relationship_range")
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_opportunity_size_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_opportunity_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_opportunity_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_opportunity_owner_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity")),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index("ix_opportunity_account", ["account_id", "id"], unique=False)

    op.create_table(
        "profile_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("validation", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("shared_body", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
        sa.Column("shared_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("shared_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "client_correction", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False
        ),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('goals', 'markets', 'trends', 'competitors', 'structure', 'financials', 'swot', 'value_chain')",
            name=op.f("ck_profile_section_kind"),
        ),
        sa.CheckConstraint(
            "validation IN ('none', 'pending', 'confirmed', 'corrected')",
            name=op.f("ck_profile_section_validation"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_profile_section_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["app_user.id"],
            name=op.f("fk_profile_section_answered_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["shared_by_id"], ["app_user.id"], name=op.f("fk_profile_section_shared_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["app_user.id"],
            name=op.f("fk_profile_section_updated_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_section")),
        sa.UniqueConstraint("account_id", "kind", name="uq_profile_section_account_kind"),
    )
    op.create_table(
        "stakeholder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reports_to_id", sa.Integer(), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("decision_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("is_economic_buyer", sa.Boolean(), nullable=False),
        sa.Column("influence", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("attitude", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("motivations", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("strength", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("last_contact_on", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("validation", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("sent_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sent_title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sent_reports_to", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "client_correction", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False
        ),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "attitude IN ('supporter', 'neutral', 'detractor', 'unknown')",
            name=op.f("ck_stakeholder_attitude"),
        ),
        sa.CheckConstraint(
            "influence IN ('high', 'medium', 'low')", name=op.f("ck_stakeholder_influence")
        ),
        sa.CheckConstraint(
            "strength IN ('strong', 'good', 'weak', 'none')", name=op.f("ck_stakeholder_strength")
        ),
        sa.CheckConstraint(
            "validation IN ('none', 'pending', 'confirmed', 'corrected')",
            name=op.f("ck_stakeholder_validation"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_stakeholder_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["app_user.id"], name=op.f("fk_stakeholder_answered_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_stakeholder_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_stakeholder_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["reports_to_id"],
            ["stakeholder.id"],
            name=op.f("fk_stakeholder_reports_to_id_stakeholder"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["app_user.id"], name=op.f("fk_stakeholder_sent_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder")),
    )
    with op.batch_alter_table("stakeholder", schema=None) as batch_op:
        batch_op.create_index("ix_stakeholder_account", ["account_id", "id"], unique=False)
        batch_op.create_index(
            "uq_stakeholder_economic_buyer",
            ["account_id", "decision_key"],
            unique=True,
            sqlite_where=sa.text("is_economic_buyer AND removed_at IS NULL"),
            postgresql_where=sa.text("is_economic_buyer AND removed_at IS NULL"),
        )

    op.create_table(
        "mentor_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_mentor_request_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["app_user.id"],
            name=op.f("fk_mentor_request_answered_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_mentor_request_initiative_id_initiative"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_mentor_request_plan_id_plan")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["app_user.id"],
            name=op.f("fk_mentor_request_requested_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_request")),
    )
    with op.batch_alter_table("mentor_request", schema=None) as batch_op:
        batch_op.create_index("ix_mentor_request_open", ["account_id", "answered_at"], unique=False)

    op.create_table(
        "opportunity_priority",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_opportunity_priority_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_opportunity_priority_opportunity_id_opportunity"),
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"],
            ["priority.id"],
            name=op.f("fk_opportunity_priority_priority_id_priority"),
        ),
        sa.PrimaryKeyConstraint(
            "opportunity_id", "priority_id", name=op.f("pk_opportunity_priority")
        ),
    )
    with op.batch_alter_table("opportunity_priority", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_priority_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opportunity_priority_priority_id"), ["priority_id"], unique=False
        )

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("participants", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("what_changed", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=True),
        sa.Column("gap", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("mentor_comment", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("signed_off_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("signed_off_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_review_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_review_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_review_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["value_rating.id"], name=op.f("fk_review_rating_id_value_rating")
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_by_id"], ["app_user.id"], name=op.f("fk_review_signed_off_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_review_plan_held", ["plan_id", "held_on"], unique=False)

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_cadence_months", sa.Integer(), server_default="3", nullable=False)
        )
        batch_op.create_check_constraint("review_cadence", "review_cadence_months BETWEEN 1 AND 12")


def downgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_plan_review_cadence"), type_="check")
        batch_op.drop_column("review_cadence_months")

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("ix_review_plan_held")
        batch_op.drop_index(batch_op.f("ix_review_account_id"))

    op.drop_table("review")
    with op.batch_alter_table("opportunity_priority", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_priority_priority_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_priority_account_id"))

    op.drop_table("opportunity_priority")
    with op.batch_alter_table("mentor_request", schema=None) as batch_op:
        batch_op.drop_index("ix_mentor_request_open")

    op.drop_table("mentor_request")
    with op.batch_alter_table("stakeholder", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_stakeholder_economic_buyer",
            sqlite_where=sa.text("is_economic_buyer AND removed_at IS NULL"),
            postgresql_where=sa.text("is_economic_buyer AND removed_at IS NULL"),
        )
        batch_op.drop_index("ix_stakeholder_account")

    op.drop_table("stakeholder")
    op.drop_table("profile_section")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_account")

    op.drop_table("opportunity")
    with op.batch_alter_table("account_score", schema=None) as batch_op:
        batch_op.drop_index("ix_account_score_account_at")

    op.drop_table("account_score")
    with op.batch_alter_table("scorecard_attribute", schema=None) as batch_op:
        batch_op.drop_index("ix_scorecard_attribute_workspace")

    op.drop_table("scorecard_attribute")
