"""PTB-XL loading: labels (5 diagnostic superclasses, PTB-XL benchmark way), raw records, preprocessed extras."""
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


def multi_hot(classes: list) -> np.ndarray:
    y = np.zeros(len(CLASSES), dtype=np.float32)
    for c in classes:
        y[CLASSES.index(c)] = 1.0
    return y


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
    x: np.ndarray  # [N, 12, 1000] float32
    y: np.ndarray  # [N, 5] float32
    ecg_id: np.ndarray  # [N]
    fold: np.ndarray  # [N]
    source: np.ndarray  # [N] "ptbxl" | "ptbxl-extra"

    def subset(self, mask):
        return Dataset(self.x[mask], self.y[mask], self.ecg_id[mask], self.fold[mask], self.source[mask])


def load_ptbxl_meta(data: str) -> pd.DataFrame:
    df = pd.read_csv(os.path.join(data, "ptbxl", "ptbxl_database.csv"), index_col="ecg_id")
    df["scp_codes"] = df["scp_codes"].apply(ast.literal_eval)
    dmap = diagnostic_map(data)
    df["superclasses"] = df["scp_codes"].apply(lambda d: superclasses(d, dmap))
    return df


def load_all(cache: str) -> Dataset:
    """All labelled records (ptbxl/ preprocessed from records500 + labelled ptbxl-extra/), cached as .npz."""
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=False)
        return Dataset(z["x"], z["y"], z["ecg_id"], z["fold"], z["source"])
    data = data_dir()
    dmap = diagnostic_map(data)
    df = load_ptbxl_meta(data)
    xs, ys, ids, folds, srcs = [], [], [], [], []
    n_nolabel = 0
    for ecg_id, row in df.iterrows():
        if not row["superclasses"]:
            n_nolabel += 1
            continue
        sig, fs = read_wfdb_mv(os.path.join(data, "ptbxl", row["filename_hr"]))
        xs.append(preprocess(sig, fs))
        ys.append(multi_hot(row["superclasses"]))
        ids.append(int(ecg_id)); folds.append(int(row["strat_fold"])); srcs.append("ptbxl")
    print(f"ptbxl/: {len(ids)} labelled records read from records500 ({n_nolabel} without a diagnostic statement skipped)")
    ex = pd.read_csv(os.path.join(data, "ptbxl-extra", "records.csv"))
    sig = np.load(os.path.join(data, "ptbxl-extra", "signals_100hz.npy"), mmap_mode="r")
    n_extra, n_mismatch = 0, 0
    for _, row in ex.iterrows():
        if pd.isna(row["strat_fold"]) or pd.isna(row["scp_codes"]):
            continue
        codes = json.loads(row["scp_codes"])
        cls = superclasses(codes, dmap)
        given = sorted(str(row["superclasses"]).split(";"), key=lambda c: CLASSES.index(c) if c in CLASSES else 99) \
            if isinstance(row["superclasses"], str) else []
        if given != cls:
            n_mismatch += 1
        if not cls:
            continue
        xs.append(np.asarray(sig[int(row["index"])], dtype=np.float32))
        ys.append(multi_hot(cls))
        ids.append(int(row["ecg_id"])); folds.append(int(row["strat_fold"])); srcs.append("ptbxl-extra")
        n_extra += 1
    print(f"ptbxl-extra/: {n_extra} labelled records ({n_mismatch} whose given superclasses differ from scp_codes)")
    ds = Dataset(np.stack(xs), np.stack(ys), np.array(ids), np.array(folds), np.array(srcs))
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    np.savez(cache, x=ds.x, y=ds.y, ecg_id=ds.ecg_id, fold=ds.fold, source=ds.source)
    return ds


def splits(ds: Dataset):
    train = ds.subset(np.isin(ds.fold, TRAIN_FOLDS))
    val = ds.subset(ds.fold == VAL_FOLD)
    test = ds.subset(ds.fold == TEST_FOLD)
    return train, val, test


def load_unlabelled_extra(data: str) -> np.ndarray:
    ex = pd.read_csv(os.path.join(data, "ptbxl-extra", "records.csv"))
    sig = np.load(os.path.join(data, "ptbxl-extra", "signals_100hz.npy"))
    mask = ex["strat_fold"].isna().to_numpy()
    return sig[ex["index"].to_numpy()[mask]].astype(np.float32)
