#!/bin/sh
# The harness runs as the owner of the checkout, so that results/ and reports/ on the host belong
# to the user, not to root. Started as root (the default), it hands those two folders to that user
# and drops to it; started with `--user`, it runs as given.
set -eu
owner="$(stat -c %u:%g /opt/lab/comparisons)"
if [ "$(id -u)" = 0 ] && [ "$owner" != 0:0 ]; then
  for folder in /opt/lab/results /opt/lab/reports; do  # mounted for the harness, not for a service
    if [ -d "$folder" ]; then chown "$owner" "$folder"; fi
  done
  HOME=/tmp exec setpriv --reuid="${owner%:*}" --regid="${owner#*:}" --clear-groups -- python -m comparisons "$@"
fi
exec python -m comparisons "$@"
