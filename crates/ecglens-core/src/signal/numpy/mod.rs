//! NumPy arrays: `.npy` files and `.npz` archives of them, as research code saves ECGs (PTB-XL's benchmark
//! `X_test.npy` is records × 1000 samples × 12 leads, float64 mV at 100 Hz).
//!
//! An `.npy` file is a preamble (magic `\x93NUMPY`, version 1.0/2.0/3.0, header length), a Python-literal dict
//! (`descr` = element type, `fortran_order`, `shape`) and the elements, C or Fortran order. ecglens reads float32,
//! float64 and 1/2/4/8-byte integers in either byte order, and refuses other types (objects, complex, text) by
//! name. Shapes: `(samples,)` one lead; `(leads, samples)` or `(samples, leads)`, the leads axis being the one that
//! equals the number of lead names known (the user's, the archive's) or else the one ≤ 16; `(records, samples,
//! leads)` or `(records, leads, samples)` is a batch, of which only record `options.item` is read (only its bytes,
//! through [`ByteSource::read_at`]: a 1.6 GB `X_train.npy` is never loaded). An `.npz` is a ZIP of `.npy` members
//! (stored or deflated, read with the `zip` crate): the ECG array is the member named `X`/`data`/`ecg`/
//! `signals`/`tracings`/`x_test`... or else the largest float array of 2 or more dimensions; small members
//! `fs`/`sampling_rate` give the rate, `leads`/`lead_names` (a `<U3` array) the names, `units` the unit.
//!
//! A bare array does not say its rate, lead names or units: they come from the archive, else from `options`
//! (the user, or a sidecar JSON), else the reader asks ([`SignalError::NeedsInput`]) with a suggestion. Units
//! are decided from the amplitude (with a warning saying so) when that is clear.
//!
//! Reference: numpy's own reader and writer, `numpy/lib/_format_impl.py` (github numpy/numpy: `_read_array_header`,
//! `_wrap_header`, `descr_to_dtype`); the tests compare with `numpy.load` (tools/reference/make_numpy.py).
//! Hand-written, not `npyz` or `ndarray-npy`: both read a whole array from an `io::Read` into memory, while ecglens
//! must read one record of a batch by offset through a [`ByteSource`], bound every size before allocating, and
//! say in a clinician's words what is wrong; the format itself is a hundred lines.

mod header;
mod npz;

use super::leads::{canonical_lead_name, STANDARD_12};
use super::limits::{MAX_DURATION_S, MAX_FILE_BYTES, MAX_SIGNALS, MAX_TOTAL_SAMPLES};
use super::options::{ByteSource, InMemory, Question, ReadOptions, Units, DEFAULT_SAMPLE_RATE_HZ};
use super::source::{Format, Opened, Part, PatientIdentity, SourceInfo};
use super::{open, thousands, Lead, Record, SignalError};

pub use header::{Dtype, Header};

const FORMAT: &str = "NumPy";

/// At most this many leads are taken for the leads axis of an array when no lead names say otherwise.
pub const MAX_LEADS_GUESS: usize = 16;

fn malformed(file: &str, message: impl Into<String>) -> SignalError {
    SignalError::Malformed { file: file.to_string(), format: FORMAT, message: message.into() }
}

/// Reads a NumPy file (`.npy`, or an `.npz` archive) from `bytes`; `file` names it in messages and gives the
/// record its name.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    if bytes.starts_with(b"PK") {
        return npz::read(file, bytes, options);
    }
    read_source(file, &InMemory { file, bytes }, options)
}

/// Reads an `.npy` file through `source`: its header, then only the bytes of the record asked for.
pub fn read_source(file: &str, source: &dyn ByteSource, options: &ReadOptions) -> Result<Opened, SignalError> {
    let array = Array::open(file, source)?;
    let stem = open::record_name(file);
    let detail = format!(".npy v{}.{}", array.version.0, array.version.1);
    read_array(
        file,
        source,
        &array,
        options,
        &Facts::default(),
        &ArrayName { label: stem, what: "the array".into(), detail },
    )
}

/// An `.npy` array's header and where its data lies.
#[derive(Debug, Clone)]
struct Array {
    header: Header,
    dtype: Dtype,
    version: (u8, u8),
    data_start: u64,
    /// Bytes after the array's data (ignored, with a warning).
    extra_bytes: u64,
}

