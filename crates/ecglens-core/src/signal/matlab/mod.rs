//! MATLAB `.mat` files, levels 4 and 5, from bytes: which array of the file is the ECG, its orientation, rate,
//! lead names and units.
//!
//! * [`level5`] — MATLAB 5 to 7.x files (a 128-byte header, then tagged data elements; compressed variables
//!   are zlib streams, inflated with `miniz_oxide` within a byte budget): numeric arrays of every class (stored
//!   as any number type), logical, char, cell and struct arrays, nested.
//! * [`level4`] — MATLAB 4 files (`save -v4`, the PhysioNet/CinC challenges' `.mat` signal files): numeric and
//!   text matrices, IEEE little- or big-endian.
//! * A MATLAB 7.3 file is HDF5 (the sniffer sends it to the HDF5 reader); handed one, this reader says so.
//!
//! Which array is the ECG, in this order: a CinC-style `val` (leads × samples, ADC units: its gain is in the
//! WFDB header beside it, so the units are asked, suggesting CinC 2020's 1000 per mV); CPSC 2018's struct
//! `ECG` (`sex`, `age`, `data`: 12 × N at 500 Hz in mV, leads I, II, III, aVR, aVL, aVF, V1–V6, as that
//! challenge defines it); an array named `data`, `ecg`, `signal`, `signals`, `sig` or `X` (at the top level or
//! in a struct); else the largest numeric array. Of a 2-D array the leads are the dimension of at most 16
//! (or of as many as the lead names given); a 3-D array is records × samples × leads (or records × leads ×
//! samples), one record per [`Part`]. The rate is a scalar `fs`, `Fs`, `freq`, `sampling_rate`, `sample_rate`
//! or `srate` (beside the array in its struct, or at the top level), else the user's, else asked; lead names a
//! cell or char array `leads`, `lead_names` or `labels`, else the user's, else the standard 12 when there are
//! 12 (with a warning), else asked. Units: the user's, else read from the amplitude (with a warning), asked only
//! when the amplitude cannot tell. The struct's `sex` and `age` go to the [`PatientIdentity`], nothing else.
//! Refused with a message: complex arrays, sparse matrices, objects, NaN or infinite samples.
//!
//! Hand-written: of the Rust crates on crates.io, `matfile` 0.5 reads level 5 numeric arrays only (no structs,
//! cells or char arrays, no level 4) and `matreader` 0.1 reads level 5 only, through `flate2` and `clap`;
//! neither reads level 4 or bounds the inflated size. The layout follows MathWorks' "MAT-File Format"
//! document and scipy's reader (scipy/scipy, `scipy/io/matlab/_mio4.py`, `_mio5.py`, `_mio5_utils.pyx`), which
//! also makes the reference values of the tests (`tools/reference/make_matlab.py`, `scipy.io.loadmat`).

mod level4;
mod level5;
#[cfg(test)]
mod tests;
mod value;

use self::value::{shape, Numeric, Value, Variable};
use super::leads::{canonical_lead_name, STANDARD_12};
use super::options::{Question, ReadOptions, Units, DEFAULT_SAMPLE_RATE_HZ};
use super::source::{Format, Opened, Part, PatientIdentity, SourceInfo, WindowInfo};
use super::{limits, open, thousands, Lead, Record, SignalError};

/// The format's label in messages.
const LABEL: &str = "MATLAB";

/// Names of the array that holds the ECG (compared ignoring case).
const SIGNAL_NAMES: [&str; 7] = ["data", "ecg", "signal", "signals", "sig", "x", "val"];
/// Names of a scalar that gives the sampling rate in Hz (compared ignoring case).
const RATE_NAMES: [&str; 8] =
    ["fs", "freq", "sampling_rate", "sample_rate", "srate", "samplerate", "sampling_frequency", "fs_hz"];
/// Names of a cell or char array of lead names (compared ignoring case).
const LEAD_NAMES: [&str; 4] = ["leads", "lead_names", "labels", "leadnames"];
/// The leads are the dimension of at most this many (when no lead names say otherwise).
const MAX_LEAD_DIM: usize = 16;

/// What can go wrong inside the reader; [`read`] turns it into a [`SignalError`] naming the file.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum MatError {
    Malformed(String),
    TooLarge(String),
    Unsupported(String),
}

