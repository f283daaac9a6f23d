"""Supervised training on folds 1-8, model selection on fold 9 (mean over the lead sets of the macro AUROC).

Lead-set masking: every training sample is shown as one of the lead sets the model declares (`LEAD_SETS`, drawn
with `TRAIN_MIX`), the other leads zeroed (the model counts a lead with no variance as missing), so one model
serves 12 leads, the six limb leads (which I + II give by Einthoven and Goldberger), lead I and lead II alone."""
import copy
import time

import numpy as np
import torch
from torch import nn

from .evaluate import LEAD_SETS, lead_set_scores
from .model import EcgResNet
from .preprocess import LEADS

DEFAULTS = dict(epochs=40, batch=64, lr=3e-3, weight_decay=1e-2, warmup=2, dropout=0.2, seed=20200, ema=0.99,
                max_shift=150, crop=640, scale=(0.8, 1.25), noise=0.05, wander=0.3, lead_drop=0.1, time_budget_s=None,
                use_scale=False, select_from=0.4)
# Share of training samples shown as each lead set (I + II is shown as the six limb leads it gives).
TRAIN_MIX = (("12-lead", 0.4), ("limb-6", 0.25), ("I", 0.15), ("II", 0.2))


def set_masks() -> tuple:
    """[len(TRAIN_MIX), 12] 0/1 lead masks and the cumulative probabilities."""
    masks = torch.tensor([[1.0 if l in LEAD_SETS[name] else 0.0 for l in LEADS] for name, _ in TRAIN_MIX])
    cum = torch.cumsum(torch.tensor([p for _, p in TRAIN_MIX]), 0)
    return masks, cum / cum[-1]


def log_std_stats(x: np.ndarray, known: np.ndarray):
    """Per lead, mean and s.d. over the training records whose amplitude is known of log10(std in mV)."""
    ls = np.log10(np.maximum(x[known > 0].std(axis=-1), 1e-6))
    return ls.mean(0), np.maximum(ls.std(0), 1e-3)


def seed_everything(seed: int):
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def augment(x: torch.Tensor, g: torch.Generator, cfg: dict) -> torch.Tensor:
    """x [B, 12, T] (band-passed mV, or z-scores). Random circular time shift, per-lead amplitude scale, baseline
    wander and white noise (relative to each lead's s.d.), a random crop, then one lead set per sample (the other
    leads zeroed) and, on 12-lead samples, dropping a random lead now and then."""
    b, l, t = x.shape
    sd = x.std(dim=-1, keepdim=True)
    shifts = torch.randint(-cfg["max_shift"], cfg["max_shift"] + 1, (b,), generator=g)
    idx = (torch.arange(t)[None, :] - shifts[:, None]) % t
    x = torch.gather(x, 2, idx[:, None, :].expand(b, l, t))
    lo, hi = cfg["scale"]
    scale = torch.exp(torch.empty(b, l, 1).uniform_(np.log(lo), np.log(hi), generator=g))
    x = x * scale
    if cfg["wander"] > 0:
        f = torch.empty(b, 1, 1).uniform_(0.05, 0.5, generator=g)  # Hz
        ph = torch.empty(b, l, 1).uniform_(0, 2 * np.pi, generator=g)
        a = torch.empty(b, l, 1).uniform_(0, cfg["wander"], generator=g)
        tt = torch.arange(t, dtype=torch.float32)[None, None, :] / 100.0
        x = x + sd * a * torch.sin(2 * np.pi * f * tt + ph)
    if cfg["noise"] > 0:
        sig = torch.empty(b, 1, 1).uniform_(0, cfg["noise"], generator=g)
        x = x + sd * sig * torch.randn(x.shape, generator=g)
    if cfg.get("crop") and cfg["crop"] < t:
        # a random window of `crop` samples (the net is fully convolutional + global average pool, so it is applied
        # to the whole 1000-sample input at inference); cheaper steps, and one more augmentation
        start = int(torch.randint(0, t - cfg["crop"] + 1, (1,), generator=g))
        x = x[:, :, start:start + cfg["crop"]]
    masks, cum = set_masks()
    which = torch.searchsorted(cum, torch.rand(b, generator=g).clamp(max=0.999999))
    keep = masks[which]
    if cfg["lead_drop"] > 0:
        drop = (torch.rand(b, l, generator=g) < cfg["lead_drop"]).float() * (which == 0).float()[:, None]
        keep = keep * (1 - drop)
    return x * keep[:, :, None]


def new_model(cfg: dict, stats=None) -> EcgResNet:
    mean, sd = stats if stats is not None else (None, None)
    return EcgResNet(dropout=cfg["dropout"], use_scale=cfg["use_scale"], log_std_mean=mean, log_std_sd=sd)


