"""Pipelines: pipeline runs with their graph, step runs with cache keys, step lineage.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _run_fk(table: str, column: str = "run_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["runs.run_id"], name=op.f(f"fk_{table}_{column}_runs"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "pipeline_runs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("pipeline_name", sa.String(length=500), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("parameters_blob", sa.LargeBinary(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("graph", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        _run_fk("pipeline_runs"),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_pipeline_runs")),
    )
    op.create_index(
        op.f("ix_pipeline_runs_pipeline_name"), "pipeline_runs", ["pipeline_name"], unique=False
    )

    op.create_table(
        "pipeline_steps",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("pipeline_run_id", sa.String(length=32), nullable=False),
        sa.Column("pipeline_name", sa.String(length=500), nullable=False),
        sa.Column("node_id", sa.String(length=500), nullable=False),
        sa.Column("step_name", sa.String(length=250), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=True),
        sa.Column("cache_status", sa.String(length=8), nullable=False),
        sa.Column("cache_reason", sa.Text(), nullable=False),
        sa.Column("cache_components", sa.Text(), nullable=False),
        sa.Column("cached_from_run_id", sa.String(length=32), nullable=True),
        _run_fk("pipeline_steps"),
        _run_fk("pipeline_steps", "pipeline_run_id"),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_pipeline_steps")),
    )
    op.create_index(
        "ix_pipeline_steps_pipeline_node", "pipeline_steps", ["pipeline_name", "node_id"]
    )
    op.create_index(
        op.f("ix_pipeline_steps_pipeline_run_id"), "pipeline_steps", ["pipeline_run_id"]
    )
    op.create_index(op.f("ix_pipeline_steps_cache_key"), "pipeline_steps", ["cache_key"])

    op.create_table(
        "step_outputs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("uri", sa.String(length=2000), nullable=False),
        sa.Column("serializer", sa.String(length=100), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("producer_run_id", sa.String(length=32), nullable=False),
        _run_fk("step_outputs"),
        sa.PrimaryKeyConstraint("run_id", "name", name=op.f("pk_step_outputs")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_step_outputs_content_hash"), "step_outputs", ["content_hash"])
    op.create_index(op.f("ix_step_outputs_producer_run_id"), "step_outputs", ["producer_run_id"])

    op.create_table(
        "step_inputs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("arg", sa.String(length=250), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("producer_run_id", sa.String(length=32), nullable=False),
        sa.Column("output_name", sa.String(length=250), nullable=False),
        _run_fk("step_inputs"),
        sa.PrimaryKeyConstraint("run_id", "arg", "position", name=op.f("pk_step_inputs")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_step_inputs_content_hash"), "step_inputs", ["content_hash"])
    op.create_index(op.f("ix_step_inputs_producer_run_id"), "step_inputs", ["producer_run_id"])


def downgrade() -> None:
    for table in ("step_inputs", "step_outputs", "pipeline_steps", "pipeline_runs"):
        op.drop_table(table)
