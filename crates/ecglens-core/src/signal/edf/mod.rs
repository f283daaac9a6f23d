//! EDF, EDF+ and BDF/BDF+ recordings (European Data Format), from bytes or through a [`ByteSource`].
//!
//! An EDF file is an ASCII header (256 bytes, then 256 per signal: label, transducer, physical dimension, physical
//! and digital minimum/maximum, prefiltering, samples per data record) followed by data records of fixed
//! duration, each holding every signal's samples for that stretch as 16-bit little-endian integers (BDF, from
//! BioSemi: 24-bit). Physical value = (digital − digital min) · (physical max − physical min) / (digital max −
//! digital min) + physical min. EDF+ adds "EDF Annotations" signals of time-stamped annotation lists ([`tal`]),
//! whose first list in each record gives the record's start time, and marks the file continuous ("EDF+C") or not
//! ("EDF+D").
//!
//! Read here: the header ([`header`]), EDF+'s patient and recording subfields ([`identity`]: patient → the
//! [`PatientIdentity`], equipment and start → the device report), the ECG signals chosen by label ([`channels`];
//! or the ones `options.leads` names), converted to mV from their dimension; ECG signals at lower rates are
//! resampled to the highest ([`super::resample`]); annotations become [`Event`]s.
//! EDF+D: the records are concatenated in file order, and each gap between them (from the records' time-keeping
//! annotations) is a warning and an [`Event`] at the join; events' onsets are on that joined trace (seconds from
//! its first sample), so they line up with the samples. [`read_source`] reads the header and then only the data
//! records a [`ReadOptions::window`] needs, and [`probe`] describes a file from its header alone.
//!
//! Followed: the EDF spec (Kemp et al. 1992, <https://www.edfplus.info/specs/edf.html>), the EDF+ spec (Kemp &
//! Olivan 2003, <https://www.edfplus.info/specs/edfplus.html>), BioSemi's BDF notes and EDFlib's reader
//! (Teunis van Beelen, github.com/holgern/pyedflib `pyedflib/_extensions/c/edflib.c`), which is also the reference
//! the tests compare with (through pyedflib).
//!
//! Hand-written because no maintained pure-Rust crate reads EDF/BDF from bytes on wasm32: `edf-reader` (0.6,
//! 2019) reads plain EDF only, through futures 0.1 and chrono, with no BDF and no EDF+ annotations; `edfplus`
//! (0.1) and `edf-rs` (0.1) open file paths and read EDF/EDF+ only (no BDF). The format is small: the header is
//! fixed-width ASCII and the data are plain integers.

mod channels;
mod header;
mod identity;
mod tal;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use self::header::{Header, Plus};
use super::options::{ByteSource, InMemory, Question, ReadOptions, Units};
use super::source::{Event, Format, Opened, SourceInfo, WindowInfo};
use super::{limits, thousands, Lead, Record, SignalError};

pub use self::channels::ecg_name;
pub use self::header::MAX_HEADER_SIGNALS;

const FORMAT: &str = "EDF/BDF";
/// At most this many annotations are kept (a hostile file could hold millions).
pub const MAX_EVENTS: usize = 100_000;
/// Data records are read in pieces of about this many bytes.
const CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// A window of a file with at most this many records reads every record's annotations (one small read each).
const MAX_SCANNED_RECORDS: u64 = 200_000;
/// The same for EDF+C, where the scan only finds annotations (see `read_source`).
const MAX_SCANNED_CONTINUOUS: u64 = 10_000;

fn malformed(file: &str, message: impl Into<String>) -> SignalError {
    SignalError::Malformed { file: file.to_string(), format: FORMAT, message: message.into() }
}

/// One signal as the header describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdfSignal {
    pub label: String,
    /// The lead name ecglens gives it when it is an ECG signal ([`ecg_name`]), else `None`.
    pub ecg_name: Option<String>,
    /// An EDF+ annotation signal (no samples).
    pub is_annotation: bool,
    pub samples_per_record: usize,
    /// `None` when the record duration is 0 (an annotation-only file).
    pub sample_rate_hz: Option<f64>,
    pub dimension: String,
}

/// What a file's header says: its variant, signals and duration ([`probe`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdfLayout {
    /// "EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D".
    pub variant: String,
    pub header_bytes: usize,
    pub record_bytes: usize,
    pub record_duration_s: f64,
    /// `None` when the header says -1 (unknown: the file size tells).
    pub n_records: Option<u64>,
    /// Records × their duration (for EDF+D, the duration of the joined trace).
    pub total_duration_s: Option<f64>,
    pub signals: Vec<EdfSignal>,
}

