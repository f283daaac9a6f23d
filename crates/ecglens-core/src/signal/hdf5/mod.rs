//! HDF5 files: CODE-15%'s `exams_partN.hdf5`, MATLAB 7.3 `.mat` files, and HDF5 files with one ECG dataset.
//!
//! * **CODE-15%** (Ribeiro et al., Zenodo 4916206): datasets `tracings` (N × 4096 × 12 float32) and `exam_id`
//!   (N). The file states neither rate, leads nor units; the dataset's documentation does (the README of
//!   antonior92/automatic-ecg-diagnosis and antonior92/ecg-age-prediction: "4096 points ... sampled at 400Hz",
//!   leads "DI, DII, DIII, AVR, AVL, AVF, V1, ..., V6", "when the signal was not long enough, we filled the signal
//!   with zeros"; antonior92/ecg-preprocessing `preprocess.py`: the zeros are centred, `pad = (new_len - length)
//!   // 2` before). Its units are stated inconsistently ("at the scale 1e-4V: so if the signal is in V it should be
//!   multiplied by 1000"); ecglens reads the values as mV, as the PhysioNet Challenge 2025's
//!   `prepare_code15_data.py` (the organisers' converter of CODE-15% to WFDB, `units = "mV"`) does, and says so in a
//!   warning. The padding is trimmed by that script's rule: leading and trailing samples where all 12 leads are 0.
//!   One exam ([`ReadOptions::item`]) is read; [`Part`] labels it "exam <exam_id>". The `exams.csv` beside the parts
//!   gives age and sex: [`exam_metadata`].
//! * **MATLAB 7.3**: HDF5 after a 512-byte user block; each variable a dataset with a `MATLAB_class` attribute,
//!   its shape transposed (MATLAB is column-major: a 12 × 5000 `val` is stored as 5000 × 12). The signal is the
//!   variable named `val`/`data`/`ecg`/`signal(s)`/... or the largest numeric matrix; a scalar variable `fs` gives
//!   the rate.
//! * **Other HDF5**: a dataset named `tracings`, `data`, `ecg`, `signal(s)`, `x`, `val` (else the largest numeric
//!   one) of shape (samples, leads), (leads, samples) or (records, samples, leads); the rate from an attribute
//!   (`fs`, `sampling_rate`, ...) or [`ReadOptions`], else [`SignalError::NeedsInput`]; lead names from a
//!   fixed-length text attribute `leads`/`lead_names`; units from an attribute `units`.
//!
//! Random access: [`read_source`] reads the superblock, the root group, the headers of its members and the bytes of
//! the one record asked for (a 1.5 GB CODE part costs a few hundred kilobytes), through a [`ByteSource`].
//!
//! Hand-written ([`file`]) rather than a crate: the pure-Rust readers (`hdf5-reader` 0.12, `hdf5-pure`) take an
//! owned, `'static` storage (`hdf5-reader`'s `Arc<dyn Storage + Send + Sync>`) where ecglens has a borrowed
//! `&dyn ByteSource` (in the browser a `FileReaderSync` over a `File`, neither `Send` nor `'static`), and bring
//! 30,000 lines with memmap2, libc, parking_lot and lru for what needs a few hundred: the structures h5py, MATLAB
//! and CODE-15% write (see [`file`]'s doc for what is read).

mod file;

use file::{Datatype, Layout, Object, H5};

use super::leads::{canonical_lead_name, STANDARD_12};
use super::options::{ByteSource, InMemory, Question, ReadOptions, Units, DEFAULT_SAMPLE_RATE_HZ};
use super::source::{Format, Opened, Part, PatientIdentity, SourceInfo};
use super::{limits, open, thousands, Lead, Record, SignalError};

