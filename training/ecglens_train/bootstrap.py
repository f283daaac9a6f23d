"""Bootstrap spread of the fold-10 macro AUROC per lead set, for both input variants, added to the model card as
`metrics.fold10_bootstrap`: `python -m ecglens_train.bootstrap` after `finish` (run.sh does it; reads
training/build/variant-*/; changes only the card's metrics, not the model)."""
import json
import os

import numpy as np
import torch

from . import data as D
from .__main__ import BUILD, ROOT, VARIANTS, load, load_variant
from .evaluate import LEAD_SETS, auroc, lead_set_logits, sigmoid


def main(n=1000, seed=0):
    torch.set_num_threads(1)
    _, ds = load()
    _, _, te = D.splits(ds)
    rng = np.random.default_rng(seed)
    idx = [rng.integers(0, len(te.y), len(te.y)) for _ in range(n)]
    out = {"n_bootstrap": n, "n_records": int(len(te.y)), "seed": seed}
    for name in VARIANTS:
        model, _ = load_variant(name)
        logits = lead_set_logits(model, te)
        out[name] = {}
        for ls in LEAD_SETS:
            p = sigmoid(logits[ls].astype(np.float64))
            vals = [auroc(te.y[i], p[i])["macro"] for i in idx]
            out[name][ls] = {"macro_auroc": auroc(te.y, p)["macro"], "bootstrap_sd": float(np.std(vals, ddof=1)),
                             "ci95": [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))]}
            print(name, ls, json.dumps(out[name][ls]), flush=True)
    with open(os.path.join(BUILD, "bootstrap_fold10.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    card_path = os.path.join(ROOT, "www", "models", "default.card.json")
    with open(card_path) as fh:
        card = json.load(fh)
    card["metrics"]["fold10_bootstrap"] = {
        "description": "macro AUROC on fold 10 and its spread over bootstrap resamples of the 431 records "
                       "(sample s.d., 2.5-97.5 % percentiles)", **out}
    with open(card_path, "w") as fh:
        json.dump(card, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