/// How many bytes of the file's start [`probe`] needs, from its first 256 bytes.
pub fn header_len(file: &str, head: &[u8]) -> Result<usize, SignalError> {
    header::header_len(head).map_err(|m| malformed(file, m))
}

/// Describes a file from its header bytes alone (`head` holds at least [`header_len`] bytes).
pub fn probe(file: &str, head: &[u8]) -> Result<EdfLayout, SignalError> {
    let h = header::parse(head).map_err(|m| malformed(file, m))?;
    let n_records = u64::try_from(h.n_records_stated).ok();
    Ok(EdfLayout {
        variant: h.variant().to_string(),
        header_bytes: h.header_bytes,
        record_bytes: h.record_bytes,
        record_duration_s: h.record_duration_s,
        n_records,
        total_duration_s: n_records.map(|n| n as f64 * h.record_duration_s),
        signals: h
            .signals
            .iter()
            .map(|s| EdfSignal {
                label: s.label.clone(),
                ecg_name: if s.is_annotation() { None } else { ecg_name(&s.label) },
                is_annotation: s.is_annotation(),
                samples_per_record: s.samples_per_record,
                sample_rate_hz: rate(s.samples_per_record, h.record_duration_s),
                dimension: s.dimension.clone(),
            })
            .collect(),
    })
}

/// Samples per second of a signal, rounded to a millionth of a hertz (so that 500 samples in "0.1" s is 5000 Hz).
fn rate(samples_per_record: usize, record_duration_s: f64) -> Option<f64> {
    (record_duration_s > 0.0).then(|| {
        let r = samples_per_record as f64 / record_duration_s;
        let rounded = (r * 1e6).round() / 1e6;
        if (rounded - r).abs() <= 1e-9 * r.max(1.0) {
            rounded
        } else {
            r
        }
    })
}

/// Reads an EDF/BDF file from `bytes`; `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    read_source(file, &InMemory { file, bytes }, options)
}

/// How long the recording in `source` is, in seconds (for EDF+D, the joined trace), from its header and size alone:
/// what a long recording's first request needs to know before it reads a window.
pub fn duration_s(file: &str, source: &dyn ByteSource) -> Result<f64, SignalError> {
    let h = read_header(file, source)?;
    let n_records = count_records(file, &h, source.len(), &mut Vec::new())?;
    Ok(n_records as f64 * h.record_duration_s)
}

/// The header of the file in `source`: its first 256 bytes say how long it is, then all of it is read and parsed.
fn read_header(file: &str, source: &dyn ByteSource) -> Result<Header, SignalError> {
    let len = source.len();
    let first = source.read_at(0, usize::try_from(len.min(256)).unwrap_or(256))?;
    let header_bytes = header::header_len(&first).map_err(|m| malformed(file, m))?;
    let head = if (header_bytes as u64) <= len { source.read_at(0, header_bytes)? } else { first };
    header::parse(&head).map_err(|m| malformed(file, m))
}

/// One chosen signal: its index in the header, the name it gets, and its calibration.
struct Chosen {
    index: usize,
    name: String,
    samples_per_record: usize,
    rate_hz: f64,
    gain: f64,
    digital_min: f64,
    physical_min: f64,
    unit: Option<Units>,
}

