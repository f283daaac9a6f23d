"""The exact preprocessing of the default model. The Rust core (src/preprocess.rs) reimplements it and is tested
against `tests/fixtures/preprocess_reference.json` made from this function.

1. resample_poly to 100 Hz (up/down = reduced fraction of 100/fs, scipy's default window ('kaiser', 5.0));
2. sosfiltfilt with a 4th-order Butterworth band-pass 0.5-40 Hz designed at 100 Hz (default padtype/padlen);
3. crop to the first 1000 samples or pad with zeros after to 1000.
All in float64; the result (millivolts) is cast to float32. The second-edition model z-scores each lead itself,
inside the graph (model.InputNorm), so that it can also read the amplitude; `zscore` is the first edition's step 3,
kept for comparisons.
"""
from fractions import Fraction

import numpy as np
import scipy.signal

LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
MODEL_FS = 100.0
N_SAMPLES = 1000
BAND_HZ = (0.5, 40.0)
ORDER = 4
MIN_STD = 1e-6


def bandpass_sos() -> np.ndarray:
    return scipy.signal.butter(ORDER, list(BAND_HZ), btype="band", fs=MODEL_FS, output="sos")


SOS = bandpass_sos()


def resample_factors(fs: float):
    frac = Fraction(MODEL_FS / float(fs)).limit_denominator(1_000_000)
    return frac.numerator, frac.denominator


def zscore(x: np.ndarray) -> np.ndarray:
    """Per lead over the last axis (ddof 0; a lead with std < MIN_STD only has its mean removed)."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    std = x.std(axis=-1, keepdims=True)
    return (x - mean) / np.where(std < MIN_STD, 1.0, std)


def preprocess(signal_mv: np.ndarray, fs: float) -> np.ndarray:
    """signal_mv: [leads, samples] in mV (float64) at `fs` Hz -> float32 [12, 1000] model input in mV."""
    x = np.asarray(signal_mv, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected [leads, samples], got shape {x.shape}")
    if float(fs) != MODEL_FS:
        up, down = resample_factors(fs)
        x = scipy.signal.resample_poly(x, up, down, axis=-1)
    x = scipy.signal.sosfiltfilt(SOS, x, axis=-1)
    out = np.zeros((x.shape[0], N_SAMPLES), dtype=np.float64)
    n = min(N_SAMPLES, x.shape[1])
    out[:, :n] = x[:, :n]
    return out.astype(np.float32)


def upstream_extra_pipeline(signal_mv_500: np.ndarray) -> np.ndarray:
    """How ptbxl-extra/ was made (per its README): band-pass + z-score at 500 Hz, then resample_poly(1, 5).
    Used only to quantify how far it is from `preprocess` (documented in the model card)."""
    x = np.asarray(signal_mv_500, dtype=np.float64)
    sos500 = scipy.signal.butter(ORDER, list(BAND_HZ), btype="band", fs=500.0, output="sos")
    x = scipy.signal.sosfiltfilt(sos500, x, axis=-1)
    x = (x - x.mean(axis=-1, keepdims=True)) / x.std(axis=-1, keepdims=True)
    x = scipy.signal.resample_poly(x, 1, 5, axis=-1)
    return x[:, :N_SAMPLES].astype(np.float32)
