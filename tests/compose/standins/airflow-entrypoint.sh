#!/usr/bin/env bash
# What the lab relies on of apache/airflow's /entrypoint (docs: docker-stack/entrypoint), written
# for the stand-in: refuse a group other than 0, umask 0002, wait until `airflow db check` passes
# (CONNECTION_CHECK_MAX_COUNT tries, CONNECTION_CHECK_SLEEP_TIME apart; 0 skips it), run
# `airflow db migrate` when _AIRFLOW_DB_MIGRATE is set, then `bash …` and `python …` run as given
# and anything else as an airflow subcommand, with or without a leading `airflow`.
set -euo pipefail
if [[ "$(id -g)" != 0 && "$(id -u)" != 50000 ]]; then
  echo "ERROR! Run this image with GID=0 (started with UID=$(id -u) GID=$(id -g))." >&2
  exit 1
fi
umask 0002
tries="${CONNECTION_CHECK_MAX_COUNT:-20}"
pause="${CONNECTION_CHECK_SLEEP_TIME:-3}"
if (( tries > 0 )); then
  until output="$(airflow db check 2>&1)"; do
    tries=$((tries - 1))
    if (( tries == 0 )); then
      printf 'ERROR! The metadata database did not answer `airflow db check`:\n%s\n' "$output" >&2
      exit 1
    fi
    sleep "$pause"
  done
fi
[[ -n "${_AIRFLOW_DB_MIGRATE:-}" ]] && airflow db migrate
case "${1:-}" in
  bash) shift; exec /bin/bash "$@" ;;
  python) shift; exec python "$@" ;;
  airflow) shift ;;
esac
exec airflow "$@"