/// Reads an EDF/BDF file through `source`: the header first, then only the data records needed (all of them, or
/// those covering `options.window`).
pub fn read_source(file: &str, source: &dyn ByteSource, options: &ReadOptions) -> Result<Opened, SignalError> {
    let len = source.len();
    let h = read_header(file, source)?;
    let mut warnings = Vec::new();
    let n_records = count_records(file, &h, len, &mut warnings)?;
    let mut chosen = choose(file, &h, options, &mut warnings)?;
    let target_hz = chosen.iter().map(|c| c.rate_hz).fold(0.0f64, f64::max);
    let spr_target = chosen.iter().map(|c| c.samples_per_record).max().unwrap_or(0);
    if let Some(asked) = options.sample_rate_hz {
        if (asked - target_hz).abs() > 1e-9 * target_hz {
            warnings.push(format!(
                "ecglens: the file says {} Hz; the {} Hz given is not used",
                hz(target_hz),
                hz(asked)
            ));
        }
    }
    let resampling = chosen.iter().any(|c| c.samples_per_record != spr_target);

    // Which records, which samples of the joined trace.
    let total_samples =
        n_records.checked_mul(spr_target as u64).ok_or_else(|| malformed(file, "the recording is impossibly long"))?;
    let total_duration_s = n_records as f64 * h.record_duration_s;
    let (want_start, want_end) = match options.window {
        None => (0u64, total_samples),
        Some(w) => window_samples(file, w, target_hz, total_samples, total_duration_s)?,
    };
    check_size(file, &chosen, want_end - want_start, target_hz, options.window.is_some())?;
    let spr = spr_target as u64;
    let margin = if resampling {
        let min_spr = chosen.iter().map(|c| c.samples_per_record).min().unwrap_or(1).max(1) as u64;
        16u64.div_ceil(min_spr)
    } else {
        0
    };
    let first_record = (want_start / spr).saturating_sub(margin);
    let end_record = want_end.div_ceil(spr).saturating_add(margin).min(n_records);

    // The data.
    let annotations: Vec<usize> = if h.plus.is_some() {
        h.signals.iter().enumerate().filter(|(_, s)| s.is_annotation()).map(|(i, _)| i).collect()
    } else {
        Vec::new()
    };
    let data = read_records(file, source, &h, &chosen, &annotations, first_record, end_record)?;
    let mut samples = data.samples;

    // Units the file does not state: the user's, or decided from the amplitude.
    decide_units(file, &h, &mut chosen, &samples, options.units, &mut warnings)?;
    for (c, x) in chosen.iter().zip(samples.iter_mut()) {
        let mv = c.unit.map_or(1.0, Units::mv_per_unit);
        for v in x.iter_mut() {
            *v = ((*v - c.digital_min) * c.gain + c.physical_min) * mv;
        }
    }

    // Time: record starts, gaps, events. A window's records need not hold its annotations (EDFlib writes them
    // into the first records, whatever their onset): then every record's annotation signal is read, one small read
    // per record. In EDF+D a window's start depends on every gap before it, so up to MAX_SCANNED_RECORDS; in EDF+C
    // the records follow one another and the scan is only for the annotations, so only up to
    // MAX_SCANNED_CONTINUOUS (a 24 h Holter's window must not make 86,400 reads of the file).
    let partial = first_record > 0 || end_record < n_records;
    let scan_limit = if h.plus == Some(Plus::Discontinuous) { MAX_SCANNED_RECORDS } else { MAX_SCANNED_CONTINUOUS };
    let (timing, timing_first) = if partial && !annotations.is_empty() && n_records <= scan_limit {
        (scan_annotations(file, source, &h, &annotations, n_records)?, 0)
    } else {
        if partial && !annotations.is_empty() {
            warnings.push(format!(
                "ecglens: only the annotations stored in the records of this stretch are shown (the file has more than {} records)",
                thousands(scan_limit as usize)
            ));
        }
        (Annotations { record_starts: data.record_starts, tals: data.tals, bad_tals: data.bad_tals }, first_record)
    };
    let t0 = match (annotations.first(), timing_first) {
        (Some(_), 0) => timing.record_starts.first().copied().flatten(),
        (Some(&a), _) => first_time_keeping(source, &h, a)?,
        (None, _) => None,
    }
    .unwrap_or(0.0);
    let mut events = Vec::new();
    let starts = record_starts(&h, &timing.record_starts, timing_first, t0, &mut warnings);
    gaps(&h, &starts, timing_first, &mut warnings, &mut events);
    let to_trace = |real: f64| trace_time(real, &starts, timing_first, h.record_duration_s);
    let mut kept_all = true;
    for tal in &timing.tals {
        for text in &tal.texts {
            if events.len() >= MAX_EVENTS {
                kept_all = false;
                break;
            }
            events.push(Event { onset_s: to_trace(tal.onset_s - t0), duration_s: tal.duration_s, text: text.clone() });
        }
    }
    if !kept_all {
        warnings.push(format!(
            "ecglens: the file holds more than {} annotations; the rest are not shown",
            thousands(MAX_EVENTS)
        ));
    }
    if timing.bad_tals > 0 {
        warnings.push(format!(
            "ecglens: {} annotation(s) could not be read (not EDF+ time-stamped annotation lists) and were skipped",
            thousands(timing.bad_tals)
        ));
    }
    if h.plus == Some(Plus::Discontinuous) && annotations.is_empty() {
        warnings.push("ecglens: the file says EDF+D (discontinuous) but has no annotation signal to time its records: they are read as one continuous trace".into());
    }

    // Rates: resample to the highest, then cut the window.
    for (c, x) in chosen.iter().zip(samples.iter_mut()) {
        if c.samples_per_record != spr_target {
            *x = super::resample::resample_to_rate(x, c.rate_hz, target_hz)?;
        }
    }
    let slow: Vec<String> = chosen
        .iter()
        .filter(|c| c.samples_per_record != spr_target)
        .map(|c| format!("{} ({} Hz)", c.name, hz(c.rate_hz)))
        .collect();
    if !slow.is_empty() {
        warnings.push(format!(
            "ecglens: resampled {} to {} Hz, the rate of the other ECG signals",
            slow.join(", "),
            hz(target_hz)
        ));
    }
    let read_start = first_record * spr;
    let from = usize::try_from(want_start - read_start).unwrap_or(usize::MAX);
    let n = usize::try_from(want_end - want_start).unwrap_or(0);
    let leads: Vec<Lead> = chosen
        .iter()
        .zip(samples)
        .map(|(c, x)| Lead {
            name: c.name.clone(),
            samples_mv: x.iter().skip(from).take(n).map(|&v| v as f32).collect(),
        })
        .collect();
    let window = options.window.map(|_| WindowInfo {
        start_s: want_start as f64 / target_hz,
        duration_s: n as f64 / target_hz,
        total_duration_s,
    });
    if let Some(w) = &window {
        let (a, b) = (w.start_s, w.start_s + w.duration_s);
        events.retain(|e| e.onset_s + e.duration_s.unwrap_or(0.0) >= a && e.onset_s <= b);
    }
    events.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));

    let (device, mut comments) = identity::device(&h, t0);
    for c in &chosen {
        let s = &h.signals[c.index];
        let mut said = Vec::new();
        if !s.transducer.is_empty() {
            said.push(format!("transducer {}", s.transducer));
        }
        if !s.prefiltering.is_empty() {
            said.push(format!("prefiltering {}", s.prefiltering));
        }
        if !said.is_empty() {
            comments.push(format!("{}: {}", c.name, said.join(", ")));
        }
    }
    let mut source_info = SourceInfo::new(Format::Edf, format!("{}, {} signals", h.variant(), h.signals.len()));
    source_info.device = device;
    source_info.warnings = warnings;
    source_info.events = events;
    source_info.window = window;
    let record = Record { name: super::open::record_name(file), sample_rate_hz: target_hz, leads, comments };
    // A record that is not valid is an error here, never a return value: a window can hold samples no whole-file
    // check saw (found by the fuzz target: a non-finite sample at a window's start, from a corrupt header).
    record.validate()?;
    Ok(Opened { record, source: source_info, patient: identity::patient(&h) })
}

