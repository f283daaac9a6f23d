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

/// PTB-XL diagnostic superclass labels of a `scp_codes` dict, the PTB-XL benchmark's way.
pub(crate) fn superclasses(scp_codes: &str, code_to_class: &BTreeMap<String, String>, classes: &[String]) -> Vec<bool> {
    let mut labels = vec![false; classes.len()];
    for part in scp_codes.trim_matches(|c| c == '{' || c == '}').split(',') {
        let code = part.split(':').next().unwrap_or("").trim().trim_matches('\'').trim_matches('"');
        if let Some(class) = code_to_class.get(code) {
            if let Some(ix) = classes.iter().position(|c| c == class) {
                labels[ix] = true;
            }
        }
    }
    labels
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

/// The records of `<data>/ptbxl` (raw WFDB at 500 Hz) and `<data>/ptbxl-extra` (preprocessed windows).
pub fn load_ptbxl(data: &Path, classes: &[String]) -> Result<Vec<Item>, FitError> {
    let ptbxl = data.join("ptbxl");
    let statements = ptbxl.join("scp_statements.csv");
    let (headers, rows) = read_csv(&statements)?;
    let class_col = column(&headers, "diagnostic_class", &statements)?;
    let diag_col = column(&headers, "diagnostic", &statements)?;
    let code_to_class: BTreeMap<String, String> =
        rows.iter().filter(|r| r[diag_col].starts_with('1')).map(|r| (r[0].clone(), r[class_col].clone())).collect();
    let database = ptbxl.join("ptbxl_database.csv");
    let (headers, rows) = read_csv(&database)?;
    let (id_col, fold_col, scp_col, hr_col) = (
        column(&headers, "ecg_id", &database)?,
        column(&headers, "strat_fold", &database)?,
        column(&headers, "scp_codes", &database)?,
        column(&headers, "filename_hr", &database)?,
    );
    let mut items = Vec::new();
    for row in &rows {
        let header = ptbxl.join(format!("{}.hea", row[hr_col]));
        if !header.exists() {
            continue;
        }
        let labels = superclasses(&row[scp_col], &code_to_class, classes);
        items.push(Item {
            name: format!("ptbxl-{}", row[id_col].trim_end_matches(".0")),
            fold: row[fold_col].trim_end_matches(".0").parse().ok(),
            labels: labels.iter().any(|l| *l).then_some(labels),
            source: Source::Wfdb(header),
        });
    }
    let extra = data.join("ptbxl-extra");
    if extra.join("records.csv").exists() {
        let path = extra.join("signals_100hz.npy");
        let bytes = std::fs::read(&path).map_err(|e| data_err(&path, e))?;
        let array = read_npy(&bytes).map_err(|e| data_err(&path, e))?;
        let records = extra.join("records.csv");
        let (headers, rows) = read_csv(&records)?;
        let (ix_col, id_col, fold_col, sc_col) = (
            column(&headers, "index", &records)?,
            column(&headers, "ecg_id", &records)?,
            column(&headers, "strat_fold", &records)?,
            column(&headers, "superclasses", &records)?,
        );
        for row in &rows {
            let index: usize = row[ix_col].parse().map_err(|e| data_err(&records, e))?;
            if index >= array.len_of(ndarray::Axis(0)) {
                return Err(data_err(
                    &records,
                    format!(
                        "row index {index}, but {} holds {} records",
                        path.display(),
                        array.len_of(ndarray::Axis(0))
                    ),
                ));
            }
            let window = array.index_axis(ndarray::Axis(0), index).to_owned();
            let labels: Option<Vec<bool>> = (!row[sc_col].is_empty())
                .then(|| classes.iter().map(|c| row[sc_col].split(';').any(|s| s == c)).collect());
            items.push(Item {
                name: format!("ptbxl-{}", row[id_col]),
                fold: row[fold_col].trim_end_matches(".0").parse().ok(),
                labels,
                source: Source::ModelInput(window),
            });
        }
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