impl Array {
    fn open(file: &str, source: &dyn ByteSource) -> Result<Array, SignalError> {
        let (preamble, header) = read_header(file, source)?;
        let dtype = header.dtype.clone().map_err(|m| malformed(file, m))?;
        let need = header
            .n_elements()
            .and_then(|n| n.checked_mul(dtype.size))
            .and_then(|n| u64::try_from(n).ok())
            .and_then(|n| n.checked_add(preamble.data_start() as u64))
            .ok_or_else(|| SignalError::TooLarge {
                file: file.to_string(),
                message: format!("its shape {} is beyond any size", header.shape_text()),
            })?;
        if need > source.len() {
            return Err(malformed(
                file,
                format!(
                    "the header says shape {} of {}, which needs {} bytes, but the file holds {}: it is truncated",
                    header.shape_text(),
                    dtype.name(),
                    thousands_u64(need),
                    thousands_u64(source.len())
                ),
            ));
        }
        Ok(Array {
            dtype,
            version: (preamble.major, preamble.minor),
            data_start: preamble.data_start() as u64,
            extra_bytes: source.len() - need,
            header,
        })
    }
}

/// The preamble and the parsed header of the `.npy` in `source`.
fn read_header(file: &str, source: &dyn ByteSource) -> Result<(header::Preamble, Header), SignalError> {
    let head_len = usize::try_from(source.len().min(12)).unwrap_or(12);
    let head = source.read_at(0, head_len)?;
    let preamble = header::preamble(&head).map_err(|m| malformed(file, m))?;
    let end = preamble.data_start() as u64;
    if end > source.len() {
        return Err(malformed(
            file,
            format!(
                "its header needs {} bytes but the file holds {}: it is truncated",
                thousands_u64(end),
                thousands_u64(source.len())
            ),
        ));
    }
    let raw = source.read_at(preamble.header_start as u64, preamble.header_len)?;
    // Versions 1.0 and 2.0 write the header in latin-1, 3.0 in UTF-8.
    let text: String = if preamble.major >= 3 {
        String::from_utf8(raw).map_err(|_| malformed(file, "its version 3.0 header is not UTF-8 text"))?
    } else {
        raw.iter().map(|&b| char::from(b)).collect()
    };
    let header = header::parse(&text).map_err(|m| malformed(file, m))?;
    Ok((preamble, header))
}

/// What an archive says beside the ECG array.
#[derive(Debug, Clone, Default)]
struct Facts {
    sample_rate_hz: Option<(f64, String)>,
    leads: Option<(Vec<String>, String)>,
    units: Option<(Units, String)>,
    comments: Vec<String>,
}

/// How messages and the part label name the array.
struct ArrayName {
    /// The part label's stem: the file's stem ("X_test") or the archive member's name.
    label: String,
    /// "the array", "array 'X'".
    what: String,
    /// ".npy v1.0", ".npz member X (v1.0)".
    detail: String,
}

/// Which axis is which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// `Some(n)` for a batch of `n` records (the first axis).
    records: Option<usize>,
    /// Within a record: leads before samples.
    leads_first: bool,
    n_leads: usize,
    n_samples: usize,
}

impl Layout {
    /// "leads × samples", "records × samples × leads".
    fn describe(&self) -> &'static str {
        match (self.records.is_some(), self.leads_first) {
            (false, _) if self.n_leads == 1 => "one lead",
            (false, true) => "leads × samples",
            (false, false) => "samples × leads",
            (true, true) => "records × leads × samples",
            (true, false) => "records × samples × leads",
        }
    }
}

