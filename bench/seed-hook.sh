#!/bin/sh
# The script HookRelay replaces, as sites write it (the seed blog post's shape): post to Slack
# when an instance is live-migrated, only on the master, JSON pasted together by hand, curl
# with no timeout. SLACK_URL points at the local receiver; HOOK_NODE lets the benchmark play
# the master (hostname -f still runs, as it does in the original).
[ "$GANETI_HOOKS_PHASE" = "post" ] || exit 0
[ "$GANETI_MIGRATE_LIVE" = "True" ] || exit 0
me=$(hostname -f)
[ "${HOOK_NODE:-$me}" = "$GANETI_MASTER" ] || exit 0
curl -s -X POST -H 'Content-type: application/json' \
  --data "{\"text\":\"*$GANETI_INSTANCE_NAME migrated live* from $GANETI_OLD_PRIMARY to $GANETI_NEW_PRIMARY on Cluster $GANETI_CLUSTER\"}" \
  "${SLACK_URL:-https://hooks.slack.com/services/T000/B000/XXXX}" >/dev/null