/// "500", "487.5", "0.25".
fn hz(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The number of data records: the header's, checked against the file's size, or (header -1) the size's.
fn count_records(file: &str, h: &Header, len: u64, warnings: &mut Vec<String>) -> Result<u64, SignalError> {
    let data_bytes = len.saturating_sub(h.header_bytes as u64);
    let record_bytes = h.record_bytes as u64;
    let complete = data_bytes / record_bytes;
    let n = match u64::try_from(h.n_records_stated) {
        Err(_) => {
            warnings.push(format!(
                "ecglens: the header does not say how many data records there are (-1: the recording was not closed); the file's size gives {}",
                thousands(usize::try_from(complete).unwrap_or(usize::MAX))
            ));
            complete
        }
        Ok(stated) if stated > complete => {
            let needed = stated.saturating_mul(record_bytes).saturating_add(h.header_bytes as u64);
            return Err(malformed(
                file,
                format!(
                    "the header promises {} data records of {} bytes ({} s) after its {}-byte header, {} bytes, but the file is {} bytes: it is truncated",
                    thousands(usize::try_from(stated).unwrap_or(usize::MAX)),
                    thousands(h.record_bytes),
                    hz(stated as f64 * h.record_duration_s),
                    thousands(h.header_bytes),
                    thousands(usize::try_from(needed).unwrap_or(usize::MAX)),
                    thousands(usize::try_from(len).unwrap_or(usize::MAX))
                ),
            ));
        }
        Ok(stated) => {
            if data_bytes > stated * record_bytes {
                warnings.push(format!(
                    "ecglens: {} bytes after the last of the {} data records the header declares were ignored",
                    thousands(usize::try_from(data_bytes - stated * record_bytes).unwrap_or(usize::MAX)),
                    thousands(usize::try_from(stated).unwrap_or(usize::MAX))
                ));
            }
            stated
        }
    };
    if n == 0 {
        return Err(malformed(file, "it holds no data records (no samples)"));
    }
    Ok(n)
}

/// The signals to read: those `options.leads` names, else the ECG signals by label.
fn choose(
    file: &str,
    h: &Header,
    options: &ReadOptions,
    warnings: &mut Vec<String>,
) -> Result<Vec<Chosen>, SignalError> {
    let signals: Vec<(usize, &header::SignalHeader)> =
        h.signals.iter().enumerate().filter(|(_, s)| !(h.plus.is_some() && s.is_annotation())).collect();
    let labels: Vec<String> = signals.iter().map(|(_, s)| s.label.clone()).collect();
    let picked: Vec<(usize, String)> = match &options.leads {
        Some(wanted) => {
            let mut picked = Vec::new();
            let mut missing = Vec::new();
            for w in wanted {
                match signals.iter().find(|(_, s)| channels::names_signal(w, &s.label)) {
                    Some((i, s)) => picked.push((*i, channels::chosen_name(&s.label))),
                    None => missing.push(w.clone()),
                }
            }
            if !missing.is_empty() {
                return Err(SignalError::MissingLeads {
                    record: super::open::record_name(file),
                    missing,
                    available: labels,
                });
            }
            picked
        }
        None => {
            let picked: Vec<(usize, String)> =
                signals.iter().filter_map(|(i, s)| ecg_name(&s.label).map(|n| (*i, n))).collect();
            if picked.is_empty() {
                let what = if labels.is_empty() {
                    "it holds only annotations, no signals".to_string()
                } else {
                    format!("none of its {} signals is labelled as an ECG: {}", labels.len(), labels.join(", "))
                };
                return Err(malformed(
                    file,
                    format!("{what}. ecglens reads signals labelled ECG/EKG or with a lead name (I, II, V1, ...); name the signals to read (--leads in the CLI)"),
                ));
            }
            let left_out: Vec<&str> = signals
                .iter()
                .filter(|(i, _)| !picked.iter().any(|(p, _)| p == i))
                .map(|(_, s)| s.label.as_str())
                .collect();
            if !left_out.is_empty() {
                warnings.push(format!(
                    "ecglens: left out {} non-ECG signal{}: {}",
                    left_out.len(),
                    if left_out.len() == 1 { "" } else { "s" },
                    left_out.join(", ")
                ));
            }
            picked
        }
    };
    if picked.len() > limits::MAX_SIGNALS {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!(
                "it has {} ECG signals, more than the {} ecglens reads",
                picked.len(),
                limits::MAX_SIGNALS
            ),
        });
    }
    picked
        .into_iter()
        .map(|(index, name)| {
            let s = &h.signals[index];
            let bad = |what: &str| malformed(file, format!("signal {} ({}): {what}", index + 1, s.label));
            let rate_hz = rate(s.samples_per_record, h.record_duration_s).ok_or_else(|| {
                bad("the data records last 0 s (an annotation-only file), so it has no sampling rate")
            })?;
            if s.samples_per_record == 0 {
                return Err(bad("it has 0 samples per data record"));
            }
            let (Some(pmin), Some(pmax)) = (s.physical_min, s.physical_max) else {
                return Err(bad("its physical minimum or maximum is not a number"));
            };
            let (Some(dmin), Some(dmax)) = (s.digital_min, s.digital_max) else {
                return Err(bad("its digital minimum or maximum is not a whole number"));
            };
            if dmax == dmin {
                return Err(bad(&format!("its digital minimum and maximum are both {dmin}, so it has no scale")));
            }
            let gain = (pmax - pmin) / (dmax as f64 - dmin as f64);
            if !gain.is_finite() {
                return Err(bad("its physical and digital ranges give no finite scale"));
            }
            let unit = match s.dimension.as_str() {
                "nV" => Some(Units::Raw(1e6)),
                d => Units::parse(d),
            };
            Ok(Chosen {
                index,
                name,
                samples_per_record: s.samples_per_record,
                rate_hz,
                gain,
                digital_min: dmin as f64,
                physical_min: pmin,
                unit,
            })
        })
        .collect()
}

