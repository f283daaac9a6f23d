"""The pinned example records (www/examples, checked) and the Rust test fixtures (tests/fixtures).

Run as part of `python -m ecglens_train all`, or alone: `python -m ecglens_train fixtures` (needs the trained
model in www/models/default.onnx and training/build/model.pt).
"""
import json
import os

import numpy as np

from .data import CLASSES, TEST_FOLD, data_dir, diagnostic_map, read_wfdb_mv
from .preprocess import LEADS, preprocess

def r32(a):
    """float32 values as the shortest decimal that round-trips to the same float32."""
    return [float(f"{float(v):.9g}") for v in np.asarray(a, dtype=np.float32).ravel()]


def r32_2d(a):
    return [r32(row) for row in np.asarray(a, dtype=np.float32)]


def choose_examples(meta, test_ids, test_probs, thresholds, n_multi=1):
    """Per superclass, one fold-10 ptbxl/ record, preferring in this order: the model flags the class (probability
    >= its fold-9 threshold); a single-superclass record; a confident label (a statement of that class with
    likelihood >= 80); no noise flags; the largest margin (lowest probability among its classes minus the highest
    among the others). Plus `n_multi` well-predicted multi-label records not chosen yet."""
    prob = {int(i): p for i, p in zip(test_ids, test_probs)}
    dmap = diagnostic_map(data_dir())

    def clean(r):
        return not any(isinstance(r[f], str) and r[f].strip() for f in
                       ("baseline_drift", "static_noise", "burst_noise", "electrodes_problems", "pacemaker"))

    def margin(ecg_id, classes):
        p = prob[ecg_id]
        y = np.array([c in classes for c in CLASSES])
        return float(p[y].min() - (p[~y].max() if (~y).any() else 0.0))

    def confident(r, c):
        return any(dmap.get(code) == c and v >= 80 for code, v in r["scp_codes"].items())

    cands = [(ecg_id, r) for ecg_id, r in meta.iterrows()
             if r["strat_fold"] == TEST_FOLD and ecg_id in prob and r["superclasses"]]
    chosen = []
    for k, c in enumerate(CLASSES):
        taken = {i for i, _ in chosen}
        best = max(((bool(prob[i][k] >= thresholds[k]), len(r["superclasses"]) == 1, confident(r, c), clean(r),
                     margin(i, r["superclasses"]), i) for i, r in cands if c in r["superclasses"] and i not in taken),
                   default=None)
        if best is not None:
            chosen.append((best[-1], c))
    taken = {i for i, _ in chosen}
    multi = sorted(((all(prob[i][CLASSES.index(c)] >= thresholds[CLASSES.index(c)] for c in r["superclasses"]),
                     clean(r), margin(i, r["superclasses"]), i) for i, r in cands
                    if len(r["superclasses"]) >= 2 and i not in taken), reverse=True)
    for m in multi[:n_multi]:
        chosen.append((m[-1], "+".join(meta.loc[m[-1], "superclasses"])))
    return chosen


# The gallery is pinned so that retraining does not churn the files tests and the app refer to. Chosen with
# `choose_examples` criteria on the trained model (fold-10 ptbxl/ records, clean, confident labels, flagged by the
# model); MI and HYP have no clean single-superclass fold-10 record with a confident label here (the single-MI ones
# carry MI statements of likelihood 15-80, three with noise flags), so those are multi-label records with likelihood-100
# statements of the class.
PINNED_EXAMPLES = [(203, "NORM"), (274, "MI"), (499, "STTC"), (172, "CD"), (452, "HYP"), (162, "MI+STTC+CD+HYP")]


def write_examples(root, data, meta, test_ids, test_probs, thresholds, log=print):
    """The gallery is pinned (www/examples/index.json, committed, with its LICENSE.txt): this checks that every
    pinned PTB-XL record is a byte-for-byte copy of the data's record, logs the current model's probabilities on
    it and what `choose_examples` would pick, and returns the PTB-XL entries (for the preprocessing fixture)."""
    out = os.path.join(root, "www", "examples")
    with open(os.path.join(out, "index.json")) as fh:
        index = [e for e in json.load(fh)["examples"] if "ecg_id" in e]
    pinned = [(e["ecg_id"], e["superclass"]) for e in index]
    if pinned != PINNED_EXAMPLES:
        raise RuntimeError(f"www/examples/index.json lists {pinned}, PINNED_EXAMPLES {PINNED_EXAMPLES}")
    log(f"examples suggested by the current model: {choose_examples(meta, test_ids, test_probs, thresholds)}; "
        f"pinned: {PINNED_EXAMPLES}")
    probs = dict(zip((int(i) for i in test_ids), test_probs))
    for e in index:
        r = meta.loc[e["ecg_id"]]
        for name, rel in ((e["file"], r["filename_hr"]), (e.get("file_100hz"), r["filename_lr"])):
            if name is None:
                continue
            for ext in (".hea", ".dat"):
                with open(os.path.join(out, name + ext), "rb") as a, open(os.path.join(data, "ptbxl", rel + ext), "rb") as b:
                    if a.read() != b.read():
                        raise RuntimeError(f"www/examples/{name}{ext} differs from the data's {rel}{ext}")
        p = probs[e["ecg_id"]]
        flagged = [c for k, c in enumerate(CLASSES) if p[k] >= thresholds[k]]
        log(f"example {e['file']}: {e['superclass']} probs {np.round(p, 3).tolist()} flagged {flagged}")
    return index