impl MatError {
    #[cfg(test)]
    pub fn message(&self) -> &str {
        match self {
            MatError::Malformed(m) | MatError::TooLarge(m) | MatError::Unsupported(m) => m,
        }
    }

    /// The same error, its message prefixed with where it happened ("variable 2 (byte 480): ...").
    pub fn context(self, what: &str) -> MatError {
        match self {
            MatError::Malformed(m) => MatError::Malformed(format!("{what}: {m}")),
            MatError::TooLarge(m) => MatError::TooLarge(format!("{what}: {m}")),
            MatError::Unsupported(m) => MatError::Unsupported(format!("{what}: {m}")),
        }
    }

    fn into_signal_error(self, file: &str) -> SignalError {
        let file = file.to_string();
        match self {
            MatError::Malformed(message) => SignalError::Malformed { file, format: LABEL, message },
            MatError::TooLarge(message) => SignalError::TooLarge { file, message },
            MatError::Unsupported(message) => SignalError::Unsupported { file, message: format!("{LABEL}: {message}") },
        }
    }
}

/// Reads a MATLAB file from `bytes`; `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    let parsed = parse(bytes).map_err(|e| e.into_signal_error(file))?;
    let opened = build(file, &parsed, options)?;
    opened.record.validate()?;
    Ok(opened)
}

/// A parsed file: its variables and how it was stored.
struct Parsed<'a> {
    variables: Vec<Variable<'a>>,
    /// "level 5, compressed", "level 4, big-endian".
    storage: String,
    /// The level 5 header's text.
    text: Option<String>,
}

fn parse(bytes: &[u8]) -> Result<Parsed<'_>, MatError> {
    if bytes.is_empty() {
        return Err(MatError::Malformed("the file is empty".into()));
    }
    let version_73 = bytes.get(124..128).is_some_and(|v| v == [0, 2, b'I', b'M'] || v == [2, 0, b'M', b'I']);
    let hdf5_at_512 = bytes.get(512..520) == Some(crate::signal::sniff::HDF5_SIGNATURE.as_slice());
    if bytes.starts_with(b"MATLAB 7.3") || version_73 || hdf5_at_512 {
        return Err(MatError::Unsupported(
            "this is a MATLAB 7.3 (HDF5) file, which ecglens reads with its HDF5 reader, not as a MATLAB 4/5 file"
                .into(),
        ));
    }
    if bytes.starts_with(b"MATLAB") || level5::looks_like(bytes) && !level4::looks_like(bytes) {
        let f = level5::parse(bytes)?;
        let mut storage = "level 5".to_string();
        if f.compressed {
            storage.push_str(", compressed");
        }
        if f.big_endian {
            storage.push_str(", big-endian");
        }
        return Ok(Parsed { variables: f.variables, storage, text: Some(f.text).filter(|t| !t.is_empty()) });
    }
    let (variables, big_endian) = level4::parse(bytes)?;
    let storage = if big_endian { "level 4, big-endian" } else { "level 4" }.to_string();
    Ok(Parsed { variables, storage, text: None })
}

/// A variable, or a field of a 1 × 1 struct (at any depth), with the fields beside it.
struct Entry<'v, 'a> {
    /// "data", "ECG.data".
    path: String,
    name: &'v str,
    value: &'v Value<'a>,
    depth: usize,
    /// The other fields of the struct it is in (empty at the top level).
    siblings: Vec<(&'v str, &'v Value<'a>)>,
}

fn entries<'v, 'a>(variables: &'v [Variable<'a>]) -> Vec<Entry<'v, 'a>> {
    fn walk<'v, 'a>(out: &mut Vec<Entry<'v, 'a>>, prefix: &str, fields: Vec<(&'v str, &'v Value<'a>)>, depth: usize) {
        let siblings = if depth == 0 { Vec::new() } else { fields.clone() };
        for (name, value) in &fields {
            let path = if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
            out.push(Entry { path: path.clone(), name, value, depth, siblings: siblings.clone() });
            if let Some(inner) = value.struct_fields().filter(|_| depth < 4) {
                walk(out, &path, inner, depth + 1);
            }
        }
    }
    let top: Vec<(&str, &Value)> =
        variables.iter().filter(|v| !v.name.is_empty()).map(|v| (v.name.as_str(), &v.value)).collect();
    let mut out = Vec::new();
    walk(&mut out, "", top, 0);
    out.sort_by_key(|e| e.depth);
    out
}

/// Why an array was taken as the ECG: it decides what the file's conventions say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// PhysioNet/CinC `val`: ADC units, gain in the WFDB header.
    Cinc,
    /// CPSC 2018 `ECG.data`: 500 Hz, mV, the standard 12 leads.
    Cpsc,
    Named,
    Largest,
}