def train(train_ds, val_ds, cfg: dict, log=print):
    """-> (model with the best fold-9 weights, info)."""
    cfg = {**DEFAULTS, **cfg}
    seed_everything(cfg["seed"])
    g = torch.Generator().manual_seed(cfg["seed"])
    stats = log_std_stats(train_ds.x, train_ds.known)
    model = new_model(cfg, stats)
    ema = copy.deepcopy(model)
    for p in ema.parameters():
        p.requires_grad_(False)
    xtr = torch.from_numpy(train_ds.x)
    ytr = torch.from_numpy(train_ds.y)
    ktr = torch.from_numpy(train_ds.known)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    n = len(xtr)
    steps_per_epoch = int(np.ceil(n / cfg["batch"]))
    total = cfg["epochs"] * steps_per_epoch
    warm = cfg["warmup"] * steps_per_epoch
    budget = cfg["time_budget_s"]

    def progress(step, elapsed):
        """Fraction of the schedule done: by steps, or by wall time when a time budget is set and the machine is
        slower than planned (then the cosine still anneals fully before the budget ends)."""
        p = step / total
        return max(p, elapsed / budget) if budget else p

    def lr_factor(step, prog):
        if step < warm:
            return (step + 1) / warm
        w = warm / total
        q = min(1.0, max(0.0, (prog - w) / max(1e-9, 1 - w)))
        return 0.5 * (1 + np.cos(np.pi * q)) * 0.99 + 0.01

    time_clock_steps = 0
    loss_fn = nn.BCEWithLogitsLoss()
    best = {"auroc": -1.0}
    history = []
    t0 = time.time()
    step = 0
    for epoch in range(cfg["epochs"]):
        model.train()
        perm = torch.randperm(n, generator=g)
        tot = 0.0
        for i in range(0, n, cfg["batch"]):
            bi = perm[i:i + cfg["batch"]]
            if len(bi) < 2:
                continue
            xb = augment(xtr[bi], g, cfg)
            loss_l = loss = loss_fn(model(xb, ktr[bi]), ytr[bi])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            prog = progress(step, time.time() - t0)
            if prog > step / total:
                time_clock_steps += 1
            for grp in opt.param_groups:
                grp["lr"] = cfg["lr"] * lr_factor(step, prog)
            opt.step()
            step += 1
            with torch.no_grad():
                d = min(cfg["ema"], (1 + step) / (10 + step))
                for pe, pm in zip(ema.state_dict().values(), model.state_dict().values()):
                    if pe.dtype.is_floating_point:
                        pe.mul_(d).add_(pm.detach(), alpha=1 - d)
                    else:
                        pe.copy_(pm)
            tot += loss_l.item() * len(bi)
        # select on fold 9 with the EMA weights: mean over the lead sets of the macro AUROC (I+II left out: in
        # PTB-XL the other limb leads are the device's own derivation from I and II, so it equals limb-6). Not
        # evaluated during the first `select_from` of the schedule (saves a quarter of the time).
        rec = {"epoch": epoch + 1, "train_loss": tot / n, "elapsed_s": time.time() - t0}
        budget_left = not budget or time.time() - t0 <= budget
        last = epoch + 1 == cfg["epochs"] or not budget_left
        if progress(step, time.time() - t0) >= cfg["select_from"] or last:
            a = lead_set_scores(ema, val_ds, sets=("12-lead", "limb-6", "I", "II"))
            rec["val_ema"] = a
            log(f"epoch {epoch + 1:3d} loss {tot / n:.4f} val mean AUROC {a['mean']:.4f} | "
                + " ".join(f"{k} {v:.3f}" for k, v in a.items() if k != "mean") + f" ({time.time() - t0:.0f}s)")
        else:
            log(f"epoch {epoch + 1:3d} loss {tot / n:.4f} ({time.time() - t0:.0f}s)")
        history.append(rec)
        for which, score, m in ((("ema", rec["val_ema"]["mean"], ema),) if "val_ema" in rec else ()):
            if score > best["auroc"]:
                best = {"auroc": score, "epoch": epoch + 1, "weights": which,
                        "state": copy.deepcopy(m.state_dict())}
        if not budget_left:
            log(f"time budget reached after epoch {epoch + 1} (schedule annealed by wall time)")
            break
    final = new_model(cfg, stats)
    final.load_state_dict(best["state"])
    final.eval()
    info = {"best_epoch": best["epoch"], "best_val_mean_macro_auroc": best["auroc"], "weights": best["weights"],
            "epochs_run": len(history), "train_time_s": time.time() - t0,
            "steps": step, "steps_scheduled_by_wall_time": time_clock_steps, "history": history,
            "train_mix": dict(TRAIN_MIX),
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()}}
    return final, info