/// The window's first and end sample on the joined trace.
fn window_samples(
    file: &str,
    w: super::TimeWindow,
    rate_hz: f64,
    total_samples: u64,
    total_duration_s: f64,
) -> Result<(u64, u64), SignalError> {
    if !(w.start_s.is_finite() && w.duration_s.is_finite() && w.start_s >= 0.0 && w.duration_s > 0.0) {
        return Err(malformed(
            file,
            format!("the stretch asked for ({} s from {} s) is not a stretch of time", w.duration_s, w.start_s),
        ));
    }
    let start = (w.start_s * rate_hz).round();
    if start >= total_samples as f64 {
        return Err(malformed(
            file,
            format!(
                "the stretch asked for starts at {} s, but the recording is {} s long",
                hz(w.start_s),
                hz(total_duration_s)
            ),
        ));
    }
    let start = start as u64;
    let n = (w.duration_s * rate_hz).round().max(1.0).min(total_samples as f64) as u64;
    Ok((start, start.saturating_add(n).min(total_samples)))
}

fn check_size(file: &str, chosen: &[Chosen], n: u64, rate_hz: f64, windowed: bool) -> Result<(), SignalError> {
    let duration_s = n as f64 / rate_hz;
    let total = n.saturating_mul(chosen.len() as u64);
    if duration_s > limits::MAX_DURATION_S || total > limits::MAX_TOTAL_SAMPLES as u64 {
        let hint = if windowed { "ask for a shorter stretch" } else { "open a stretch of it (a window) instead" };
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!(
                "{} s ({:.1} hours) of {} signal(s) at {} Hz make {} samples, more than the {} hours or {} samples ecglens reads at once: {hint}",
                hz(duration_s.round()),
                duration_s / 3600.0,
                chosen.len(),
                hz(rate_hz),
                thousands(usize::try_from(total).unwrap_or(usize::MAX)),
                limits::MAX_DURATION_S / 3600.0,
                thousands(limits::MAX_TOTAL_SAMPLES)
            ),
        });
    }
    Ok(())
}

