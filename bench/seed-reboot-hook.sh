#!/bin/sh
# The seed's kind of script on a reboot, as sites write it: tell the chat when a reboot starts
# and when it is done (pre and post), from the master only, JSON pasted together, curl with no
# timeout. The Ganeti job waits for it, twice.
me=$(hostname -f)
[ "$me" = "$GANETI_MASTER" ] || exit 0
curl -s -X POST -H 'Content-type: application/json' \
  --data "{\"text\":\"$GANETI_INSTANCE_NAME reboot ($GANETI_HOOKS_PHASE) on $GANETI_CLUSTER\"}" \
  "${SLACK_URL:-http://127.0.0.1:9/hook}" >/dev/null
exit 0