def write_preprocess_reference(root, index, log=print):
    ex = os.path.join(root, "www", "examples")
    recs = []
    worst = 0.0
    for e in index:
        files = [(e["file"], "records500")]
        if "file_100hz" in e:
            files.append((e["file_100hz"], "records100"))
        for f, src in files:
            sig, fs = read_wfdb_mv(os.path.join(ex, f))
            x = preprocess(sig, fs)
            recs.append({"file": f, "ecg_id": e["ecg_id"], "source": src, "path": f"www/examples/{f}.hea",
                         "sample_rate_hz": fs, "n_input_samples": int(sig.shape[1]), "input": r32_2d(x)})
        if len(files) == 2:  # how close the 100 Hz and 500 Hz paths are (informative only)
            a = np.array(recs[-2]["input"]); b = np.array(recs[-1]["input"])
            worst = max(worst, float(np.abs(a - b).max()))
    doc = {"description": "Python reference of ecglens_train.preprocess.preprocess on vendored PTB-XL records "
                          "(raw WFDB, mV) -> float32 [12, 1000] model input. Made by training/ecglens_train/fixtures.py.",
           "leads": LEADS, "sample_rate_hz": 100.0, "n_samples": 1000, "tolerance": 1e-4,
           "records": recs}
    path = os.path.join(root, "tests", "fixtures", "preprocess_reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    log(f"wrote {path} ({len(recs)} entries; max |records100 - records500| after preprocessing {worst:.3f})")


def write_fold10(root, ids, sources, x, y, torch_logits, ort_logits, max_bytes=5_000_000, log=print):
    """All fold-10 ptbxl/ records first, then ptbxl-extra/ ones, as many as fit in max_bytes."""
    per = 12 * 1000 * 4
    order = np.concatenate([np.flatnonzero(sources == "ptbxl"), np.flatnonzero(sources != "ptbxl")])
    keep = order[: max_bytes // per]
    path = os.path.join(root, "tests", "fixtures", "fold10_inputs.f32")
    np.ascontiguousarray(x[keep], dtype="<f4").tofile(path)
    doc = {"description": "PTB-XL fold 10 model inputs (tests/fixtures/fold10_inputs.f32: little-endian float32, "
                          "N x 12 x 1000) with the logits of PyTorch and of onnxruntime on www/models/default.onnx. "
                          "Made by training/ecglens_train/fixtures.py.",
           "n": int(len(keep)), "n_fold10_total": int(len(ids)),
           "subset": "all" if len(keep) == len(ids) else
           f"all fold-10 ptbxl/ records, then ptbxl-extra/ in table order, to stay within {max_bytes} bytes",
           "shape": [int(len(keep)), 12, 1000], "classes": CLASSES,
           "ids": [int(i) for i in ids[keep]], "sources": [str(s) for s in sources[keep]],
           "torch_logits": r32_2d(torch_logits[keep]), "onnxruntime_logits": r32_2d(ort_logits[keep]),
           "labels": [[int(v) for v in row] for row in y[keep]],
           "max_abs_diff_torch_vs_onnxruntime": float(np.abs(torch_logits[keep] - ort_logits[keep]).max())}
    with open(os.path.join(root, "tests", "fixtures", "fold10_reference.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    log(f"wrote {path}: {len(keep)} of {len(ids)} fold-10 records, {os.path.getsize(path)} bytes")


def write_lead_set_reference(root, index, sess, log=print):
    """Per pinned example and lead set: onnxruntime's logits on the input as training presents that lead set
    (evaluate.present_as on `preprocess` of the 500 Hz record). The Rust engine must give the same for the record
    reduced to those leads (it derives, zero-fills and picks the set itself)."""
    from .evaluate import LEAD_SETS, present_as
    from .export import ort_run

    ex = os.path.join(root, "www", "examples")
    recs = []
    for e in index:
        sig, fs = read_wfdb_mv(os.path.join(ex, e["file"]))
        x = preprocess(sig, fs)[None]
        recs.append({"file": e["file"], "path": f"www/examples/{e['file']}.hea",
                     "logits": {name: r32(ort_run(sess, present_as(x, name))["logits"][0]) for name in LEAD_SETS}})
    doc = {"description": "onnxruntime logits of www/models/default.onnx on each pinned example presented as each "
                          "lead set (training/ecglens_train/evaluate.py present_as: other leads zeros, I+II with the "
                          "four other limb leads derived). Made by training/ecglens_train/fixtures.py.",
           "lead_sets": {k: v for k, v in LEAD_SETS.items()}, "records": recs}
    path = os.path.join(root, "tests", "fixtures", "lead_sets_reference.json")
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=1)
    log(f"wrote {path} ({len(recs)} records x {len(LEAD_SETS)} lead sets)")
