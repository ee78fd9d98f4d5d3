#!/bin/sh
# fake-runner.sh - stands in for qtm-runner in test-hive-executor: records its arguments, its
# pid and a child's pid under --root, then idles until SIGTERM.  With FAKE_RUNNER_IGNORE_TERM
# set it ignores SIGTERM (as a stuck runner would), so only SIGKILL ends it.
root=
prev=
for a; do
	[ "$prev" = --root ] && root=$a
	prev=$a
done
[ -n "$root" ] || { echo "fake-runner: no --root" >&2; exit 2; }
printf '%s\n' "$@" >"$root/args.tmp" && mv "$root/args.tmp" "$root/args"
if [ -n "$FAKE_RUNNER_IGNORE_TERM" ]; then
	trap '' TERM
else
	trap 'kill "$child" 2>/dev/null; exit 0' TERM
fi
sleep 1000 &
child=$!
echo "$child" >"$root/child.tmp" && mv "$root/child.tmp" "$root/child"
echo $$ >"$root/pid.tmp" && mv "$root/pid.tmp" "$root/pid"
echo "fake-runner: started"
while :; do
	wait "$child"
done
