"""The append function: a whole group-committed append in one round trip (`aims_append`).

It does what `EventStore` did over seven round trips: take the append lock, read the head
of the log, check stream versions and event ids, chain the hashes with the built-in
`sha256()` over the same canonical bytes as `shared/kernel/eventstore/hashing.py`, insert,
notify. It runs with the caller's rights (no SECURITY DEFINER): the services' role needs
nothing beyond its grants on `events`.
"""

from migrations import run_sql

revision = "0013"
down_revision = "0012"

APP_ROLE = "aims_app"

# Arguments, one element per request: p_streams (stream id), p_stream_json (the stream id as
# the chain's JSON header spells it), p_expected (expected version, NULL: any), p_metadata
# (JSON text), p_counts (its number of events). One element per event, requests in order:
# p_req (its request, from 1), p_nth (its place in the request, from 1), p_ids, p_types,
# p_type_json (the type as JSON), p_schema_versions, p_data (JSON text).
# One row per request comes back, in order: 'ok' (written), 'duplicate' (every id already
# stored on that stream: nothing written), 'conflict' (`version` is the stream's actual
# version) or 'duplicate_id' (`event_id` is stored elsewhere). Requests are independent; an
# id may appear only once per call (the caller splits batches that repeat one).
#
# Only the requests are walked in PL/pgSQL; the events are handled set-based (one query
# builds every canonical text, one INSERT writes the rows) except the chain itself, which
# is sequential by nature: one sha256() per event.
FUNCTION = r"""
CREATE FUNCTION aims_append(
    p_streams text[], p_stream_json text[], p_expected integer[], p_metadata text[],
    p_counts integer[], p_req integer[], p_nth integer[], p_ids uuid[], p_types text[],
    p_type_json text[], p_schema_versions integer[], p_data text[]
) RETURNS TABLE (outcome text, version integer, "position" bigint,
                 recorded_at timestamptz, event_id uuid)
LANGUAGE plpgsql
-- Each call passes other arrays, and a custom plan (re-planned on every call) looks cheaper
-- to the planner than the generic one it keeps; planning the reads cost more than running
-- them. The generic plans are the index probes intended.
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
DECLARE
    head_pos bigint;
    head_hash bytea;
    head_at timestamptz;
    pos bigint := 0;
    prev bytea := decode(repeat('00', 32), 'hex');  -- GENESIS_HASH
    at timestamptz := clock_timestamp();
    at_text text;
    streams text[];   -- the distinct streams of the call ...
    versions int[];   -- ... and their versions as the call goes on
    ex_ids uuid[];    -- ids of the call already stored, with where they are
    ex_streams text[];
    ex_versions int[];
    ex_positions bigint[];
    first_pos bigint[] := '{}';  -- per request: position of its first event, NULL: not written
    base_ver int[] := '{}';      -- per request: its stream's version before it
    canon bytea[];
    hashes bytea[] := '{}';
    c bytea;
    e int := 0;       -- index of the request's first event, minus one
    s int;
    v int;
    i int;
    found_n int;
    elsewhere boolean;
    first_found uuid;
BEGIN
    -- Guarantee 5: see the comment at EventStore.append. Same key as APPEND_LOCK_KEY.
    PERFORM pg_advisory_xact_lock(1634299251);
    -- The head of the log, the versions of the call's streams (one backward index probe
    -- each, as _VERSIONS in store.py) and the call's ids already stored, in one query.
    SELECT h.position, h.hash, h.recorded_at, vs.a, vs.b, ex.a, ex.b, ex.c, ex.d
        INTO head_pos, head_hash, head_at, streams, versions, ex_ids, ex_streams,
             ex_versions, ex_positions
        FROM (SELECT array_agg(u.s) AS a, array_agg(coalesce(m.v, 0)) AS b
              FROM (SELECT DISTINCT unnest(p_streams) AS s) u,
              LATERAL (SELECT max(ev.version) AS v FROM events ev
                       WHERE ev.stream_id = u.s) m) vs,
             (SELECT array_agg(ev.id) AS a, array_agg(ev.stream_id) AS b,
                     array_agg(ev.version) AS c, array_agg(ev.position) AS d
              FROM events ev WHERE ev.id = ANY (p_ids)) ex
        LEFT JOIN LATERAL (SELECT ev.position, ev.hash, ev.recorded_at FROM events ev
                           ORDER BY ev.position DESC LIMIT 1) h ON true;
    IF head_pos IS NOT NULL THEN
        pos := head_pos;
        prev := head_hash;
        at := greatest(at, head_at);  -- recorded_at never goes backwards
    ELSE
        head_pos := 0;
    END IF;
    at_text := to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    FOR r IN 1 .. cardinality(p_streams) LOOP
        first_pos := first_pos || NULL::bigint;
        base_ver := base_ver || NULL::int;
        IF ex_ids IS NOT NULL THEN  -- a retry: idempotent when every id is on this stream
            found_n := 0; elsewhere := false; first_found := NULL;
            version := NULL; "position" := NULL;
            FOR k IN e + 1 .. e + p_counts[r] LOOP
                i := array_position(ex_ids, p_ids[k]);
                CONTINUE WHEN i IS NULL;
                found_n := found_n + 1;
                first_found := coalesce(first_found, p_ids[k]);
                elsewhere := elsewhere OR ex_streams[i] <> p_streams[r];
                IF version IS NULL OR (ex_versions[i], ex_positions[i]) > (version, "position")
                THEN
                    version := ex_versions[i]; "position" := ex_positions[i];
                END IF;
            END LOOP;
            IF found_n > 0 THEN
                outcome := CASE WHEN found_n = p_counts[r] AND NOT elsewhere
                                THEN 'duplicate' ELSE 'duplicate_id' END;
                recorded_at := NULL; event_id := first_found;
                RETURN NEXT;
                e := e + p_counts[r];
                CONTINUE;
            END IF;
        END IF;
        e := e + p_counts[r];
        s := array_position(streams, p_streams[r]);
        v := versions[s];
        IF p_expected[r] IS NOT NULL AND p_expected[r] <> v THEN
            outcome := 'conflict'; version := v; "position" := NULL;
            recorded_at := NULL; event_id := NULL;
            RETURN NEXT;
            CONTINUE;
        END IF;
        first_pos[r] := pos + 1;
        base_ver[r] := v;
        pos := pos + p_counts[r];
        versions[s] := v + p_counts[r];
        outcome := 'ok'; version := v + p_counts[r]; "position" := pos;
        recorded_at := at; event_id := NULL;
        RETURN NEXT;
    END LOOP;
    IF pos = head_pos THEN
        -- Nothing to write. A duplicate is still acknowledged as written, so its COMMIT must
        -- wait for the synchronous standby like a write: an original whose commit was cut
        -- off while waiting for the standby is durable only here. Taking a transaction id
        -- makes the COMMIT write a record after the original's and wait for it.
        PERFORM pg_current_xact_id();
        RETURN;
    END IF;
    -- hashing.canonical(): json([position, id, stream, version, type, schema_version,
    -- recorded_at]) "\n" data "\n" metadata, for every event written, in position order.
    SELECT array_agg(convert_to(
               '[' || (first_pos[x.r] + x.n - 1) || ',"' || x.id || '",' || p_stream_json[x.r]
               || ',' || (base_ver[x.r] + x.n) || ',' || x.tj || ',' || x.sv || ',"'
               || at_text || '"]' || chr(10) || x.d || chr(10) || p_metadata[x.r], 'UTF8')
               ORDER BY x.o)
        INTO canon
        FROM unnest(p_req, p_nth, p_ids, p_type_json, p_schema_versions, p_data)
             WITH ORDINALITY AS x(r, n, id, tj, sv, d, o)
        WHERE first_pos[x.r] IS NOT NULL;
    FOREACH c IN ARRAY canon LOOP  -- hashing.chain()
        prev := sha256(c || prev);
        hashes := hashes || prev;
    END LOOP;
    INSERT INTO events (position, id, stream_id, version, type, schema_version, data,
                        metadata, recorded_at, hash)
        SELECT first_pos[x.r] + x.n - 1, x.id, p_streams[x.r], base_ver[x.r] + x.n, x.t,
               x.sv, x.d::json, p_metadata[x.r]::json, at,
               hashes[first_pos[x.r] + x.n - 1 - head_pos]
        FROM unnest(p_req, p_nth, p_ids, p_types, p_schema_versions, p_data)
             AS x(r, n, id, t, sv, d)
        WHERE first_pos[x.r] IS NOT NULL;
    PERFORM pg_notify('aims_events', pos::text);  -- NOTIFY_CHANNEL
END
$fn$;
COMMENT ON FUNCTION aims_append(text[], text[], integer[], text[], integer[], integer[],
                                integer[], uuid[], text[], text[], integer[], text[]) IS
    'Append requests to the event log in one call (see shared/kernel/eventstore/store.py).';
"""

SIGNATURE = (
    "aims_append(text[], text[], integer[], text[], integer[], integer[], integer[], uuid[],"
    " text[], text[], integer[], text[])"
)


def upgrade() -> None:
    run_sql(FUNCTION)
    # Functions are executable by PUBLIC by default; grant explicitly anyway, so that a
    # database that revoked PUBLIC's rights still lets the services append.
    run_sql(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                EXECUTE 'GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}';
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    run_sql(f"DROP FUNCTION {SIGNATURE};")
