#!/usr/bin/env bash
# Writes the settings table of docs/configuration.md from config/schema.cpp
# (between its config-table markers). The unit test
# "docs/configuration.md lists every setting as the schema does" fails until
# this has been run after a change to the schema.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build unit_config >/dev/null
build/tests/unit_config "[.config-table]" -o /dev/null > build/config-table.md
python3 - docs/configuration.md build/config-table.md <<'PY'
import sys
doc_path, table_path = sys.argv[1], sys.argv[2]
begin, end = "<!-- config-table:begin -->\n", "<!-- config-table:end -->"
doc = open(doc_path).read()
table = open(table_path).read()
start, stop = doc.index(begin) + len(begin), doc.index(end)
open(doc_path, "w").write(doc[:start] + table + doc[stop:])
PY
echo "docs/configuration.md: table written from config/schema.cpp"