const FORMAT: &str = "HDF5";
/// CODE-15%'s sampling rate, from its documentation.
pub const CODE15_SAMPLE_RATE_HZ: f64 = 400.0;
/// Names of the signal dataset, in order of preference (case-insensitive).
const SIGNAL_NAMES: [&str; 9] = ["tracings", "data", "ecg", "signals", "signal", "val", "x", "sig", "ecg_data"];
/// Attributes (of the dataset, then of the root group) and scalar datasets that give the rate.
const RATE_NAMES: [&str; 9] = [
    "fs",
    "sampling_rate",
    "sample_rate",
    "sampling_frequency",
    "samplerate",
    "sample_rate_hz",
    "fs_hz",
    "frequency",
    "freq",
];
/// At most this many members of the root group are looked at.
const MAX_MEMBERS: usize = 256;

/// Reads an HDF5 file from `bytes`; `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    read_source(file, &InMemory { file, bytes }, options)
}

/// How many records `file` holds (the exams of a CODE-15% part, the first dimension of a 3-D dataset; 1 otherwise),
/// reading only its metadata.
pub fn count(file: &str, source: &dyn ByteSource) -> Result<usize, SignalError> {
    let h5 = H5::open(file, source)?;
    Ok(locate(file, &h5)?.records)
}

