# Stand-in for postgres:16 (tests only): Debian bookworm's PostgreSQL 15 with an entrypoint that
# does what the lab uses of the official one (POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE,
# /docker-entrypoint-initdb.d), and its postgres user, uid and gid 999, created before the package.
FROM localhost/debian-base:bookworm
RUN groupadd -r postgres --gid=999 \
 && useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && pg_dropcluster 15 main && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
