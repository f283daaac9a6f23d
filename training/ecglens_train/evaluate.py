"""Metrics: per-class and macro AUROC, F1 at thresholds chosen on the validation fold."""
import numpy as np
import torch
from sklearn.metrics import f1_score, roc_auc_score

from .data import CLASSES
from .preprocess import LEADS

LIMB = ["I", "II", "III", "aVR", "aVL", "aVF"]
# The lead sets the model declares (card `input.lead_sets`). "I+II" is what the app gives the model for a record
# with leads I and II only: the four other limb leads derived (III = II - I, aVR = -(I + II)/2, aVL = I - II/2,
# aVF = II - I/2; src/preprocess.rs `select_leads`), so it is presented as the six limb leads.
LEAD_SETS = {"12-lead": LEADS, "limb-6": LIMB, "I+II": ["I", "II"], "I": ["I"], "II": ["II"]}


def present_as(x: np.ndarray, name: str) -> np.ndarray:
    """x [N, 12, T] as the app presents a record that has only the leads of `name`: the others zeros, the limb
    leads derived from I and II for "I+II"."""
    out = np.zeros_like(x)
    ix = {l: i for i, l in enumerate(LEADS)}
    for l in LEAD_SETS[name]:
        out[:, ix[l]] = x[:, ix[l]]
    if name == "I+II":
        a, b = x[:, ix["I"]], x[:, ix["II"]]
        out[:, ix["III"]] = b - a
        out[:, ix["aVR"]] = -(a + b) / 2
        out[:, ix["aVL"]] = a - b / 2
        out[:, ix["aVF"]] = b - a / 2
    return out


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@torch.no_grad()
def predict_logits(model, x: np.ndarray, known=None, batch=128) -> np.ndarray:
    """known: [N] 1 = mV, 0 = amplitude unknown (default: all known, as in the exported graph)."""
    model.eval()
    k = np.ones(len(x), dtype=np.float32) if known is None else np.asarray(known, dtype=np.float32)
    out = []
    for i in range(0, len(x), batch):
        out.append(model(torch.from_numpy(np.ascontiguousarray(x[i:i + batch])), torch.from_numpy(k[i:i + batch])).numpy())
    return np.concatenate(out).astype(np.float32)


def lead_set_logits(model, ds, sets=tuple(LEAD_SETS)) -> dict:
    return {name: predict_logits(model, present_as(ds.x, name), ds.known) for name in sets}


def lead_set_scores(model, ds, sets=tuple(LEAD_SETS)) -> dict:
    """Macro AUROC per lead set, and their mean (the selection criterion)."""
    res = {name: auroc(ds.y, sigmoid(l.astype(np.float64)))["macro"]
           for name, l in lead_set_logits(model, ds, sets).items()}
    res["mean"] = float(np.mean(list(res.values())))
    return res


def auroc(y: np.ndarray, p: np.ndarray) -> dict:
    res = {}
    for k, c in enumerate(CLASSES):
        res[c] = float(roc_auc_score(y[:, k], p[:, k])) if 0 < y[:, k].sum() < len(y) else None
    vals = [v for v in res.values() if v is not None]
    res["macro"] = float(np.mean(vals)) if vals else None
    return res


def best_thresholds(y: np.ndarray, p: np.ndarray) -> list:
    """Per class, the probability threshold maximising F1 on (y, p): midpoint between consecutive sorted scores."""
    th = []
    for k in range(y.shape[1]):
        s = np.unique(p[:, k])
        cands = np.concatenate([[0.0], (s[1:] + s[:-1]) / 2 if len(s) > 1 else s])
        best, best_t = -1.0, 0.5
        for t in cands:
            f = f1_score(y[:, k], p[:, k] >= t, zero_division=0)
            if f > best:
                best, best_t = f, float(t)
        th.append(best_t)
    return th


def f1_at(y: np.ndarray, p: np.ndarray, th) -> dict:
    res = {c: float(f1_score(y[:, k], p[:, k] >= th[k], zero_division=0)) for k, c in enumerate(CLASSES)}
    res["macro"] = float(np.mean([res[c] for c in CLASSES]))
    return res


def metrics_block(y, logits, th, n_label="n_records") -> dict:
    p = sigmoid(logits.astype(np.float64))
    return {n_label: int(len(y)), "positives": {c: int(y[:, k].sum()) for k, c in enumerate(CLASSES)},
            "auroc": auroc(y, p), "f1": f1_at(y, p, th)}