/// What the data records hold: each chosen signal's digital values (as f64, in record order), each record's
/// time-keeping onset, and the annotations.
struct Data {
    samples: Vec<Vec<f64>>,
    record_starts: Vec<Option<f64>>,
    tals: Vec<tal::Tal>,
    bad_tals: usize,
}

/// The records' time-keeping onsets (`None`: the record has none) and the annotations with text.
struct Annotations {
    record_starts: Vec<Option<f64>>,
    tals: Vec<tal::Tal>,
    bad_tals: usize,
}

fn digital(bytes: &[u8], bdf: bool, out: &mut Vec<f64>) {
    if bdf {
        out.extend(bytes.chunks_exact(3).map(|b| f64::from(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8)));
    } else {
        out.extend(bytes.chunks_exact(2).map(|b| f64::from(i16::from_le_bytes([b[0], b[1]]))));
    }
}

fn signal_bytes<'a>(file: &str, h: &Header, record: &'a [u8], index: usize) -> Result<&'a [u8], SignalError> {
    let s = &h.signals[index];
    let len = s.samples_per_record * h.bytes_per_sample();
    record.get(s.offset_in_record..s.offset_in_record + len).ok_or_else(|| {
        malformed(file, format!("signal {} ({}) runs past the end of its data record", index + 1, s.label))
    })
}