/// The layout of `shape`; `known_leads` is the number of lead names already known (they decide the axis).
fn layout(shape: &[usize], known_leads: Option<usize>, what: &str) -> Result<Layout, String> {
    let text = header::shape_text(shape);
    if shape.contains(&0) {
        return Err(format!("{what} has shape {text}: it is empty"));
    }
    let pick = |a: usize, b: usize| -> Result<bool, String> {
        match known_leads {
            Some(k) if a == k && b != k => Ok(true),
            Some(k) if b == k && a != k => Ok(false),
            Some(k) if a == k => Err(format!(
                "{what} has shape {text}: both axes are {k} long, so ecglens cannot tell leads from samples"
            )),
            Some(k) => Err(format!("{what} has shape {text}, but {k} lead names are given: no axis is {k} long")),
            None => match (a <= MAX_LEADS_GUESS, b <= MAX_LEADS_GUESS) {
                (true, false) => Ok(true),
                (false, true) => Ok(false),
                // Both small: the shorter is the leads (the user is asked for their names, which settles it).
                (true, true) => Ok(a <= b),
                (false, false) => Err(format!(
                    "{what} has shape {text}: neither axis is a plausible number of leads (at most {MAX_LEADS_GUESS}); give the lead names to say which axis holds the leads"
                )),
            },
        }
    };
    let (records, a, b) = match *shape {
        [n] => {
            if let Some(k) = known_leads.filter(|&k| k != 1) {
                return Err(format!("{what} has shape {text}, one signal, but {k} lead names are given"));
            }
            return Ok(Layout { records: None, leads_first: true, n_leads: 1, n_samples: n });
        }
        [a, b] => (None, a, b),
        [r, a, b] => (Some(r), a, b),
        _ => {
            return Err(format!(
                "{what} has shape {text}: expected (samples,), (leads, samples), (samples, leads), (records, samples, leads) or (records, leads, samples)"
            ))
        }
    };
    let leads_first = pick(a, b)?;
    let (n_leads, n_samples) = if leads_first { (a, b) } else { (b, a) };
    Ok(Layout { records, leads_first, n_leads, n_samples })
}

