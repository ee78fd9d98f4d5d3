#!/bin/sh
# metrics.sh - declared metrics (qtm-module(5), "Metrics"): a module naming its headline and
# each metric's direction installs when its trainer's metrics.json keeps the declaration and
# its held-out predictions reproduce the headline; qtm info shows the headline beside the best
# baseline and qtm verify --metrics recomputes it.  A trainer that writes no metrics, a
# headline that names no metric, a metric without direction and predictions that do not
# reproduce their recorded metric are refused naming the module and the field.
. "$(dirname "$0")/lib.sh"
plan 19

# declared NAME RECORDED METRICS-JSON-EXTRA: a model whose trainer writes predictions.csv and
# targets.csv (accuracy 3/4) and a metrics.json recording RECORDED.
declared() {
	d=$TMP/mods/$1
	mkdir -p "$d"
	cat >"$d/module.json" <<JSON
{"format":1,"name":"$1","version":"1.0.0","kind":"model","summary":"test model","license":"MIT",
 "resources":{"cpus":1,"memory_mb":256,"time_limit_s":20},
 "train":{"command":["/bin/sh","train.sh"],"params":{"seed":1}},
 "metrics":{"headline":"accuracy","declared":{"accuracy":{"higher_is_better":true,"formula":"accuracy"},
   "loss":{"higher_is_better":false}}},
 "outputs":["model.txt","metrics.json","predictions.csv","targets.csv"]}
JSON
	cat >"$d/train.sh" <<SH
echo trained >"\$QTM_OUTPUT/model.txt"
printf 'class\n1\n0\n2\n2\n' >"\$QTM_OUTPUT/predictions.csv"
printf 'class\n1\n0\n2\n1\n' >"\$QTM_OUTPUT/targets.csv"
cat >"\$QTM_OUTPUT/metrics.json" <<'J'
$2
J
SH
}

GOOD='{"headline":"accuracy","n_test":4,"split":"every fourth scene",
 "metrics":{"accuracy":{"value":0.75,"split":"test","higher_is_better":true,"ci95":[0.5,1.0]},
            "loss":{"value":0.3,"split":"train"}},
 "baselines":[{"name":"majority","value":0.5},{"name":"forest","value":0.625}],
 "predictions":{"predicted":"predictions.csv","target":"targets.csv"}}'
declared model-m "$GOOD"
declared model-none '{}'
declared model-wrong "$(echo "$GOOD" | sed 's/"value":0.75/"value":0.8/')"
declared model-split "$(echo "$GOOD" | sed 's/"value":0.3,"split":"train"/"value":0.3/')"
# model-py: a Python trainer on the shared helper qtm binds read-only into the sandbox.
mkdir -p "$TMP/mods/model-py"
cat >"$TMP/mods/model-py/module.json" <<'JSON'
{"format":1,"name":"model-py","version":"1.0.0","kind":"model","summary":"test model","license":"MIT",
 "resources":{"cpus":1,"memory_mb":512,"time_limit_s":60},
 "train":{"command":["python3","train.py"],"params":{"seed":1,"scale":0.1}},
 "metrics":{"headline":"rmse","declared":{"rmse":{"higher_is_better":false,"formula":"rmse"}}},
 "outputs":["metrics.json","predictions.npy","targets.npy","MODEL_CARD.md"]}
JSON
cat >"$TMP/mods/model-py/train.py" <<'PY'
import os
import qtm_train as q
p = q.params({"seed": 0, "scale": 1.0})
q.seed()
t = [[1.0 + i / 7.0, 2.0 - i / 3.0] for i in range(25)]
pred = [[a + p["scale"] * ((i * 37) % 11 - 5) / 10.0, b] for i, (a, b) in enumerate(t)]
q.progress(1, 1, loss=0.25)
try:
    open(os.path.join(os.path.dirname(q.__file__), "planted"), "w")
    q.log("the helper's folder is writable")
except OSError:
    pass
q.write_metrics("rmse", {"rmse": {"value": q.rmse(pred, t), "split": "test", "higher_is_better": False,
                                  "ci95": q.bootstrap_ci(pred, t, "rmse", rounds=50)}},
                [("mean", q.rmse([[sum(r[0] for r in t) / 25, sum(r[1] for r in t) / 25]] * 25, t))],
                25, "every fifth sample", q.save_predictions(pred, t))
q.write_card("# model-py\n")
PY
build_repo "$TMP/repo" "$TMP/mods"