fn read_records(
    file: &str,
    source: &dyn ByteSource,
    h: &Header,
    chosen: &[Chosen],
    annotations: &[usize],
    first_record: u64,
    end_record: u64,
) -> Result<Data, SignalError> {
    let n_records = end_record.saturating_sub(first_record);
    let mut samples: Vec<Vec<f64>> = chosen
        .iter()
        .map(|c| Vec::with_capacity(usize::try_from(n_records).unwrap_or(0).saturating_mul(c.samples_per_record)))
        .collect();
    let mut data = Data { samples: Vec::new(), record_starts: Vec::new(), tals: Vec::new(), bad_tals: 0 };
    let per_chunk = (CHUNK_BYTES / h.record_bytes).max(1) as u64;
    let mut k = first_record;
    while k < end_record {
        let n = per_chunk.min(end_record - k);
        let offset = k
            .checked_mul(h.record_bytes as u64)
            .and_then(|o| o.checked_add(h.header_bytes as u64))
            .ok_or_else(|| malformed(file, "a data record lies beyond any file's end"))?;
        let bytes = source.read_at(offset, usize::try_from(n).unwrap_or(usize::MAX).saturating_mul(h.record_bytes))?;
        for record in bytes.chunks_exact(h.record_bytes) {
            for (c, out) in chosen.iter().zip(samples.iter_mut()) {
                digital(signal_bytes(file, h, record, c.index)?, h.bdf, out);
            }
            let mut start = None;
            for (j, &a) in annotations.iter().enumerate() {
                let (tals, bad) = tal::parse(signal_bytes(file, h, record, a)?);
                data.bad_tals += bad;
                for (t, tal) in tals.into_iter().enumerate() {
                    if j == 0 && t == 0 {
                        start = Some(tal.onset_s);
                    }
                    if !tal.texts.is_empty() && data.tals.len() <= MAX_EVENTS {
                        data.tals.push(tal);
                    }
                }
            }
            data.record_starts.push(start);
        }
        k += n;
    }
    data.samples = samples;
    Ok(data)
}

/// Every record's time-keeping onset and annotations, from the annotation signals alone (one read per record).
fn scan_annotations(
    file: &str,
    source: &dyn ByteSource,
    h: &Header,
    annotations: &[usize],
    n_records: u64,
) -> Result<Annotations, SignalError> {
    let spans: Vec<(usize, usize)> = annotations
        .iter()
        .map(|&a| (h.signals[a].offset_in_record, h.signals[a].samples_per_record * h.bytes_per_sample()))
        .collect();
    let lo = spans.iter().map(|s| s.0).min().unwrap_or(0);
    let hi = spans.iter().map(|s| s.0 + s.1).max().unwrap_or(0);
    let mut out = Annotations { record_starts: Vec::new(), tals: Vec::new(), bad_tals: 0 };
    for k in 0..n_records {
        let offset = k
            .checked_mul(h.record_bytes as u64)
            .and_then(|o| o.checked_add((h.header_bytes + lo) as u64))
            .ok_or_else(|| malformed(file, "a data record lies beyond any file's end"))?;
        let bytes = source.read_at(offset, hi - lo)?;
        let mut start = None;
        for (j, (at, len)) in spans.iter().enumerate() {
            let piece = bytes.get(at - lo..at - lo + len).unwrap_or(&[]);
            let (tals, bad) = tal::parse(piece);
            out.bad_tals += bad;
            for (t, tal) in tals.into_iter().enumerate() {
                if j == 0 && t == 0 {
                    start = Some(tal.onset_s);
                }
                if !tal.texts.is_empty() && out.tals.len() <= MAX_EVENTS {
                    out.tals.push(tal);
                }
            }
        }
        out.record_starts.push(start);
    }
    Ok(out)
}

/// The time-keeping onset of record 0 (when a window starts later), from its first annotation signal.
fn first_time_keeping(source: &dyn ByteSource, h: &Header, annotation: usize) -> Result<Option<f64>, SignalError> {
    let s = &h.signals[annotation];
    let bytes =
        source.read_at((h.header_bytes + s.offset_in_record) as u64, s.samples_per_record * h.bytes_per_sample())?;
    Ok(tal::parse(&bytes).0.first().map(|t| t.onset_s))
}

/// Each read record's start in seconds from the first record's start: its time-keeping annotation, or (none, or
/// not EDF+) where it would be in a continuous recording.
fn record_starts(
    h: &Header,
    stated: &[Option<f64>],
    first_record: u64,
    t0: f64,
    warnings: &mut Vec<String>,
) -> Vec<f64> {
    let nominal = |k: usize| (first_record + k as u64) as f64 * h.record_duration_s;
    let missing = stated.iter().filter(|s| s.is_none()).count();
    if h.plus == Some(Plus::Discontinuous) && missing > 0 && missing < stated.len() {
        warnings.push(format!(
            "ecglens: {} data record(s) have no time-keeping annotation; they are taken to follow the record before without a gap",
            thousands(missing)
        ));
    }
    let mut starts: Vec<f64> = Vec::with_capacity(stated.len());
    for (k, s) in stated.iter().enumerate() {
        let start = match (s, starts.last()) {
            (Some(t), _) if h.plus.is_some() => t - t0,
            (_, Some(prev)) => prev + h.record_duration_s,
            _ => nominal(k),
        };
        starts.push(start);
    }
    starts
}