/// Reads record `options.item` of `array` (in `source`) into an [`Opened`].
fn read_array(
    file: &str,
    source: &dyn ByteSource,
    array: &Array,
    options: &ReadOptions,
    facts: &Facts,
    name: &ArrayName,
) -> Result<Opened, SignalError> {
    let mut warnings = Vec::new();
    let known = facts.leads.as_ref().map(|(l, _)| l.len()).or(options.leads.as_ref().map(Vec::len));
    let layout = layout(&array.header.shape, known, &name.what).map_err(|m| malformed(file, m))?;
    let part = match layout.records {
        Some(count) if options.item >= count => {
            return Err(malformed(
                file,
                format!(
                    "record {} was asked for, but {} holds {} records (0 to {})",
                    options.item,
                    name.what,
                    thousands(count),
                    count - 1
                ),
            ))
        }
        Some(count) => Some(Part { index: options.item, count, label: format!("{}[{}]", name.label, options.item) }),
        None => None,
    };
    if layout.n_leads > MAX_SIGNALS {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!(
                "{} has {} leads; ecglens reads at most {MAX_SIGNALS}",
                name.what,
                thousands(layout.n_leads)
            ),
        });
    }
    let n_values =
        layout.n_leads.checked_mul(layout.n_samples).filter(|&n| n <= MAX_TOTAL_SAMPLES).ok_or_else(|| {
            SignalError::TooLarge {
                file: file.to_string(),
                message: format!(
                    "a record of {} holds {} leads × {} samples; ecglens reads at most {} samples in all",
                    name.what,
                    thousands(layout.n_leads),
                    thousands(layout.n_samples),
                    thousands(MAX_TOTAL_SAMPLES)
                ),
            }
        })?;
    let mut raw = read_record(file, source, array, &layout, options.item, n_values)?;

    // The rate.
    let mut questions = Vec::new();
    let sample_rate_hz = match (&facts.sample_rate_hz, options.sample_rate_hz) {
        (Some((rate, member)), given) => {
            if given.is_some_and(|g| (g - rate).abs() > 1e-9) {
                warnings.push(format!(
                    "ecglens: the archive's '{member}' says {rate} Hz; the {} Hz given was not used",
                    given.unwrap_or_default()
                ));
            }
            Some(*rate)
        }
        (None, Some(given)) => Some(given),
        (None, None) => {
            questions.push(Question::SampleRate { suggested_hz: suggested_rate(layout.n_samples) });
            None
        }
    };
    if let Some(rate) = sample_rate_hz {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(malformed(file, format!("the sampling rate {rate} Hz is not a positive number")));
        }
        if layout.n_samples as f64 / rate > MAX_DURATION_S {
            return Err(SignalError::TooLarge {
                file: file.to_string(),
                message: format!(
                    "{} samples at {rate} Hz last more than the {} hours ecglens reads",
                    thousands(layout.n_samples),
                    MAX_DURATION_S / 3600.0
                ),
            });
        }
    }

    // The lead names.
    let names: Option<Vec<String>> = match (&facts.leads, &options.leads) {
        (Some((names, member)), given) => {
            if given.as_ref().is_some_and(|g| g != names) {
                warnings.push(format!(
                    "ecglens: the archive's '{member}' names the leads {}; the names given were not used",
                    names.join(", ")
                ));
            }
            Some(names.clone())
        }
        (None, Some(given)) => Some(given.clone()),
        (None, None) => {
            questions.push(Question::Leads { count: layout.n_leads, suggested: suggested_leads(layout.n_leads) });
            None
        }
    };

    // Non-finite values are refused before anything is asked: answering would not help.
    if let Some(at) = raw.iter().position(|v| !v.is_finite()) {
        let (lead, sample) = (at / layout.n_samples, at % layout.n_samples);
        let lead_name = names.as_ref().and_then(|n| n.get(lead)).cloned().unwrap_or_else(|| format!("{}", lead + 1));
        let when = sample_rate_hz.map(|r| format!(" ({:.3} s)", sample as f64 / r)).unwrap_or_default();
        return Err(malformed(
            file,
            format!(
                "lead {lead_name} has an invalid value ({}) at sample {}{when}: ecglens does not fill gaps in arrays",
                raw.get(at).copied().unwrap_or(f32::NAN),
                thousands(sample)
            ),
        ));
    }

    // The units.
    let units = match (&facts.units, options.units) {
        (Some((units, _)), _) => Some(*units),
        (None, Some(units)) => Some(units),
        (None, None) => {
            let peak = raw.iter().fold(0.0f64, |m, v| m.max(f64::from(v.abs())));
            match units_from_peak(peak) {
                Ok((units, warning)) => {
                    warnings.push(warning);
                    Some(units)
                }
                Err(question) => {
                    questions.push(question);
                    None
                }
            }
        }
    };

    let (Some(sample_rate_hz), Some(names), Some(units), true) = (sample_rate_hz, names, units, questions.is_empty())
    else {
        return Err(SignalError::NeedsInput { file: file.to_string(), format: FORMAT, questions });
    };
    if names.len() != layout.n_leads {
        return Err(malformed(
            file,
            format!("{} names are given for the {} leads of {}", names.len(), layout.n_leads, name.what),
        ));
    }
    let mv_per_unit = units.mv_per_unit();
    let mut leads = Vec::with_capacity(layout.n_leads);
    for (k, lead_name) in names.iter().enumerate().rev() {
        let start = k * layout.n_samples;
        let samples_mv: Vec<f32> = raw.drain(start..).map(|v| (f64::from(v) * mv_per_unit) as f32).collect();
        leads.push(Lead { name: lead_label(lead_name, k), samples_mv });
    }
    leads.reverse();

    if array.extra_bytes > 0 {
        warnings.push(format!("ecglens: {} bytes after the array were ignored", thousands_u64(array.extra_bytes)));
    }
    let mut comments = facts.comments.clone();
    if let Some((_, member)) = &facts.units {
        comments.push(format!("ecglens: units {} from the archive's '{member}'", units.label()));
    }
    let detail = format!(
        "{}, {} {}, {}{}",
        name.detail,
        array.dtype.name(),
        array.header.shape_text(),
        layout.describe(),
        if array.header.fortran_order { " (Fortran order)" } else { "" }
    );
    let mut source_info = SourceInfo::new(Format::Numpy, detail);
    source_info.warnings = warnings;
    source_info.part = part;
    let record = Record { name: open::record_name(file), sample_rate_hz, leads, comments };
    Ok(Opened { record, source: source_info, patient: PatientIdentity::default() })
}