/// Reads record `options.item` of an HDF5 file through `source`: its metadata and that record's bytes only.
pub fn read_source(file: &str, source: &dyn ByteSource, options: &ReadOptions) -> Result<Opened, SignalError> {
    let h5 = H5::open(file, source)?;
    let found = locate(file, &h5)?;
    let malformed = |message: String| SignalError::Malformed { file: file.to_string(), format: FORMAT, message };
    if options.item >= found.records {
        return Err(malformed(format!(
            "record {} was asked for, but the dataset {} holds {} record{} (numbered from 0)",
            options.item,
            found.name,
            thousands(found.records),
            if found.records == 1 { "" } else { "s" }
        )));
    }
    let shape = found.object.shape.clone().unwrap_or_default();
    let (n_samples, n_leads) = (found.n_samples, found.n_leads);
    let values = match shape.len() {
        3 => h5.read_rows(&found.object, options.item as u64, 1)?,
        2 => h5.read_rows(&found.object, 0, shape[0])?,
        _ => h5.read_rows(&found.object, 0, shape.first().copied().unwrap_or(1))?,
    };
    let mut columns: Vec<Vec<f32>> = vec![Vec::with_capacity(n_samples); n_leads];
    for (k, column) in columns.iter_mut().enumerate() {
        for s in 0..n_samples {
            let at = if found.samples_first { s * n_leads + k } else { k * n_samples + s };
            column.push(values.get(at).copied().unwrap_or(f64::NAN) as f32);
        }
    }

    let mut warnings = Vec::new();
    let mut detail = found.detail.clone();
    let exam_id = match &found.exam_ids {
        Some(ids) if found.code15 => {
            let v = h5.read_rows(ids, options.item as u64, 1)?;
            v.first().copied().filter(|x| x.is_finite() && x.fract() == 0.0).map(|x| x as i64)
        }
        _ => None,
    };
    // CODE-15%: trim the centred zero padding.
    if found.code15 {
        let zero_row = |s: usize| columns.iter().all(|c| c.get(s).is_some_and(|v| *v == 0.0));
        let first = (0..n_samples).find(|&s| !zero_row(s));
        let Some(first) = first else {
            let which = exam_id.map_or(format!("record {}", options.item), |id| format!("exam {id}"));
            return Err(malformed(format!(
                "{which} (record {} of {}) holds only zeros: an empty slot of the file, no ECG",
                options.item, found.records
            )));
        };
        let last = (first..n_samples).rev().find(|&s| !zero_row(s)).unwrap_or(first);
        let (before, after) = (first, n_samples - 1 - last);
        if before + after > 0 {
            for c in &mut columns {
                c.truncate(last + 1);
                c.drain(..first);
            }
            warnings.push(format!(
                "ecglens: CODE-15% zero padding trimmed: {before} samples before and {after} after ({} of {} samples kept)",
                thousands(last + 1 - first),
                thousands(n_samples)
            ));
        }
    }

    // Rate.
    let stated_rate = found.stated_rate;
    let sample_rate_hz = match (stated_rate, options.sample_rate_hz, found.code15) {
        (Some((rate, from)), Some(asked), _) => {
            if (asked - rate).abs() > 1e-9 {
                warnings
                    .push(format!("ecglens: the file states {rate} Hz ({from}); the {asked} Hz given was not used"));
            }
            rate
        }
        (Some((rate, _)), None, _) => rate,
        (None, Some(asked), _) => asked,
        (None, None, true) => CODE15_SAMPLE_RATE_HZ,
        (None, None, false) => {
            return Err(SignalError::NeedsInput {
                file: file.to_string(),
                format: FORMAT,
                questions: vec![Question::SampleRate { suggested_hz: DEFAULT_SAMPLE_RATE_HZ }],
            })
        }
    };
    if !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0 && sample_rate_hz <= 1e6) {
        return Err(malformed(format!("the sampling rate {sample_rate_hz} Hz is not a plausible positive number")));
    }
    if n_samples as f64 / sample_rate_hz > limits::MAX_DURATION_S {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("{} samples at {sample_rate_hz} Hz is more than 24 hours", thousands(n_samples)),
        });
    }

    // Lead names.
    let names: Vec<String> = if let Some(given) = &options.leads {
        if given.len() != n_leads {
            return Err(malformed(format!("{} lead names were given for {n_leads} leads", given.len())));
        }
        given.clone()
    } else if found.code15 && n_leads == 12 {
        STANDARD_12.iter().map(|s| s.to_string()).collect()
    } else if let Some(names) = found.lead_names.clone().filter(|n| n.len() == n_leads) {
        names
    } else if n_leads == 12 {
        warnings.push("ecglens: the file names no leads; its 12 leads are read in the standard order I, II, III, aVR, aVL, aVF, V1–V6".into());
        STANDARD_12.iter().map(|s| s.to_string()).collect()
    } else {
        let suggested = if n_leads <= 12 {
            STANDARD_12[..n_leads].iter().map(|s| s.to_string()).collect()
        } else {
            (1..=n_leads).map(|k| k.to_string()).collect()
        };
        return Err(SignalError::NeedsInput {
            file: file.to_string(),
            format: FORMAT,
            questions: vec![Question::Leads { count: n_leads, suggested }],
        });
    };
    let names: Vec<String> =
        names.iter().map(|n| canonical_lead_name(n).map_or_else(|| n.trim().to_string(), str::to_string)).collect();

    // Units.
    let peak = columns.iter().flatten().filter(|v| v.is_finite()).fold(0.0f32, |m, v| m.max(v.abs()));
    let units = if let Some(u) = options.units {
        u
    } else if found.code15 {
        warnings.push(
            "ecglens: CODE-15% layout: 400 Hz, leads I..V6, values read as mV (the PhysioNet Challenge 2025's reading of the dataset; its README says \"scale 1e-4V ... if in V multiply by 1000\"); give the units to override"
                .into(),
        );
        Units::Millivolts
    } else if let Some((u, _)) = found.stated_units {
        u
    } else if peak <= 20.0 {
        warnings.push(format!("ecglens: no units in the file; values up to {peak:.3} read as mV"));
        Units::Millivolts
    } else if peak <= 50_000.0 {
        warnings.push(format!("ecglens: no units in the file; values up to {} read as µV", thousands(peak as usize)));
        Units::Microvolts
    } else {
        return Err(SignalError::NeedsInput {
            file: file.to_string(),
            format: FORMAT,
            questions: vec![Question::Units { suggested: Units::Microvolts }],
        });
    };
    if found.code15 && options.sample_rate_hz.is_none() && options.units.is_some() {
        warnings.push("ecglens: CODE-15% layout: 400 Hz and leads I..V6, as its documentation states".into());
    }
    let scale = units.mv_per_unit() as f32;
    let mut leads = Vec::with_capacity(n_leads);
    for (name, mut samples) in names.into_iter().zip(columns) {
        if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
            return Err(malformed(format!(
                "lead {name} has a value that is not a number at sample {i} ({:.3} s); ecglens does not fill in gaps",
                i as f64 / sample_rate_hz
            )));
        }
        for v in &mut samples {
            *v *= scale;
        }
        leads.push(Lead { name, samples_mv: samples });
    }
    if let Some(e) = found.exam_count_mismatch {
        warnings.push(e);
    }
    let part = (shape.len() == 3).then(|| Part {
        index: options.item,
        count: found.records,
        label: exam_id.map_or_else(|| format!("{}[{}]", found.name, options.item), |id| format!("exam {id}")),
    });
    if found.code15 && exam_id.is_none() {
        detail.push_str(", exam_id unreadable");
    }
    let record = Record { name: open::record_name(file), sample_rate_hz, leads, comments: Vec::new() };
    let mut source = SourceInfo::new(Format::Hdf5, detail);
    source.warnings = warnings;
    source.part = part;
    Ok(Opened { record, source, patient: PatientIdentity::default() })
}

