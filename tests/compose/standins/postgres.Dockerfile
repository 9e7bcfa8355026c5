# Stand-in for postgres:16 (tests only): Debian bookworm's PostgreSQL 15 with an entrypoint that
# does what the lab uses of the official one (POSTGRES_PASSWORD, /docker-entrypoint-initdb.d).
FROM localhost/debian-base:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && pg_dropcluster 15 main && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
