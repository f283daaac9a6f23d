//! The reference data on disk: PTB-XL's labels and folds, its WFDB records and ptbxl-extra's NumPy windows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use ecglens_core::signal::{wfdb, Record};

use super::*;

/// Where a reference or test record comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A WFDB header; its signal files lie beside it.
    Wfdb(PathBuf),
    /// A window already preprocessed by the model's pipeline (`leads × n_samples`).
    ModelInput(Array2<f32>),
}

#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub fold: Option<u8>,
    /// Ground truth per class of the card, when known.
    pub labels: Option<Vec<bool>>,
    pub source: Source,
}

/// Reads a WFDB record from disk (header + the signal files it names, looked up beside it), with the same
/// size limits as everywhere else (`wfdb::read_record_file`).
pub fn read_wfdb(header: &Path) -> Result<Record, FitError> {
    wfdb::read_record_file(header).map_err(|e| data_err(header, e))
}

pub(crate) fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), FitError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| data_err(path, e))?;
    let headers = reader.headers().map_err(|e| data_err(path, e))?.iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_string).collect()))
        .collect::<Result<_, _>>()
        .map_err(|e| data_err(path, e))?;
    Ok((headers, rows))
}

pub(crate) fn column(headers: &[String], name: &str, path: &Path) -> Result<usize, FitError> {
    headers.iter().position(|h| h == name).ok_or_else(|| data_err(path, format!("no column {name}")))
}

/// The fold of a record whose fold the data does not publish: validation → 9, test → 10, train → 1–8 by a
/// fixed hash of its id. The same rule as the training code (`training/ecglens_train/data.py`,
/// `assigned_fold`), so that the model, the atlas and the ten-fold evaluation see the same folds.
pub fn assigned_fold(ecg_id: u64, split: &str) -> Option<u8> {
    match split {
        "val" => Some(9),
        "test" => Some(10),
        "train" => Some(1 + ((ecg_id.wrapping_mul(2_654_435_761) % (1 << 32)) % 8) as u8),
        _ => None,
    }
}

fn parse_fold(text: &str) -> Option<u8> {
    text.trim_end_matches(".0").parse().ok()
}