/// Age and sex of an exam from CODE-15%'s `exams.csv` (columns `exam_id`, `age`, `is_male`, ...). `None` when the
/// exam is not listed.
pub fn exam_metadata(csv: &[u8], exam_id: i64) -> Result<Option<PatientIdentity>, SignalError> {
    let bad =
        |message: String| SignalError::Malformed { file: "exams.csv".into(), format: "CODE-15% exams.csv", message };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(csv);
    let headers = reader.headers().map_err(|e| bad(format!("no header row ({e})")))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let id_col = column("exam_id").ok_or_else(|| bad("no exam_id column: not CODE-15%'s exams.csv".into()))?;
    let (age_col, male_col) = (column("age"), column("is_male"));
    for row in reader.records() {
        let row = row.map_err(|e| bad(format!("a row is not CSV ({e})")))?;
        if row.get(id_col).and_then(|v| v.trim().parse::<i64>().ok()) != Some(exam_id) {
            continue;
        }
        let mut p = PatientIdentity::default();
        if let Some(age) = age_col.and_then(|c| row.get(c)) {
            PatientIdentity::set(&mut p.age, age);
        }
        match male_col.and_then(|c| row.get(c)).map(|v| v.trim().to_ascii_lowercase()) {
            Some(v) if v == "true" || v == "1" => p.sex = Some("male".into()),
            Some(v) if v == "false" || v == "0" => p.sex = Some("female".into()),
            _ => {}
        }
        return Ok(Some(p));
    }
    Ok(None)
}

/// The signal dataset of a file and what it says about itself.
struct Found {
    name: String,
    object: Object,
    /// Records along the first dimension (1 for a 2-D dataset).
    records: usize,
    n_samples: usize,
    n_leads: usize,
    /// Rows are samples (shape (..., samples, leads)) rather than leads.
    samples_first: bool,
    code15: bool,
    exam_ids: Option<Object>,
    exam_count_mismatch: Option<String>,
    stated_rate: Option<(f64, String)>,
    stated_units: Option<(Units, String)>,
    lead_names: Option<Vec<String>>,
    detail: String,
}

