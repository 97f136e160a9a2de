"""Resources of AI systems in the registry: responsibilities (RACI), datasets, and the index
of events naming each system that the Annex IV dossier is assembled from.

Read models (rebuilt by replay): `registry_responsibility`, `registry_dataset`,
`registry_system_event`. Reporting views document them.
"""

from __future__ import annotations

from migrations import run_sql

revision = "0012"
down_revision = "0011"

ROLE = "aims_reporting"

TABLES = """
CREATE TABLE registry_responsibility (
    system_id    uuid        PRIMARY KEY,
    accountable  text        NOT NULL,
    responsible  text[]      NOT NULL,
    consulted    text[]      NOT NULL,
    informed     text[]      NOT NULL,
    version      integer     NOT NULL,
    updated_by   text,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE registry_dataset (
    id                 uuid        PRIMARY KEY,
    name               text        NOT NULL,
    owner              text        NOT NULL,
    source             text        NOT NULL,
    provenance         text        NOT NULL,
    licence            text        NOT NULL,
    personal_data      boolean     NOT NULL,
    quality_checks     jsonb       NOT NULL,
    data_version       text        NOT NULL,
    digest             text        NOT NULL,
    use                text        NOT NULL,
    system_ids         uuid[]      NOT NULL,
    model_version_ids  uuid[]      NOT NULL,
    version            integer     NOT NULL,
    created_position   bigint      NOT NULL UNIQUE,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX registry_dataset_systems ON registry_dataset USING gin (system_ids);
CREATE INDEX registry_dataset_model_versions ON registry_dataset USING gin (model_version_ids);

-- Every event of the log whose data names a system (`system_id` or `system_ids`), by
-- system: what the Annex IV dossier of a system is assembled from.
CREATE TABLE registry_system_event (
    system_id  uuid   NOT NULL,
    position   bigint NOT NULL,
    PRIMARY KEY (system_id, position)
);
"""


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# name -> (comment, [(column, comment)], select), as in 0005_reporting.
VIEWS: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "system_responsibilities": (
        "Roles and responsibilities per AI system (5.3, A.3.2): RACI, people as token subjects.",
        [("system_id", "AI system"), ("system_name", "Name of that system"),
         ("accountable", "The one person accountable for the system"),
         ("responsible", "People responsible for the work"),
         ("consulted", "People consulted"), ("informed", "People kept informed"),
         ("updated_by", "Who last set the responsibilities"),
         ("updated_at", "When they were set")],
        "SELECT r.system_id, s.name, r.accountable, r.responsible, r.consulted, r.informed,"
        " r.updated_by, r.updated_at FROM public.registry_responsibility r"
        " LEFT JOIN public.registry_system s ON s.id = r.system_id",
    ),
    "datasets": (
        "Data resources (A.4.3, A.7, EU AI Act Art. 10): provenance, licence, personal data,"
        " quality checks, and the systems and model versions they are linked to.",
        [("dataset_id", "Id of the dataset"), ("name", "Name"), ("owner", "Owner"),
         ("source", "Where the data comes from"), ("provenance", "Its provenance (A.7.5)"),
         ("licence", "Licence or terms of use"),
         ("personal_data", "True when it holds personal data"),
         ("quality_checks", "Quality checks with their results (JSON, A.7.4)"),
         ("failed_checks", "Number of quality checks that failed"),
         ("data_version", "The data's current version"),
         ("digest", "sha256 of the data at that version"),
         ("use", "training, validation, testing, operation or other"),
         ("system_ids", "AI systems it is linked to"),
         ("model_version_ids", "Model versions it is linked to"),
         ("created_at", "When it was registered"), ("updated_at", "When it last changed")],
        "SELECT id, name, owner, source, provenance, licence, personal_data, quality_checks,"
        " (SELECT count(*) FROM jsonb_array_elements(quality_checks) c"
        "  WHERE c->>'result' = 'failed'), data_version, digest, use, system_ids,"
        " model_version_ids, created_at, updated_at FROM public.registry_dataset",
    ),
    "dataset_systems": (
        "One row per dataset and AI system it is linked to.",
        [("dataset_id", "Id of the dataset"), ("dataset_name", "Name of the dataset"),
         ("system_id", "AI system"), ("system_name", "Name of that system"),
         ("use", "training, validation, testing, operation or other"),
         ("provenance_stated", "True when the dataset's provenance is written down")],
        "SELECT d.id, d.name, x.system_id, s.name, d.use, btrim(d.provenance) <> ''"
        " FROM public.registry_dataset d CROSS JOIN LATERAL unnest(d.system_ids) AS x(system_id)"
        " LEFT JOIN public.registry_system s ON s.id = x.system_id",
    ),
}  # fmt: skip


def _views() -> str:
    statements = []
    for name, (comment, columns, select) in VIEWS.items():
        names = ", ".join(c for c, _ in columns)
        statements.append(f"CREATE VIEW reporting.{name} ({names}) AS {select}")
        statements.append(f"COMMENT ON VIEW reporting.{name} IS {_q(comment)}")
        statements += [
            f"COMMENT ON COLUMN reporting.{name}.{c} IS {_q(text)}" for c, text in columns
        ]
    return ";\n".join(statements) + ";"


def upgrade() -> None:
    run_sql(TABLES)
    run_sql(_views())
    # 0005's default privileges cover views its role creates; grant anyway in case another
    # role runs this migration.
    run_sql(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
                EXECUTE 'GRANT SELECT ON {", ".join(f"reporting.{v}" for v in VIEWS)} TO {ROLE}';
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    views = ", ".join(f"reporting.{name}" for name in VIEWS)
    run_sql(
        f"DROP VIEW {views};"
        " DROP TABLE registry_system_event, registry_dataset, registry_responsibility;"
    )