/// Every labelled PTB-XL record of `<data>`, as the default model was trained on them:
/// `ptbxl/labels.csv` (superclasses and split of every record), the raw 100 Hz records of
/// `ptbxl/records100`, then the rows of `ptbxl-extra` (windows preprocessed upstream) that are not among them.
/// Folds are the published `strat_fold` where `ptbxl_database.csv` or `ptbxl-extra/records.csv` give one,
/// else [`assigned_fold`]. With `amplitude_needed` (a model that reads each lead's amplitude), the
/// ptbxl-extra rows are left out: they were z-scored before they were published.
pub fn load_ptbxl(data: &Path, classes: &[String], amplitude_needed: bool) -> Result<Vec<Item>, FitError> {
    let ptbxl = data.join("ptbxl");
    let labels_path = ptbxl.join("labels.csv");
    let (headers, rows) = read_csv(&labels_path)?;
    let id_col = column(&headers, "ecg_id", &labels_path)?;
    let split_col = column(&headers, "strat_split", &labels_path)?;
    let class_cols: Vec<usize> = classes.iter().map(|c| column(&headers, c, &labels_path)).collect::<Result<_, _>>()?;
    let mut labels: BTreeMap<u64, (String, Vec<bool>)> = BTreeMap::new();
    for row in &rows {
        let id: u64 = row[id_col].parse().map_err(|e| data_err(&labels_path, e))?;
        labels.insert(id, (row[split_col].clone(), class_cols.iter().map(|c| row[*c] == "1").collect()));
    }
    let mut published: BTreeMap<u64, u8> = BTreeMap::new();
    let database = ptbxl.join("ptbxl_database.csv");
    if database.exists() {
        let (headers, rows) = read_csv(&database)?;
        let (id_col, fold_col) = (column(&headers, "ecg_id", &database)?, column(&headers, "strat_fold", &database)?);
        for row in &rows {
            if let (Ok(id), Some(fold)) = (row[id_col].trim_end_matches(".0").parse(), parse_fold(&row[fold_col])) {
                published.insert(id, fold);
            }
        }
    }
    let extra = data.join("ptbxl-extra");
    let extra_rows = if extra.join("records.csv").exists() {
        let records = extra.join("records.csv");
        let (headers, rows) = read_csv(&records)?;
        let (ix_col, id_col, fold_col) = (
            column(&headers, "index", &records)?,
            column(&headers, "ecg_id", &records)?,
            column(&headers, "strat_fold", &records)?,
        );
        let mut out = Vec::new();
        for row in &rows {
            let index: usize = row[ix_col].parse().map_err(|e| data_err(&records, e))?;
            let id: u64 = row[id_col].parse().map_err(|e| data_err(&records, e))?;
            if let Some(fold) = parse_fold(&row[fold_col]) {
                published.insert(id, fold);
            }
            out.push((index, id));
        }
        out
    } else {
        Vec::new()
    };
    let fold_of = |id: u64, split: &str| published.get(&id).copied().or_else(|| assigned_fold(id, split));
    let mut items = Vec::new();
    let mut raw = std::collections::BTreeSet::new();
    for (&id, (split, classes_of)) in &labels {
        let header = ptbxl.join("records100").join(format!("{:05}", id / 1000 * 1000)).join(format!("{id:05}_lr.hea"));
        if !header.exists() {
            continue;
        }
        raw.insert(id);
        items.push(Item {
            name: format!("ptbxl-{id}"),
            fold: fold_of(id, split),
            labels: Some(classes_of.clone()),
            source: Source::Wfdb(header),
        });
    }
    if amplitude_needed || extra_rows.is_empty() {
        return Ok(items);
    }
    let path = extra.join("signals_100hz.npy");
    let bytes = std::fs::read(&path).map_err(|e| data_err(&path, e))?;
    let array = read_npy(&bytes).map_err(|e| data_err(&path, e))?;
    for (index, id) in extra_rows {
        if raw.contains(&id) {
            continue;
        }
        let Some((split, classes_of)) = labels.get(&id) else { continue };
        if index >= array.len_of(ndarray::Axis(0)) {
            return Err(data_err(
                &path,
                format!("row index {index}, but the file holds {} records", array.len_of(ndarray::Axis(0))),
            ));
        }
        items.push(Item {
            name: format!("ptbxl-{id}"),
            fold: fold_of(id, split),
            labels: Some(classes_of.clone()),
            source: Source::ModelInput(array.index_axis(ndarray::Axis(0), index).to_owned()),
        });
    }
    Ok(items)
}

/// A minimal reader for NumPy `.npy` v1/v2 arrays of little-endian float16/float32 in C order, shape (n, leads, samples).
pub fn read_npy(bytes: &[u8]) -> Result<ndarray::Array3<f32>, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file".into());
    }
    let (header_len, start) = match (bytes[6], bytes.get(8..12)) {
        (1, _) => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10usize),
        (_, Some(&[a, b, c, d])) => (u32::from_le_bytes([a, b, c, d]) as usize, 12usize),
        _ => return Err("truncated header".into()),
    };
    let header = std::str::from_utf8(bytes.get(start..start.saturating_add(header_len)).ok_or("truncated header")?)
        .map_err(|e| e.to_string())?;
    if header.contains("'fortran_order': True") {
        return Err("Fortran order is not supported".into());
    }
    let shape_text = header.split("'shape': (").nth(1).and_then(|s| s.split(')').next()).ok_or("no shape")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| "bad shape"))
        .collect::<Result<_, _>>()?;
    if shape.len() != 3 {
        return Err(format!("expected 3 dimensions, found {shape:?}"));
    }
    let data = &bytes[start + header_len..];
    let n = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or("the shape overflows")?;
    let values: Vec<f32> = if header.contains("'<f2'") {
        data.chunks_exact(2).take(n).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()
    } else if header.contains("'<f4'") {
        data.chunks_exact(4).take(n).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    } else {
        return Err("only little-endian float16/float32 arrays are supported".into());
    };
    ndarray::Array3::from_shape_vec((shape[0], shape[1], shape[2]), values).map_err(|e| e.to_string())
}