struct Target<'v, 'a> {
    entry: &'v Entry<'v, 'a>,
    array: &'v Numeric<'a>,
    role: Role,
}

fn numeric<'v, 'a>(value: &'v Value<'a>) -> Option<&'v Numeric<'a>> {
    match value {
        Value::Numeric(n) if n.data.len() >= 2 && n.class != value::Class::Logical => Some(n),
        _ => None,
    }
}

fn choose<'v, 'a>(entries: &'v [Entry<'v, 'a>]) -> Result<Target<'v, 'a>, MatError> {
    let named = |e: &Entry, names: &[&str]| names.iter().any(|n| e.name.eq_ignore_ascii_case(n));
    if let Some((entry, array)) =
        entries.iter().filter(|e| e.depth == 0 && e.name == "val").find_map(|e| numeric(e.value).map(|n| (e, n)))
    {
        return Ok(Target { entry, array, role: Role::Cinc });
    }
    let cpsc = entries.iter().find(|e| {
        e.depth == 1
            && e.name.eq_ignore_ascii_case("data")
            && e.path.split('.').next().is_some_and(|s| s.eq_ignore_ascii_case("ecg"))
    });
    if let Some((entry, array)) = cpsc.and_then(|e| numeric(e.value).map(|n| (e, n))) {
        return Ok(Target { entry, array, role: Role::Cpsc });
    }
    if let Some((entry, array)) =
        entries.iter().filter(|e| named(e, &SIGNAL_NAMES)).find_map(|e| numeric(e.value).map(|n| (e, n)))
    {
        return Ok(Target { entry, array, role: Role::Named });
    }
    let mut largest: Option<(&Entry, &Numeric)> = None;
    for e in entries {
        if let Some(n) = numeric(e.value) {
            if largest.is_none_or(|(_, best)| n.data.len() > best.data.len()) {
                largest = Some((e, n));
            }
        }
    }
    if let Some((entry, array)) = largest {
        return Ok(Target { entry, array, role: Role::Largest });
    }
    let unsupported: Vec<String> = entries
        .iter()
        .filter_map(|e| match e.value {
            Value::Unsupported { what } => Some(format!("`{}` is a {what}", e.path)),
            _ => None,
        })
        .collect();
    if !unsupported.is_empty() {
        return Err(MatError::Unsupported(format!(
            "it holds no numeric array ecglens can read: {} (ecglens reads full numeric arrays: double, single, int8 to uint64)",
            unsupported.join(", ")
        )));
    }
    if entries.is_empty() {
        return Err(MatError::Malformed("it holds no variables".into()));
    }
    let all: Vec<String> = entries
        .iter()
        .filter(|e| e.depth == 0)
        .take(12)
        .map(|e| format!("`{}` ({})", e.path, e.value.describe()))
        .collect();
    Err(MatError::Malformed(format!(
        "it holds no numeric array that could be an ECG; its variables: {}",
        all.join(", ")
    )))
}

/// The first variable named one of `names`: beside the target in its struct, else at the top level.
fn find<'v, 'a>(target: &Entry<'v, 'a>, top: &'v [Variable<'a>], names: &[&str]) -> Option<(String, &'v Value<'a>)> {
    let wanted = |n: &str| names.iter().any(|w| n.eq_ignore_ascii_case(w));
    target
        .siblings
        .iter()
        .find(|(n, _)| wanted(n))
        .map(|(n, v)| (n.to_string(), *v))
        .or_else(|| top.iter().find(|v| wanted(&v.name)).map(|v| (v.name.clone(), &v.value)))
}

