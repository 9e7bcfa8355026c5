# Stand-in for redis:7.2-bookworm (tests only): Debian bookworm's redis-server with what the lab uses of
# the official image: its redis user (uid and gid 999, created before the package), /data as the
# working folder, and an entrypoint that, as the official one does, runs a `redis-server` command as
# that user with protected mode off (a container's port is reachable only on its own network).
FROM localhost/debian-base:bookworm
RUN groupadd -r -g 999 redis && useradd -r -g redis -u 999 redis \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server gosu \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
WORKDIR /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