/// A warning and an [`Event`] for each gap (or overlap) between consecutive records.
fn gaps(h: &Header, starts: &[f64], first_record: u64, warnings: &mut Vec<String>, events: &mut Vec<Event>) {
    let d = h.record_duration_s;
    let tolerance = 1e-6_f64.max(d * 1e-6);
    for (k, pair) in starts.windows(2).enumerate() {
        let gap = pair[1] - (pair[0] + d);
        if gap.abs() <= tolerance || events.len() >= MAX_EVENTS {
            continue;
        }
        let at = (first_record + k as u64 + 1) as f64 * d;
        let text = if gap > 0.0 {
            format!(
                "ecglens: gap of {} s at {} s (the recording resumes at {} s): the trace is joined there",
                hz(round3(gap)),
                hz(round3(at)),
                hz(round3(pair[1]))
            )
        } else {
            format!(
                "ecglens: the data records overlap by {} s at {} s: the trace is joined there",
                hz(round3(-gap)),
                hz(round3(at))
            )
        };
        if h.plus == Some(Plus::Continuous) && warnings.len() < 1000 {
            warnings.push(format!("{text} (although the header says the recording is continuous)"));
        } else if warnings.len() < 1000 {
            warnings.push(text.clone());
        }
        events.push(Event { onset_s: at, duration_s: None, text });
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Where `real` seconds after the first record's start lie on the joined trace: in the record that covers it (a
/// time in a gap goes to the join).
fn trace_time(real: f64, starts: &[f64], first_record: u64, record_duration_s: f64) -> f64 {
    let k = starts.partition_point(|&s| s <= real);
    let (k, start) = match k.checked_sub(1).and_then(|k| starts.get(k).map(|s| (k, *s))) {
        Some(found) => found,
        None => return first_record as f64 * record_duration_s + (real - starts.first().copied().unwrap_or(0.0)),
    };
    (first_record + k as u64) as f64 * record_duration_s + (real - start).min(record_duration_s)
}

/// Units for the chosen signals whose dimension is not a voltage: the user's, else from the amplitude (a QRS is
/// ~0.5–3 mV), else a question.
fn decide_units(
    file: &str,
    h: &Header,
    chosen: &mut [Chosen],
    digital: &[Vec<f64>],
    asked: Option<Units>,
    warnings: &mut Vec<String>,
) -> Result<(), SignalError> {
    let unknown: Vec<usize> = (0..chosen.len()).filter(|&i| chosen[i].unit.is_none()).collect();
    if let Some(asked) = asked {
        let stated: Vec<&str> =
            chosen.iter().filter(|c| c.unit.is_some_and(|u| u != asked)).map(|c| c.name.as_str()).collect();
        if !stated.is_empty() {
            warnings.push(format!(
                "ecglens: the file states the unit of {}; the unit given ({}) is used only for signals without one",
                stated.join(", "),
                asked.label()
            ));
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let names: Vec<String> =
        unknown.iter().map(|&i| format!("{} (\"{}\")", chosen[i].name, h.signals[chosen[i].index].dimension)).collect();
    let unit = match asked {
        Some(u) => u,
        None => {
            let peak = unknown
                .iter()
                .flat_map(|&i| {
                    let c = &chosen[i];
                    digital[i].iter().map(move |&d| ((d - c.digital_min) * c.gain + c.physical_min).abs())
                })
                .fold(0.0f64, f64::max);
            let decided = if (0.05..=20.0).contains(&peak) {
                Some(Units::Millivolts)
            } else if (50.0..=50_000.0).contains(&peak) {
                Some(Units::Microvolts)
            } else {
                None
            };
            match decided {
                Some(u) => {
                    warnings.push(format!(
                        "ecglens: no voltage unit for {}; values up to {} read as {}",
                        names.join(", "),
                        hz((peak * 1000.0).round() / 1000.0),
                        u.label()
                    ));
                    u
                }
                None => {
                    let suggested = if peak < 0.05 {
                        Units::Volts
                    } else if peak <= 50.0 {
                        Units::Microvolts
                    } else {
                        Units::Raw(1000.0)
                    };
                    return Err(SignalError::NeedsInput {
                        file: file.to_string(),
                        format: FORMAT,
                        questions: vec![Question::Units { suggested }],
                    });
                }
            }
        }
    };
    for i in unknown {
        chosen[i].unit = Some(unit);
    }
    Ok(())
}