/// The values of record `item` (all of a single-record array) as lead-major `f32`, in the file's units.
fn read_record(
    file: &str,
    source: &dyn ByteSource,
    array: &Array,
    layout: &Layout,
    item: usize,
    n_values: usize,
) -> Result<Vec<f32>, SignalError> {
    let shape = &array.header.shape;
    // Element strides in the flat data, C (row-major) or Fortran (column-major) order.
    let mut strides = vec![1usize; shape.len()];
    if array.header.fortran_order {
        for k in 1..shape.len() {
            strides[k] = strides[k - 1].saturating_mul(shape[k - 1]);
        }
    } else {
        for k in (0..shape.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1].saturating_mul(shape[k + 1]);
        }
    }
    let batch = usize::from(layout.records.is_some());
    let (lead_axis, sample_axis) = match (shape.len() - batch, layout.leads_first) {
        (1, _) => (None, batch),
        (_, true) => (Some(batch), batch + 1),
        (_, false) => (Some(batch + 1), batch),
    };
    let base = if layout.records.is_some() { item.saturating_mul(strides[0]) } else { 0 };
    let lead_stride = lead_axis.map_or(0, |a| strides[a]);
    let sample_stride = strides[sample_axis];
    let last = base
        .saturating_add((layout.n_leads - 1).saturating_mul(lead_stride))
        .saturating_add((layout.n_samples - 1).saturating_mul(sample_stride));
    let span_bytes = (last - base).saturating_add(1).saturating_mul(array.dtype.size);
    if span_bytes > MAX_FILE_BYTES {
        let message = if array.header.fortran_order && layout.records.is_some() {
            format!(
                "one record of this Fortran-order batch spreads over {} MB of the file; save it in C order (np.ascontiguousarray) to read one record at a time",
                span_bytes / 1_048_576
            )
        } else {
            format!(
                "one record is {} MB; ecglens reads at most {} MB",
                span_bytes / 1_048_576,
                MAX_FILE_BYTES / 1_048_576
            )
        };
        return Err(SignalError::TooLarge { file: file.to_string(), message });
    }
    let offset = array.data_start.saturating_add((base as u64).saturating_mul(array.dtype.size as u64));
    let bytes = source.read_at(offset, span_bytes)?;
    let size = array.dtype.size;
    let mut out = Vec::with_capacity(n_values);
    for lead in 0..layout.n_leads {
        for sample in 0..layout.n_samples {
            let at = (lead * lead_stride + sample * sample_stride) * size;
            let value = bytes.get(at..at + size).map_or(f64::NAN, |b| array.dtype.value(b));
            out.push(value as f32);
        }
    }
    Ok(out)
}

/// The lead's name: the standard name where the label maps to one, else the label itself.
pub(crate) fn lead_label(raw: &str, index: usize) -> String {
    match canonical_lead_name(raw) {
        Some(standard) => standard.to_string(),
        None if raw.trim().is_empty() => format!("lead {}", index + 1),
        None => raw.trim().to_string(),
    }
}

/// The rate the app proposes for `n_samples` per lead: a 10-second record's rate when the length is one of the
/// usual ones (1,000 → 100 Hz as in PTB-XL's low-rate set, 4,096 → 400 Hz as in CODE-15%), else 500 Hz.
pub(crate) fn suggested_rate(n_samples: usize) -> f64 {
    match n_samples {
        1000 => 100.0,
        2500 => 250.0,
        4096 => 400.0,
        5000 => 500.0,
        10000 => 1000.0,
        _ => DEFAULT_SAMPLE_RATE_HZ,
    }
}

/// The lead names the app proposes for `count` leads: the standard 12, the 8 independent leads, the 6 limb
/// leads, I-II-III, I-II, II; else "1", "2", ...
pub(crate) fn suggested_leads(count: usize) -> Vec<String> {
    let pick = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    match count {
        12 => pick(&STANDARD_12),
        8 => pick(&["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]),
        6 => pick(&STANDARD_12[..6]),
        3 => pick(&["I", "II", "III"]),
        2 => pick(&["I", "II"]),
        1 => pick(&["II"]),
        _ => (1..=count).map(|k| k.to_string()).collect(),
    }
}

/// The unit of numbers whose largest magnitude is `peak`, when their size makes it clear (with the warning that
/// says so), or the question to ask. A QRS is 0.5-3 mV: values up to 30 are mV, from 100 to 100,000 µV (or raw
/// units of 1,000 per mV, which is the same); in between, or tiny (Volts?), or beyond, ecglens asks.
pub(crate) fn units_from_peak(peak: f64) -> Result<(Units, String), Question> {
    let shown = if peak >= 100.0 { thousands(peak.round() as usize) } else { format!("{peak:.3}") };
    if peak == 0.0 {
        return Ok((Units::Millivolts, "ecglens: no units in the file and every value is 0; read as mV".into()));
    }
    if peak < 0.02 {
        return Err(Question::Units { suggested: Units::Volts });
    }
    if peak <= 30.0 {
        return Ok((Units::Millivolts, format!("ecglens: no units in the file; values up to {shown} read as mV")));
    }
    if (100.0..=100_000.0).contains(&peak) {
        return Ok((Units::Microvolts, format!("ecglens: no units in the file; values up to {shown} read as µV")));
    }
    Err(Question::Units { suggested: Units::Microvolts })
}

fn thousands_u64(n: u64) -> String {
    usize::try_from(n).map_or_else(|_| n.to_string(), thousands)
}

#[cfg(test)]
mod tests;
