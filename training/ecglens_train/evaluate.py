"""Metrics: per-class and macro AUROC, F1 at thresholds chosen on the validation fold."""
import numpy as np
import torch
from sklearn.metrics import f1_score, roc_auc_score

from .data import CLASSES


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@torch.no_grad()
def predict_logits(model, x: np.ndarray, batch=128) -> np.ndarray:
    model.eval()
    out = []
    for i in range(0, len(x), batch):
        out.append(model(torch.from_numpy(np.ascontiguousarray(x[i:i + batch]))).numpy())
    return np.concatenate(out).astype(np.float32)


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