/// Lead names from a cell array of strings, or a char array (one name per row, or one row of names separated
/// by commas, semicolons or blanks).
fn names_of(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Cell { items, .. } => {
            items.iter().map(|i| i.text_rows().map(|rows| rows.join(" ").trim().to_string())).collect()
        }
        Value::Char { .. } => {
            let rows = value.text_rows()?;
            if rows.len() == 1 {
                let one = rows.first()?;
                Some(one.split([',', ';', ' ', '\t']).filter(|s| !s.is_empty()).map(str::to_string).collect())
            } else {
                Some(rows.into_iter().map(|r| r.trim().to_string()).collect())
            }
        }
        _ => None,
    }
}

/// The standard name of a lead when its label is one, else the label ("lead 3" when empty).
fn lead_name(raw: &str, index: usize) -> String {
    match canonical_lead_name(raw) {
        Some(name) => name.to_string(),
        None if raw.trim().is_empty() => format!("lead {}", index + 1),
        None => raw.trim().to_string(),
    }
}

/// Lead names to propose for `count` unnamed leads.
fn suggested_leads(count: usize) -> Vec<String> {
    match count {
        1 => vec!["II".into()],
        8 => ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"].map(String::from).to_vec(),
        n if n <= 12 => STANDARD_12.iter().take(n).map(|s| s.to_string()).collect(),
        n => (1..=n).map(|k| format!("lead {k}")).collect(),
    }
}

/// How to walk the target array: record `p`, lead `l`, sample `s` is stored value
/// `p · part_stride + l · lead_stride + s · sample_stride`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    n_parts: usize,
    n_leads: usize,
    n_samples: usize,
    part_stride: usize,
    lead_stride: usize,
    sample_stride: usize,
    /// The array has a records dimension (3-D).
    batch: bool,
}

/// The layout of an array of `dims` (column-major), its leads being the dimension of `lead_hint` elements when
/// that picks one, else the one of at most [`MAX_LEAD_DIM`] (the rows when `rows_are_leads`, as the CinC and
/// CPSC layouts define, and the lead names do not say otherwise).
fn layout(path: &str, dims: &[usize], lead_hint: Option<usize>, rows_are_leads: bool) -> Result<Layout, MatError> {
    let squeezed: Vec<usize> = dims.iter().copied().filter(|&d| d != 1).collect();
    if squeezed.contains(&0) {
        return Err(MatError::Malformed(format!("the array `{path}` is empty ({})", shape(dims))));
    }
    let is_leads = |d: usize| lead_hint.map_or(d <= MAX_LEAD_DIM, |h| d == h);
    let wrong_shape = || {
        MatError::Malformed(format!(
            "the array `{path}` has shape {}: expected (leads, samples) or (samples, leads) with at most {MAX_LEAD_DIM} leads, or (records, samples, leads){}",
            shape(dims),
            lead_hint.map_or(String::new(), |h| format!(", with {h} leads as its lead names say"))
        ))
    };
    match *squeezed.as_slice() {
        [] => Ok(Layout {
            n_parts: 1,
            n_leads: 1,
            n_samples: 1,
            part_stride: 0,
            lead_stride: 0,
            sample_stride: 1,
            batch: false,
        }),
        [n] => {
            if lead_hint.is_some_and(|h| h != 1) {
                return Err(wrong_shape());
            }
            Ok(Layout {
                n_parts: 1,
                n_leads: 1,
                n_samples: n,
                part_stride: 0,
                lead_stride: 0,
                sample_stride: 1,
                batch: false,
            })
        }
        [rows, cols] => {
            let leads_are_rows = match (is_leads(rows), is_leads(cols)) {
                (true, true) => rows_are_leads || rows <= cols,
                (true, false) => true,
                (false, true) => false,
                (false, false) => return Err(wrong_shape()),
            };
            Ok(if leads_are_rows {
                Layout {
                    n_parts: 1,
                    n_leads: rows,
                    n_samples: cols,
                    part_stride: 0,
                    lead_stride: 1,
                    sample_stride: rows,
                    batch: false,
                }
            } else {
                Layout {
                    n_parts: 1,
                    n_leads: cols,
                    n_samples: rows,
                    part_stride: 0,
                    lead_stride: rows,
                    sample_stride: 1,
                    batch: false,
                }
            })
        }
        [records, b, c] => {
            let plane = records.checked_mul(b).ok_or_else(wrong_shape)?;
            if is_leads(c) {
                Ok(Layout {
                    n_parts: records,
                    n_leads: c,
                    n_samples: b,
                    part_stride: 1,
                    lead_stride: plane,
                    sample_stride: records,
                    batch: true,
                })
            } else if is_leads(b) {
                Ok(Layout {
                    n_parts: records,
                    n_leads: b,
                    n_samples: c,
                    part_stride: 1,
                    lead_stride: records,
                    sample_stride: plane,
                    batch: true,
                })
            } else {
                Err(wrong_shape())
            }
        }
        _ => Err(wrong_shape()),
    }
}

