"""Supervised training on folds 1-8, model selection on fold 9 macro AUROC."""
import copy
import time

import numpy as np
import torch
from torch import nn

from .evaluate import auroc, predict_logits, sigmoid
from .model import EcgResNet

DEFAULTS = dict(epochs=45, batch=64, lr=3e-3, weight_decay=1e-2, warmup=3, dropout=0.2, seed=20200, ema=0.99,
                max_shift=150, crop=640, scale=(0.8, 1.25), noise=0.05, wander=0.3, lead_drop=0.1, time_budget_s=None,
                pseudo_weight=0.5, pseudo_start=0.35, pseudo_batch=32)


def seed_everything(seed: int):
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def augment(x: torch.Tensor, g: torch.Generator, cfg: dict) -> torch.Tensor:
    """x [B, 12, T] (z-scored). Random circular time shift, per-lead amplitude scale, baseline wander, white noise,
    and dropping (zeroing) a random lead."""
    b, l, t = x.shape
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
        x = x + a * torch.sin(2 * np.pi * f * tt + ph)
    if cfg["noise"] > 0:
        sig = torch.empty(b, 1, 1).uniform_(0, cfg["noise"], generator=g)
        x = x + sig * torch.randn(x.shape, generator=g)
    if cfg.get("crop") and cfg["crop"] < t:
        # a random window of `crop` samples (the net is fully convolutional + global average pool, so it is applied
        # to the whole 1000-sample input at inference); cheaper steps, and one more augmentation
        start = int(torch.randint(0, t - cfg["crop"] + 1, (1,), generator=g))
        x = x[:, :, start:start + cfg["crop"]]
    if cfg["lead_drop"] > 0:
        drop = (torch.rand(b, l, 1, generator=g) < cfg["lead_drop"]).float()
        x = x * (1 - drop)
    return x


def train(train_ds, val_ds, cfg: dict, unlabelled=None, log=print):
    """unlabelled: optional [M, 12, 1000] real ECGs without labels (ptbxl-extra): from `pseudo_start` of the schedule
    on, every step adds `pseudo_batch` of them with the EMA model's probabilities on the un-augmented record as soft
    targets (mean-teacher pseudo-labels), weighted by `pseudo_weight`."""
    cfg = {**DEFAULTS, **cfg}
    seed_everything(cfg["seed"])
    g = torch.Generator().manual_seed(cfg["seed"])
    model = EcgResNet(dropout=cfg["dropout"])
    ema = copy.deepcopy(model)
    for p in ema.parameters():
        p.requires_grad_(False)
    xtr = torch.from_numpy(train_ds.x)
    ytr = torch.from_numpy(train_ds.y)
    pos = ytr.mean(0)
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
    pseudo_steps = 0
    xun = torch.from_numpy(unlabelled) if unlabelled is not None else None
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
            use_pseudo = (xun is not None and cfg["pseudo_weight"] > 0
                          and progress(step, time.time() - t0) >= cfg["pseudo_start"])
            if use_pseudo:
                ui = torch.randint(0, len(xun), (cfg["pseudo_batch"],), generator=g)
                with torch.no_grad():
                    ema.eval()
                    soft = torch.sigmoid(ema(xun[ui]))
                out = model(torch.cat([xb, augment(xun[ui], g, cfg)]))
                loss_l = loss_fn(out[:len(bi)], ytr[bi])
                loss = loss_l + cfg["pseudo_weight"] * loss_fn(out[len(bi):], soft)
                pseudo_steps += 1
            else:
                loss_l = loss = loss_fn(model(xb), ytr[bi])
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
        # select on fold 9 with the EMA weights
        pv = sigmoid(predict_logits(ema, val_ds.x))
        a = auroc(val_ds.y, pv)
        pv_raw = sigmoid(predict_logits(model, val_ds.x))
        a_raw = auroc(val_ds.y, pv_raw)
        rec = {"epoch": epoch + 1, "train_loss": tot / n, "val_macro_auroc_ema": a["macro"],
               "val_macro_auroc": a_raw["macro"], "elapsed_s": time.time() - t0}
        history.append(rec)
        log(f"epoch {epoch + 1:3d} loss {tot / n:.4f} val AUROC ema {a['macro']:.4f} raw {a_raw['macro']:.4f} "
            f"({time.time() - t0:.0f}s)")
        for which, score, m in (("ema", a["macro"], ema), ("raw", a_raw["macro"], model)):
            if score > best["auroc"]:
                best = {"auroc": score, "epoch": epoch + 1, "weights": which,
                        "state": copy.deepcopy(m.state_dict())}
        if budget and time.time() - t0 > budget:
            log(f"time budget reached after epoch {epoch + 1} (schedule annealed by wall time)")
            break
    final = EcgResNet(dropout=cfg["dropout"])
    final.load_state_dict(best["state"])
    final.eval()
    info = {"best_epoch": best["epoch"], "best_val_macro_auroc": best["auroc"], "weights": best["weights"],
            "epochs_run": len(history), "train_time_s": time.time() - t0,
            "steps": step, "steps_scheduled_by_wall_time": time_clock_steps,
            "steps_with_pseudo_labels": pseudo_steps, "n_unlabelled": 0 if unlabelled is None else int(len(unlabelled)), "history": history,
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()}}
    return final, info