fn locate(file: &str, h5: &H5) -> Result<Found, SignalError> {
    let root = h5.object(h5.root)?;
    let members = h5.children(&root)?;
    let mut objects: Vec<(String, Object)> = Vec::new();
    for (name, address) in members.into_iter().take(MAX_MEMBERS) {
        objects.push((name, h5.object(address)?));
    }
    let is_matlab = objects.iter().any(|(_, o)| o.attribute(&["MATLAB_class"]).is_some());
    let numeric = |o: &Object| o.datatype.is_some_and(Datatype::is_numeric) && o.layout.is_some();
    let elements = |o: &Object| o.shape.as_ref().map_or(0u64, |s| s.iter().fold(1u64, |a, &d| a.saturating_mul(d)));
    let candidates: Vec<&(String, Object)> = objects
        .iter()
        .filter(|(_, o)| numeric(o) && o.shape.as_ref().is_some_and(|s| (1..=3).contains(&s.len()) && elements(o) > 1))
        .collect();
    let chosen = SIGNAL_NAMES
        .iter()
        .find_map(|want| candidates.iter().find(|(n, _)| n.eq_ignore_ascii_case(want)))
        .or_else(|| {
            candidates
                .iter()
                .filter(|(_, o)| o.shape.as_ref().is_some_and(|s| s.len() >= 2))
                .max_by_key(|(_, o)| elements(o))
        });
    let Some((name, object)) = chosen.map(|c| (c.0.clone(), c.1.clone())) else {
        let listed: Vec<String> = objects.iter().map(|(n, o)| format!("{n} {}", describe_shape(o))).collect();
        return Err(SignalError::Malformed {
            file: file.to_string(),
            format: FORMAT,
            message: format!(
                "no numeric dataset of 2 or 3 dimensions to read as an ECG; the root group holds {}",
                if listed.is_empty() { "nothing".to_string() } else { listed.join(", ") }
            ),
        });
    };
    let shape = object.shape.clone().unwrap_or_default();
    let malformed = |message: String| SignalError::Malformed { file: file.to_string(), format: FORMAT, message };
    let to_usize = |d: u64| usize::try_from(d).ok().filter(|&d| d <= limits::MAX_TOTAL_SAMPLES);
    let dims: Vec<usize> =
        shape.iter().map(|&d| to_usize(d)).collect::<Option<_>>().ok_or_else(|| SignalError::TooLarge {
            file: file.to_string(),
            message: format!(
                "the dataset {name} has shape {shape:?}, more than {} samples",
                thousands(limits::MAX_TOTAL_SAMPLES)
            ),
        })?;
    let shape_text = || {
        if is_matlab {
            let mut m = dims.clone();
            m.reverse();
            format!("MATLAB size {}", m.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" × "))
        } else {
            format!("shape ({})", dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "))
        }
    };
    let orient = |a: usize, b: usize| -> Option<(usize, usize, bool)> {
        if b <= limits::MAX_SIGNALS && b <= a {
            Some((a, b, true))
        } else if a <= limits::MAX_SIGNALS && a < b {
            Some((b, a, false))
        } else {
            None
        }
    };
    let (records, (n_samples, n_leads, samples_first)) = match dims.as_slice() {
        [n] => (1, (*n, 1, true)),
        [a, b] => (
            1,
            orient(*a, *b).ok_or_else(|| {
                malformed(format!(
                    "the dataset {name} has {}: expected (samples, leads) or (leads, samples) with at most {} leads",
                    shape_text(),
                    limits::MAX_SIGNALS
                ))
            })?,
        ),
        [r, a, b] => (
            *r,
            orient(*a, *b).ok_or_else(|| {
                malformed(format!(
                    "the dataset {name} has {}: expected (records, samples, leads) with at most {} leads",
                    shape_text(),
                    limits::MAX_SIGNALS
                ))
            })?,
        ),
        _ => return Err(malformed(format!("the dataset {name} has {}", shape_text()))),
    };
    if n_samples == 0 || n_leads == 0 || records == 0 {
        return Err(malformed(format!("the dataset {name} has {}: it holds no samples", shape_text())));
    }
    if n_samples.checked_mul(n_leads).is_none_or(|t| t > limits::MAX_TOTAL_SAMPLES) {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("one record of {name} is {n_samples} samples × {n_leads} leads"),
        });
    }
    let exam_ids = objects
        .iter()
        .find(|(n, o)| n == "exam_id" && numeric(o) && o.shape.as_ref().is_some_and(|s| s.len() == 1))
        .map(|(_, o)| o.clone());
    let code15 = name == "tracings" && dims.len() == 3 && exam_ids.is_some();
    let exam_count_mismatch = exam_ids.as_ref().and_then(|ids| {
        let n = ids.shape.as_ref().and_then(|s| s.first().copied()).unwrap_or(0);
        (n != records as u64).then(|| format!("ecglens: exam_id lists {n} exams but tracings holds {records}"))
    });
    let exam_ids =
        exam_ids.filter(|ids| ids.shape.as_ref().and_then(|s| s.first().copied()).unwrap_or(0) >= records as u64);

    // What the file says: the rate and units as attributes of the dataset or the root, or scalar datasets.
    let mut stated_rate = None;
    for (o, whose) in [(&object, format!("attribute of {name}")), (&root, "attribute of the file".to_string())] {
        if stated_rate.is_none() {
            stated_rate = o.attribute(&RATE_NAMES).and_then(|a| a.number().map(|r| (r, format!("{} {whose}", a.name))));
        }
    }
    if stated_rate.is_none() {
        for (n, o) in &objects {
            if RATE_NAMES.iter().any(|r| n.eq_ignore_ascii_case(r)) && numeric(o) && elements(o) == 1 {
                let v = h5.read_rows(o, 0, o.shape.as_ref().and_then(|s| s.first().copied()).unwrap_or(1))?;
                if let Some(&r) = v.first() {
                    stated_rate = Some((r, format!("the variable {n}")));
                }
            }
        }
    }
    let stated_units = [&object, &root].iter().find_map(|o| {
        let a = o.attribute(&["units", "unit"])?;
        Some((Units::parse(&a.text()?)?, a.name.clone()))
    });
    let lead_names =
        object.attribute(&["leads", "lead_names", "channels", "channel_names", "sig_name"]).and_then(|a| {
            let Datatype::Text { size } = a.datatype else { return None };
            (size > 0).then_some(())?;
            Some(
                a.data
                    .chunks(size)
                    .map(|c| {
                        String::from_utf8_lossy(c).trim_matches(|ch: char| ch == '\0' || ch.is_whitespace()).to_string()
                    })
                    .collect(),
            )
        });
    let storage = match object.layout {
        Some(Layout::Chunked { .. }) | Some(Layout::SingleChunk { .. }) => {
            let filters: Vec<&str> = object
                .filters
                .iter()
                .map(|f| match f.id {
                    1 => "gzip",
                    2 => "shuffle",
                    3 => "fletcher32",
                    _ => "other filter",
                })
                .collect();
            if filters.is_empty() {
                "chunked".to_string()
            } else {
                format!("chunked, {}", filters.join(" + "))
            }
        }
        Some(Layout::Compact(_)) => "compact".into(),
        _ => "contiguous".into(),
    };
    let dtype = object.datatype.map_or_else(String::new, Datatype::describe);
    let detail = if code15 {
        format!("CODE-15% layout: tracings {} {dtype}, {storage}; exam_id", shape_text())
    } else if is_matlab {
        let class = object.attribute(&["MATLAB_class"]).and_then(|a| a.text()).unwrap_or_else(|| dtype.clone());
        format!("MATLAB 7.3: variable {name}, {} {class}, {storage}", shape_text())
    } else {
        format!("dataset {name}: {} {dtype}, {storage}; superblock v{}", shape_text(), h5.superblock_version)
    };
    Ok(Found {
        name,
        object,
        records,
        n_samples,
        n_leads,
        samples_first,
        code15,
        exam_ids,
        exam_count_mismatch,
        stated_rate,
        stated_units,
        lead_names,
        detail,
    })
}

fn describe_shape(o: &Object) -> String {
    match (&o.shape, o.datatype) {
        (Some(s), Some(t)) => {
            format!("({}) {}", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "), t.describe())
        }
        _ => "(a group)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exam_metadata_reads_age_and_sex() {
        let csv = b"exam_id,age,is_male,nn_predicted_age\n11,57,True,55.1\n12,81,False,79\n";
        let p = exam_metadata(csv, 12).unwrap().unwrap();
        assert_eq!((p.age.as_deref(), p.sex.as_deref()), (Some("81"), Some("female")));
        assert_eq!(exam_metadata(csv, 13).unwrap(), None);
        assert!(exam_metadata(b"a,b\n1,2\n", 1).unwrap_err().to_string().contains("no exam_id column"));
    }

    #[test]
    fn not_hdf5_is_refused() {
        let e = read("x.h5", b"not an hdf5 file at all", &ReadOptions::default()).unwrap_err().to_string();
        assert!(e.contains("no HDF5 signature"), "{e}");
    }
}
