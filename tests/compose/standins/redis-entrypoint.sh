#!/bin/bash
# What the official redis image's docker-entrypoint.sh does, written for the stand-in: options alone
# mean `redis-server <options>`; as root, hand /data to redis and step down to it; and unless the
# command sets protected mode itself, turn it off (the official image's default in a container).
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
if [ "$1" = redis-server ] && ! printf '%s\n' "$@" | grep -q -- '--protected-mode'; then
  set -- "$@" --protected-mode no
fi
exec "$@"