A=$TMP/a
use_source "$A" t "$TMP/repo"
run qtm "$A" -y install model-m
ok $status "a module whose metrics keep its declaration installs"
run qtm "$A" info model-m
grep -q "^headline  *accuracy 0.75 (higher is better, test, n=4); best baseline forest 0.625" "$TMP/out"
ok $? "qtm info shows the headline with the best baseline beside it"
run qtm "$A" --json info model-m
is "$(json_get "$TMP/out" "(lambda e: (e['headline'], e['best_baseline']['name'], e['n_test'], e['ci95'], len(e['baselines']), e['metrics']['loss']['value']))(j['installed']['evaluation'])")" \
	"('accuracy', 'forest', 4, [0.5, 1], 2, 0.3)" "--json carries the headline, the best baseline, n_test, the interval and every metric"
run qtm "$A" verify --metrics model-m
[ $status -eq 0 ] && grep -q "accuracy recomputed with accuracy over 4 values: 0.75, as recorded" "$TMP/out"
ok $? "qtm verify --metrics recomputes the headline from the predictions"
run qtm "$A" --json verify --metrics model-m
is "$(json_get "$TMP/out" "(j['formula'], j['computed'], j['agrees'])")" "('accuracy', 0.75, True)" "and says so in JSON"

path=$(qtm "$A" --json info model-m | python3 -c 'import json,sys; print(json.load(sys.stdin)["installed"]["path"])')
chmod -R u+w "$path"
printf 'class\n0\n0\n0\n0\n' >"$path/predictions.csv"
fails_with 6 'model-m 1.0.0: field "metrics.accuracy.value": recorded 0.75, but its predictions give 0.25' \
	"qtm verify --metrics fails when the predictions no longer reproduce the record (exit 6)" -- qtm "$A" verify --metrics model-m
fails_with 4 "not installed|no package|unknown" "qtm verify --metrics of a package not installed fails" -- qtm "$A" verify --metrics nothing
fails_with 2 "needs the name of one installed model" "qtm verify --metrics without a name is a usage error" -- qtm "$A" verify --metrics

fails_with 7 'metrics.json of model-none 1.0.0: field "metrics": missing: the trainer wrote no metrics' \
	"a trainer that writes no metrics is refused, naming the module and the field (exit 7)" -- qtm "$A" -y install model-none
not_installed "$A" model-none "and nothing of it is installed"
fails_with 7 'model-wrong 1.0.0: field "metrics.accuracy.value": recorded 0.8[0-9]*, but its predictions give 0.75' \
	"predictions that do not reproduce the recorded headline are refused at install" -- qtm "$A" -y install model-wrong
fails_with 7 'metrics.json of model-split 1.0.0: field "metrics.loss.split": missing' \
	"a metric without its split is refused" -- qtm "$A" -y install model-split

run qtm "$A" -y install model-py
ok $status "a trainer on the shared helper (qtm_train) installs, its predictions reproducing its RMSE"
! grep -q "writable" "$A"/var/lib/qtm/logs/model-py-*.log
ok $? "and the helper's folder is read-only in the sandbox"
run qtm "$A" --json verify --metrics model-py
is "$(json_get "$TMP/out" "(j['formula'], j['n'], j['agrees'])")" "('rmse', 50, True)" "qtm verify --metrics recomputes it from the NPY files"

# Declarations qtm-repo refuses before anything is published.
bad_decl() {
	rm -rf "$TMP/bad" && mkdir -p "$TMP/bad" && cp -r "$TMP/mods/model-m" "$TMP/bad/" &&
		python3 -c "import json,sys; p=sys.argv[1]; m=json.load(open(p)); exec(sys.argv[2]); json.dump(m, open(p,'w'))" \
			"$TMP/bad/model-m/module.json" "$1"
	run "$QTM_REPO_TOOL" build --name test --key "$(test_key).key" -o "$TMP/badrepo" "$TMP/bad"
	if [ $status -ne 0 ] && grep -Eq -- "$2" "$TMP/err" "$TMP/out"; then ok 0 "$3"; else
		sed 's/^/#   /' "$TMP/err" | head; ok 1 "$3"; fi
}
bad_decl "m['metrics']['headline']='f1'" 'module model-m: field "metrics.headline": names no metric' \
	"a headline that names no metric is refused, naming the module and the field"
bad_decl "del m['metrics']['declared']['loss']['higher_is_better']" \
	'module model-m: field "metrics.declared.loss.higher_is_better": missing' \
	"a metric without direction is refused, naming the module and the field"
bad_decl "m['metrics']['declared']['loss']['formula']='r2'" 'field "metrics.declared.loss.formula": not one of' \
	"an unknown formula is refused"
bad_decl "m['outputs'].remove('metrics.json')" 'field "metrics": a module that declares its metrics must list metrics.json' \
	"a declaration without metrics.json among the outputs is refused"

done_testing
