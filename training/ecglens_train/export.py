"""ONNX export (logits + taps), empirical check of the tap geometry, model card."""
import io
import platform
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch

from .data import CLASSES
from .model import BLOCKS, KERNEL, STEM_CHANNELS, TAPS, EcgResNet, TappedModel, tap_geometry
from .preprocess import BAND_HZ, LEADS, MODEL_FS, N_SAMPLES, ORDER, SOS

OUTPUTS = ["logits", *TAPS]


def export_onnx(model: EcgResNet, path: str) -> bytes:
    model.eval()
    wrapped = TappedModel(model).eval()
    f = io.BytesIO()
    torch.onnx.export(wrapped, torch.zeros(1, 12, N_SAMPLES), f, input_names=["ecg"], output_names=OUTPUTS,
                      opset_version=17, dynamo=False, do_constant_folding=True)
    data = f.getvalue()
    m = onnx.load_from_string(data)
    onnx.checker.check_model(m)
    m.doc_string = "ecglens default model: 1D-ResNet (Ribeiro et al. 2020 style) on PTB-XL superclasses"
    data = m.SerializeToString()
    with open(path, "wb") as fh:
        fh.write(data)
    return data


def ort_session(onnx_bytes: bytes, threads=1) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_bytes, so, providers=["CPUExecutionProvider"])


def ort_run(sess, x: np.ndarray) -> dict:
    """Runs records one at a time (the graph has a fixed batch of 1)."""
    outs = {k: [] for k in OUTPUTS}
    for i in range(len(x)):
        res = sess.run(OUTPUTS, {"ecg": x[i:i + 1]})
        for k, v in zip(OUTPUTS, res):
            outs[k].append(v[0])
    return {k: np.stack(v) for k, v in outs.items()}


def measure_inference_ms(sess, runs=200) -> dict:
    x = np.random.default_rng(0).standard_normal((1, 12, N_SAMPLES)).astype(np.float32)
    for _ in range(20):
        sess.run(None, {"ecg": x})
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, {"ecg": x})
        ts.append((time.perf_counter() - t) * 1000)
    return {"median_ms": float(np.median(ts)), "p90_ms": float(np.percentile(ts, 90)), "runs": runs}


def empirical_geometry(model: EcgResNet, trials=4) -> list:
    """Support of d(sum over channels of tap[:, t]) / d(input), union over random inputs, for t in the middle.

    Taken through `trunk` (after InputNorm): the normalisation's mean, s.d. and lead features are a few numbers per
    lead and record, computed over the whole window (as a z-score in preprocessing would be); the time-localised
    dependence is the trunk's."""
    model = model.double().eval()
    res = []
    n_blocks = len(model.blocks)
    for bi in range(n_blocks):
        support = None
        steps = chans = None
        for tr in range(trials):
            g = torch.Generator().manual_seed(tr)
            x = torch.randn(1, 12, N_SAMPLES, dtype=torch.float64, generator=g, requires_grad=True)
            f0 = torch.randn(1, model.norm.n_features, dtype=torch.float64, generator=g)
            feats = model.trunk(x, f0)
            f = feats[bi]
            chans, steps = f.shape[1], f.shape[2]
            t = steps // 2
            f[0, :, t].sum().backward()
            nz = (x.grad[0].abs().sum(0) > 0).numpy()
            support = nz if support is None else (support | nz)
        idx = np.flatnonzero(support)
        lo, hi = int(idx[0]), int(idx[-1])
        stride = N_SAMPLES // steps
        res.append({"name": f"block{bi + 1}", "channels": int(chans), "steps": int(steps), "t": int(t),
                    "support": [lo, hi], "receptive_field": hi - lo + 1, "stride": stride,
                    "centre_offset": (lo + hi) / 2 - t * stride, "contiguous": bool(len(idx) == hi - lo + 1)})
    model.float()
    return res


def taps_table(model: EcgResNet, log=print) -> list:
    analytic = {g["name"]: g for g in tap_geometry()}
    emp = empirical_geometry(model)
    taps = []
    for e in emp:
        a = analytic[e["name"]]
        ok = (a["stride"] == e["stride"] and a["receptive_field"] == e["receptive_field"]
              and abs(a["centre_offset"] - e["centre_offset"]) < 1e-9 and e["contiguous"])
        log(f"{e['name']}: analytic stride {a['stride']} rf {a['receptive_field']} centre {a['centre_offset']} | "
            f"empirical stride {e['stride']} rf {e['receptive_field']} centre {e['centre_offset']} "
            f"(t={e['t']}, support {e['support']}) -> {'OK' if ok else 'MISMATCH'}")
        if not ok:
            raise RuntimeError(f"tap geometry mismatch for {e['name']}: {a} vs {e}")
        if e["name"] in TAPS:
            taps.append({"name": e["name"], "output": e["name"], "channels": e["channels"], "steps": e["steps"],
                         "stride": a["stride"], "centre_offset": a["centre_offset"],
                         "receptive_field": a["receptive_field"]})
    return taps


def build_card(taps, lead_sets: list, training: dict, metrics: dict, version: str, use_scale: bool) -> dict:
    """lead_sets: [{"name", "leads", "thresholds"}], the 12-lead set first (its thresholds are the output's)."""
    return {
        "format": "ecglens-model-card/1",
        "name": "ecglens-ptbxl-resnet1d",
        "version": version,
        "input": {"name": "ecg", "layout": "NCW", "shape": [1, 12, N_SAMPLES], "leads": LEADS,
                  "sample_rate_hz": MODEL_FS, "n_samples": N_SAMPLES,
                  "units": "mV after band-pass; the graph z-scores each lead over the window itself"
                           + (" and reads its amplitude (log s.d.)" if use_scale else ""),
                  "lead_sets": lead_sets,
                  "missing_lead": "zeros",
                  "reads_amplitude": bool(use_scale)},
        "preprocessing": {
            "steps": ["resample_poly", "sosfiltfilt", "pad_or_crop"],
            "resample": {"method": "scipy.signal.resample_poly", "window": "kaiser", "beta": 5.0},
            "bandpass": {"design": "butterworth", "order": ORDER, "low_hz": BAND_HZ[0], "high_hz": BAND_HZ[1],
                         "zero_phase": True, "sos": [[float(v) for v in row] for row in SOS]},
            "window": {"pad": "zeros_after", "long_records": "consecutive windows of n_samples; last aligned to the end"},
        },
        "output": {"name": "logits", "classes": CLASSES, "activation": "sigmoid",
                   "thresholds": [float(t) for t in lead_sets[0]["thresholds"]]},
        "taps": taps,
        "training": training,
        "metrics": metrics,
    }


def architecture_summary(use_scale: bool) -> dict:
    return {"type": "1D-ResNet, Ribeiro et al. (2020) pre-activation residual blocks",
            "input_norm": "in the graph: z-score per lead over the 10 s window (a lead with s.d. <= 1e-6 mV is "
                          "missing, kept at zero); a per-record vector [present leads (12)"
                          + (", standardised log10 s.d. in mV of each present lead (12), amplitude known (1)"
                             if use_scale else "") + "] -> Linear -> one bias per stem channel",
            "kernel": KERNEL, "stem_channels": STEM_CHANNELS,
            "blocks": [{"name": f"block{i + 1}", "channels": c, "downsample": d} for i, (c, d) in enumerate(BLOCKS)],
            "head": "global average pool over time -> Linear(128 -> 5) = logits",
            "onnx": "opset 17, torch.onnx.export(dynamo=False), eval mode, fixed batch 1",
            "machine": platform.processor() or platform.machine()}