/// "1.68", "2,300", "0.0021": an amplitude for a message.
fn amplitude(v: f64) -> String {
    if v >= 100.0 {
        thousands(v.round() as usize)
    } else if v >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

/// The units a file's numbers most likely have, from their largest magnitude; `None` when it cannot tell.
fn units_from_amplitude(peak: f64) -> Option<Units> {
    if peak > 0.0 && peak < 0.05 {
        Some(Units::Volts)
    } else if peak <= 50.0 {
        Some(Units::Millivolts)
    } else if peak <= 50_000.0 {
        Some(Units::Microvolts)
    } else {
        None
    }
}

fn build(file: &str, parsed: &Parsed, options: &ReadOptions) -> Result<Opened, SignalError> {
    let mal = |e: MatError| e.into_signal_error(file);
    let all = entries(&parsed.variables);
    let target = choose(&all).map_err(mal)?;
    let path = target.entry.path.as_str();
    if target.array.complex {
        return Err(mal(MatError::Malformed(format!(
            "the array `{path}` holds complex numbers ({}): an ECG is real-valued; save its real part",
            target.entry.value.describe()
        ))));
    }
    let mut warnings = Vec::new();
    let mut conventions = Vec::new(); // what the CPSC layout supplied

    // Lead names: the file's, else the user's; they also say which dimension is the leads.
    let file_names =
        find(target.entry, &parsed.variables, &LEAD_NAMES).and_then(|(n, v)| names_of(v).map(|names| (n, names)));
    let hint = file_names.as_ref().map(|(_, n)| n.len()).or(options.leads.as_ref().map(Vec::len));
    let rows_are_leads = matches!(target.role, Role::Cinc | Role::Cpsc);
    let layout = layout(path, &target.array.dims, hint, rows_are_leads).map_err(mal)?;

    if layout.n_leads > limits::MAX_SIGNALS {
        return Err(mal(MatError::TooLarge(format!(
            "the array `{path}` has {} leads; ecglens reads at most {}",
            layout.n_leads,
            limits::MAX_SIGNALS
        ))));
    }
    let mut leads: Option<Vec<String>> = None;
    if let Some((var, names)) = &file_names {
        if names.len() != layout.n_leads {
            return Err(mal(MatError::Malformed(format!(
                "`{var}` names {} leads but the array `{path}` ({}) has {}",
                names.len(),
                shape(&target.array.dims),
                layout.n_leads
            ))));
        }
        if options.leads.as_ref().is_some_and(|given| given != names) {
            warnings.push(format!("ecglens: the file names its leads (`{var}`); the lead names given were not used"));
        }
        leads = Some(names.clone());
    } else if let Some(given) = &options.leads {
        if given.len() != layout.n_leads {
            return Err(mal(MatError::Malformed(format!(
                "{} lead names were given, but the array `{path}` ({}) has {} leads",
                given.len(),
                shape(&target.array.dims),
                layout.n_leads
            ))));
        }
        leads = Some(given.clone());
    } else if layout.n_leads == 12 {
        leads = Some(STANDARD_12.map(String::from).to_vec());
        if target.role == Role::Cpsc {
            conventions.push("leads I, II, III, aVR, aVL, aVF, V1–V6");
        } else {
            warnings.push("ecglens: no lead names in the file; its 12 leads read in the standard order I, II, III, aVR, aVL, aVF, V1–V6".to_string());
        }
    }

    // Which record of a batch.
    let part = if layout.batch {
        if options.item >= layout.n_parts {
            return Err(mal(MatError::Malformed(format!(
                "record {} was asked for, but the array `{path}` ({}) holds {} records",
                options.item + 1,
                shape(&target.array.dims),
                layout.n_parts
            ))));
        }
        Some(Part { index: options.item, count: layout.n_parts, label: format!("{path}({},:,:)", options.item + 1) })
    } else {
        if options.item > 0 {
            return Err(mal(MatError::Malformed(format!(
                "record {} was asked for, but the file holds one record (`{path}`, {})",
                options.item + 1,
                shape(&target.array.dims)
            ))));
        }
        None
    };

    // The sampling rate: the file's, else the user's, else the CPSC layout's, else asked.
    let file_rate = match find(target.entry, &parsed.variables, &RATE_NAMES) {
        Some((var, value)) => match value.as_scalar() {
            Some(rate) if rate.is_finite() && rate > 0.0 => Some((var, rate)),
            Some(rate) => {
                return Err(mal(MatError::Malformed(format!(
                    "`{var}` says the sampling rate is {rate} Hz, which is not a rate"
                ))))
            }
            None => {
                warnings.push(format!(
                    "ecglens: `{var}` ({}) is not one number, so not read as the sampling rate",
                    value.describe()
                ));
                None
            }
        },
        None => None,
    };
    let rate = match (file_rate, options.sample_rate_hz) {
        (Some((var, rate)), given) => {
            if given.is_some_and(|g| g != rate) {
                warnings.push(format!(
                    "ecglens: the file gives the sampling rate ({var} = {rate} Hz); the {} Hz given was not used",
                    given.unwrap_or(rate)
                ));
            }
            Some(rate)
        }
        (None, Some(given)) => Some(given),
        (None, None) if target.role == Role::Cpsc => {
            conventions.push("500 Hz");
            Some(500.0)
        }
        (None, None) => None,
    };
    if let Some(rate) = rate {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(mal(MatError::Malformed(format!("the sampling rate {rate} Hz given is not a rate"))));
        }
    }

    // The stretch to read.
    let mut first = 0usize;
    let mut n_samples = layout.n_samples;
    let mut window_info = None;
    if let (Some(window), Some(rate)) = (options.window, rate) {
        let total_s = layout.n_samples as f64 / rate;
        let start = (window.start_s * rate).round();
        let len = (window.duration_s * rate).round();
        if !(start.is_finite() && len.is_finite() && start >= 0.0 && len >= 1.0) || start >= layout.n_samples as f64 {
            return Err(mal(MatError::Malformed(format!(
                "the stretch asked for ({} s from {} s) is not within the recording ({total_s:.3} s)",
                window.duration_s, window.start_s
            ))));
        }
        first = start as usize;
        n_samples = (len as usize).min(layout.n_samples - first);
        window_info = Some(WindowInfo {
            start_s: first as f64 / rate,
            duration_s: n_samples as f64 / rate,
            total_duration_s: total_s,
        });
    }
    let total = n_samples.saturating_mul(layout.n_leads);
    if total > limits::MAX_TOTAL_SAMPLES {
        return Err(mal(MatError::TooLarge(format!(
            "the array `{path}` holds {} samples; ecglens reads at most {}",
            thousands(total),
            thousands(limits::MAX_TOTAL_SAMPLES)
        ))));
    }
    if let Some(rate) = rate {
        let duration_s = n_samples as f64 / rate;
        if duration_s > limits::MAX_DURATION_S {
            return Err(mal(MatError::TooLarge(format!(
                "the array `{path}` lasts {:.1} hours at {rate} Hz; ecglens reads at most {} hours",
                duration_s / 3600.0,
                limits::MAX_DURATION_S / 3600.0
            ))));
        }
    }

    // Every value once: non-finite ones are refused (naming lead and time), the largest magnitude kept.
    let index = |part: usize, lead: usize, sample: usize| {
        part * layout.part_stride + lead * layout.lead_stride + (first + sample) * layout.sample_stride
    };
    let data = &target.array.data;
    let part_index = part.as_ref().map_or(0, |p| p.index);
    let mut peak = 0.0f64;
    for lead in 0..layout.n_leads {
        for sample in 0..n_samples {
            let v = data.get(index(part_index, lead, sample)).unwrap_or(f64::NAN);
            if !v.is_finite() {
                let name = leads
                    .as_ref()
                    .and_then(|l| l.get(lead))
                    .map_or(format!("lead {}", lead + 1), |n| lead_name(n, lead));
                let when = rate.map_or(String::new(), |r| format!(" ({:.3} s)", (first + sample) as f64 / r));
                return Err(mal(MatError::Malformed(format!(
                    "lead {name} of `{path}` has an invalid value ({v}) at sample {}{when}",
                    thousands(first + sample + 1)
                ))));
            }
            peak = peak.max(v.abs());
        }
    }

    // Units: the user's, else CinC's ADC units are asked, CPSC's are mV, else from the amplitude.
    let mut questions = Vec::new();
    if rate.is_none() {
        questions.push(Question::SampleRate { suggested_hz: DEFAULT_SAMPLE_RATE_HZ });
    }
    if leads.is_none() {
        questions.push(Question::Leads { count: layout.n_leads, suggested: suggested_leads(layout.n_leads) });
    }
    let units = match (options.units, target.role) {
        (Some(units), _) => Some(units),
        (None, Role::Cinc) => {
            questions.push(Question::Units { suggested: Units::Raw(1000.0) });
            None
        }
        (None, Role::Cpsc) => {
            conventions.push("mV");
            Some(Units::Millivolts)
        }
        (None, _) => match units_from_amplitude(peak) {
            Some(units) => {
                warnings.push(format!(
                    "ecglens: no units in the file; values up to {} read as {}",
                    amplitude(peak),
                    units.label()
                ));
                Some(units)
            }
            None => {
                questions.push(Question::Units { suggested: Units::Microvolts });
                None
            }
        },
    };
    let (Some(rate), Some(leads), Some(units), true) = (rate, leads, units, questions.is_empty()) else {
        return Err(SignalError::NeedsInput { file: file.to_string(), format: LABEL, questions });
    };
    if !conventions.is_empty() {
        warnings.insert(
            0,
            format!(
                "ecglens: CPSC 2018 layout (struct `ECG` with `data`) and the file does not say more: read at {}, as that challenge defines",
                conventions.join(", ")
            ),
        );
    }

    let mv_per_unit = units.mv_per_unit();
    let mut record_leads = Vec::with_capacity(layout.n_leads);
    for (lead, raw_name) in leads.iter().enumerate() {
        let name = lead_name(raw_name, lead);
        let mut samples_mv = Vec::with_capacity(n_samples);
        for sample in 0..n_samples {
            let v = (data.get(index(part_index, lead, sample)).unwrap_or(0.0) * mv_per_unit) as f32;
            if !v.is_finite() {
                return Err(mal(MatError::Malformed(format!(
                    "lead {name} of `{path}` at sample {} is too large to be an ECG in {}",
                    thousands(first + sample + 1),
                    units.label()
                ))));
            }
            samples_mv.push(v);
        }
        record_leads.push(Lead { name, samples_mv });
    }

    let mut source =
        SourceInfo::new(Format::Matlab, format!("{}: `{path}`, {}", parsed.storage, target.entry.value.describe()));
    source.warnings = warnings;
    source.part = part;
    source.window = window_info;
    let mut comments: Vec<String> = parsed.text.iter().cloned().collect();
    let others: Vec<String> = parsed
        .variables
        .iter()
        .filter(|v| !v.name.is_empty() && Some(v.name.as_str()) != path.split('.').next())
        .take(20)
        .map(|v| format!("{} ({})", v.name, v.value.describe()))
        .collect();
    let mut note = format!("ecglens: read `{path}` ({})", target.entry.value.describe());
    if !others.is_empty() {
        note.push_str(&format!("; the file also holds {}", others.join(", ")));
    }
    comments.push(note);

    let mut patient = PatientIdentity::default();
    if let Some(sex) = find(target.entry, &parsed.variables, &["sex", "gender"]).and_then(|(_, v)| v.text_rows()) {
        PatientIdentity::set(&mut patient.sex, &sex.join(" "));
    }
    if let Some((_, age)) = find(target.entry, &parsed.variables, &["age"]) {
        match age.as_scalar() {
            Some(years) if years.is_finite() && years >= 0.0 && years.fract() == 0.0 => {
                PatientIdentity::set(&mut patient.age, &format!("{years}"))
            }
            Some(years) if years.is_finite() && years >= 0.0 => {
                PatientIdentity::set(&mut patient.age, &format!("{years:.1}"))
            }
            _ => {
                if let Some(text) = age.text_rows() {
                    PatientIdentity::set(&mut patient.age, &text.join(" "));
                }
            }
        }
    }

    let record = Record { name: open::record_name(file), sample_rate_hz: rate, leads: record_leads, comments };
    Ok(Opened { record, source, patient })
}
