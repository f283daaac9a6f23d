"""PTB-XL loading: every labelled record of ../shared/data, with the superclasses and split of ptbxl/labels.csv.

ptbxl/records100 (ecg_id 1-1999, 100 Hz, mV) is read raw and goes through `preprocess` (band-passed mV: amplitude
kept); ptbxl-extra/ rows were band-passed and z-scored upstream (amplitude lost) and are used as given, flagged
`known = 0` so that the model's amplitude input ignores them. A recording in both folders is counted once (raw).
"""
import ast
import json
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .preprocess import LEADS, preprocess

CLASSES = ["NORM", "MI", "STTC", "CD", "HYP"]
TRAIN_FOLDS = tuple(range(1, 9))
VAL_FOLD = 9
TEST_FOLD = 10

DATA_DIR = os.environ.get("ECGLENS_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))


def data_dir() -> str:
    return os.path.abspath(DATA_DIR)


def diagnostic_map(data: str) -> dict:
    st = pd.read_csv(os.path.join(data, "ptbxl", "scp_statements.csv"), index_col=0)
    st = st[st["diagnostic"] == 1]
    return {k: v for k, v in st["diagnostic_class"].items() if isinstance(v, str)}


def superclasses(scp_codes: dict, dmap: dict) -> list:
    """PTB-XL benchmark `aggregate_diagnostic`: every diagnostic statement present (any likelihood) -> its class."""
    return sorted({dmap[c] for c in scp_codes if c in dmap}, key=CLASSES.index)


def lead_index(sig_names) -> list:
    canon = {n.upper(): i for i, n in enumerate(sig_names)}
    return [canon[l.upper()] for l in LEADS]


def read_wfdb_mv(path_no_ext: str):
    import wfdb

    rec = wfdb.rdrecord(path_no_ext)
    x = rec.p_signal.T.astype(np.float64)  # [leads, samples] in mV
    return x[lead_index(rec.sig_name)], float(rec.fs)


@dataclass
class Dataset:
    """Model inputs: `x` [N, 12, 1000] band-passed mV (raw rows) or upstream z-score (ptbxl-extra rows)."""

    x: np.ndarray
    y: np.ndarray  # [N, 5]
    known: np.ndarray  # [N] float32: 1 = x is in mV, 0 = amplitude unknown (z-scored upstream)
    ecg_id: np.ndarray
    fold: np.ndarray
    source: np.ndarray

    def subset(self, mask):
        return Dataset(self.x[mask], self.y[mask], self.known[mask], self.ecg_id[mask], self.fold[mask],
                       self.source[mask])


def load_ptbxl_meta(data: str) -> pd.DataFrame:
    """ptbxl_database.csv (ecg_id 1-500 here): scp_codes, file names, strat_fold, and the derived superclasses."""
    df = pd.read_csv(os.path.join(data, "ptbxl", "ptbxl_database.csv"), index_col="ecg_id")
    df["scp_codes"] = df["scp_codes"].apply(ast.literal_eval)
    dmap = diagnostic_map(data)
    df["superclasses"] = df["scp_codes"].apply(lambda d: superclasses(d, dmap))
    return df


# ---------------------------------------------------------------------------------------------------------------
# Second edition (issue 13): every labelled record of ../shared/data, amplitude kept where the file has it.
# ---------------------------------------------------------------------------------------------------------------

SPLITS = ("train", "val", "test")


def load_labels(data: str) -> pd.DataFrame:
    """ptbxl/labels.csv: ecg_id -> strat_split (train = folds 1-8, val = 9, test = 10) and the 5 superclasses."""
    df = pd.read_csv(os.path.join(data, "ptbxl", "labels.csv"), index_col="ecg_id")
    return df[["strat_split", *CLASSES]]


def published_folds(data: str) -> dict:
    """ecg_id -> strat_fold where the data here gives it: ptbxl_database.csv (1-500) and ptbxl-extra/records.csv."""
    folds = {int(i): int(f) for i, f in load_ptbxl_meta(data)["strat_fold"].items()}
    ex = pd.read_csv(os.path.join(data, "ptbxl-extra", "records.csv"))
    folds.update({int(r.ecg_id): int(r.strat_fold) for r in ex.itertuples() if not pd.isna(r.strat_fold)})
    return folds


def assigned_fold(ecg_id: int, split: str) -> int:
    """A fold for a record whose fold is not published here: val -> 9, test -> 10, train -> 1-8 by a fixed hash of
    its id (so the ten-fold evaluation has ten folds; the published split is always kept)."""
    if split == "val":
        return VAL_FOLD
    if split == "test":
        return TEST_FOLD
    return 1 + (ecg_id * 2654435761 % 2**32) % 8


def raw_path(data: str, ecg_id: int) -> str:
    return os.path.join(data, "ptbxl", "records100", f"{ecg_id // 1000 * 1000:05d}", f"{ecg_id:05d}_lr")


@dataclass
class Records:
    """Every labelled record, one row each (a recording in both ptbxl/ and ptbxl-extra/ counted once, raw kept)."""

    ecg_id: np.ndarray  # [N]
    split: np.ndarray  # [N] "train" | "val" | "test"
    fold: np.ndarray  # [N] published strat_fold, or `assigned_fold`
    fold_published: np.ndarray  # [N] bool
    y: np.ndarray  # [N, 5]
    source: np.ndarray  # [N] "ptbxl" (raw 100 Hz, mV) | "ptbxl-extra" (z-scored upstream, no amplitude)
    signal: np.ndarray  # [N, 12, 1000] float32: raw mV for "ptbxl", the upstream z-scored rows for "ptbxl-extra"


def load_records(data: str, cache: str) -> Records:
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=False)
        return Records(**{k: z[k] for k in Records.__dataclass_fields__})
    labels = load_labels(data)
    folds = published_folds(data)
    rows = []
    for ecg_id in range(1, 2000):
        path = raw_path(data, ecg_id)
        if ecg_id not in labels.index or not os.path.exists(path + ".hea"):
            continue
        sig, fs = read_wfdb_mv(path)
        assert fs == 100.0 and sig.shape == (12, 1000), (ecg_id, fs, sig.shape)
        rows.append((ecg_id, "ptbxl", sig.astype(np.float32)))
    raw_ids = {r[0] for r in rows}
    ex = pd.read_csv(os.path.join(data, "ptbxl-extra", "records.csv"))
    extra = np.load(os.path.join(data, "ptbxl-extra", "signals_100hz.npy"), mmap_mode="r")
    n_both = 0
    for r in ex.itertuples():
        if int(r.ecg_id) in raw_ids:
            n_both += 1
            continue
        if int(r.ecg_id) in labels.index:
            rows.append((int(r.ecg_id), "ptbxl-extra", np.asarray(extra[int(r.index)], dtype=np.float32)))
    ids = np.array([r[0] for r in rows])
    lab = labels.loc[ids]
    split = lab["strat_split"].to_numpy().astype(str)
    published = np.array([i in folds for i in ids])
    fold = np.array([folds.get(int(i), assigned_fold(int(i), s)) for i, s in zip(ids, split)])
    # A published fold must agree with the published split.
    want = {"train": set(TRAIN_FOLDS), "val": {VAL_FOLD}, "test": {TEST_FOLD}}
    bad = [int(i) for i, s, f, p in zip(ids, split, fold, published) if p and f not in want[s]]
    assert not bad, f"published folds disagree with labels.csv's split for {bad[:10]}"
    recs = Records(
        ecg_id=ids,
        split=split,
        fold=fold,
        fold_published=published,
        y=lab[CLASSES].to_numpy().astype(np.float32),
        source=np.array([r[1] for r in rows]),
        signal=np.stack([r[2] for r in rows]),
    )
    print(f"records: {len(ids)} ({int((recs.source == 'ptbxl').sum())} raw from ptbxl/records100, "
          f"{int((recs.source == 'ptbxl-extra').sum())} from ptbxl-extra; {n_both} recordings in both counted once)")
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    np.savez(cache, **{k: getattr(recs, k) for k in Records.__dataclass_fields__})
    return recs


