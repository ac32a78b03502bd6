"""Exit 0 if the PostgreSQL server given on the command line answers, else 1."""

import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
