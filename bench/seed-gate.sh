#!/bin/sh
# A policy check as sites write it today: send the hook's environment to the policy server with
# curl and deny unless the answer says allow. POLICY_URL points at the local server.
[ "$GANETI_HOOKS_PHASE" = "pre" ] || exit 0
answer=$(env | grep '^GANETI_' | curl -s --max-time 2 -H 'Content-Type: text/plain' --data-binary @- "$POLICY_URL") || exit 0
case "$answer" in
  *'"allow":true'*|*'"allow": true'*) exit 0 ;;
  *) echo "denied by policy: $answer"; exit 1 ;;
esac
