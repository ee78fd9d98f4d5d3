# geophysics-magnetic: qtm run on a user's grid (geophysics-magnetic.grid.csv beside this file: a
# 40 x 40 CSV total-field grid simulated from a seed no training stream uses, a vertical pipe whose
# top is 39.2 m deep) and on a malformed CSV.  Sourced by modules.sh with $A installed.
_d=$(dirname "$0")/modules.d
cp "$_d/geophysics-magnetic.grid.csv" "$TMP/mag-grid.csv"
printf '1,2,x\n3,4,5\n' >"$TMP/mag-bad.csv"
(cd "$TMP" && "$QTM" --root "$A" run geophysics-magnetic -- mag-grid.csv mag-out.json >"$TMP/run.out" 2>"$TMP/run.err")
ok $? "geophysics-magnetic: qtm run on a user's CSV grid"
z=$(json_get "$TMP/mag-out.json" "1 if 20.0 < j['depth_m'] < 80.0 else 0" 2>/dev/null)
is "$z" 1 "geophysics-magnetic: the depth for the user's grid (true 39.2 m) lies within a factor 2"
(cd "$TMP" && "$QTM" --root "$A" run geophysics-magnetic -- mag-bad.csv mag-bad.json >"$TMP/run.out" 2>"$TMP/run.err")
st=$?
[ $st -ne 0 ] && grep -q "geophysics-magnetic: error: cannot read mag-bad.csv" "$TMP/run.err"
ok $? "geophysics-magnetic: a malformed CSV grid fails with a clear error"
