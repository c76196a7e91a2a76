"""Scores Noisy + the off-the-shelf peers on the default benchmark's target test set
(the same test set, metrics and DNSMOS as the evaluation stage), without training."""
import sys, time, json
from pathlib import Path
sys.path.insert(0, "/work/wt_i18p/recipes/DNS/domain_adaptation")
import train  # recipe glue: test_sets()
from speechbrain_srst.chain import load_stage
from speechbrain_srst.data.experiment import prepare_experiment_data
from speechbrain_srst.evaluation import evaluate_methods, compute_metrics_dnsmos, METRICS
from speechbrain_srst.dnsmos import DNSMOS_METRICS
from speechbrain_srst.peers import peers_from_setting
from speechbrain_srst.report import table1_markdown
root = "/work/wt_i18p/recipes/DNS/domain_adaptation"
hp = load_stage(f"{root}/hparams/evaluate.yaml", {"results_root": "/tmp/i18p/default_peers", "benchmark_size": sys.argv[1]})
# data prepared earlier (benchmark v3, before the rebase): reuse the manifests
sets = {("target_test", snr): d for snr, d in train.test_sets(hp, "target_test").items()}
methods = {"Noisy": None, **peers_from_setting("auto")}
t = time.time()
rows = evaluate_methods(methods, sets, "/tmp/i18p/default_peers/out_" + sys.argv[1], num_workers=2)
print("evaluate", time.time() - t, flush=True)
print(table1_markdown(rows, list(methods), metrics=METRICS))
print(table1_markdown(rows, list(methods), metrics=("si_sdri",)))