def counts(recs: Records) -> dict:
    """Per split and source: records, and records per class (multi-label): the model card's data table."""
    out = {}
    for split in SPLITS:
        for source in ("ptbxl", "ptbxl-extra", "all"):
            m = recs.split == split
            if source != "all":
                m &= recs.source == source
            out.setdefault(split, {})[source] = {
                "records": int(m.sum()),
                **{c: int(recs.y[m, k].sum()) for k, c in enumerate(CLASSES)},
            }
    out["folds_published"] = int(recs.fold_published.sum())
    return out


def dataset(recs: Records) -> Dataset:
    """The model inputs of every record: `preprocess` of the raw rows (mV), the ptbxl-extra rows as given."""
    x = np.empty_like(recs.signal)
    raw = recs.source == "ptbxl"
    for i in np.flatnonzero(raw):
        x[i] = preprocess(recs.signal[i].astype(np.float64), 100.0)
    x[~raw] = recs.signal[~raw]
    return Dataset(x, recs.y, raw.astype(np.float32), recs.ecg_id, recs.fold, recs.source)


def splits(ds: Dataset):
    train = ds.subset(np.isin(ds.fold, TRAIN_FOLDS))
    val = ds.subset(ds.fold == VAL_FOLD)
    test = ds.subset(ds.fold == TEST_FOLD)
    return train, val, test
