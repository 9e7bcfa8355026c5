#!/usr/bin/env bash
# What prefecthq/prefect's /opt/prefect/entrypoint.sh does, written for the stand-in: install
# EXTRA_PIP_PACKAGES if set, then run the command (a login shell when there is none).
set -e
if [ -n "${EXTRA_PIP_PACKAGES:-}" ]; then
  echo "+pip install $EXTRA_PIP_PACKAGES"
  uv pip install --python "$(command -v python)" $EXTRA_PIP_PACKAGES
fi
if [ "$#" -eq 0 ]; then
  exec bash --login
fi
exec "$@"
