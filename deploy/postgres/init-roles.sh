#!/bin/sh
# Creates the services' role. Migrations (run as the owner) grant it SELECT and INSERT on
# events only, so the services can never change history (guarantee 1).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE aims_app LOGIN PASSWORD '${AIMS_APP_PASSWORD}';
CREATE ROLE aims_reporting NOLOGIN;
SQL
