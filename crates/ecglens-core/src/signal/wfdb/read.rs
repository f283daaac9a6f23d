//! Reading a record's signals from the files its header names, converted to millivolts.

use std::borrow::Cow;

use super::formats::{bytes_for, invalid_code, sample_at, values_in};
use super::header::{header_text, parse_header_named, Header, SignalSpec};
use super::{MAX_INVALID_FRACTION, SUPPORTED_FORMATS};
use crate::signal::limits::{MAX_DURATION_S, MAX_FILE_BYTES, MAX_TOTAL_SAMPLES};
use crate::signal::{Lead, Record, SignalError};

/// Reads a record from its header bytes and a lookup of its signal files by the names the header gives.
///
/// `dat` is called once per distinct file name. See the module documentation for what is accepted.
/// The returned record has passed [`Record::validate`].
pub fn read_record(header_bytes: &[u8], dat: &dyn Fn(&str) -> Option<Vec<u8>>) -> Result<Record, SignalError> {
    read_record_cow(header_bytes, &|name| dat(name).map(Cow::Owned))
}

/// [`read_record`] with borrowed signal files (no copy; for a browser holding dropped files in memory).
pub fn read_record_slices<'a>(
    header_bytes: &[u8],
    dat: &dyn Fn(&str) -> Option<&'a [u8]>,
) -> Result<Record, SignalError> {
    read_record_cow(header_bytes, &|name| dat(name).map(Cow::Borrowed))
}

/// Reads a record from a `.hea` path on disk, its signal files beside it (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_record_file(hea_path: &std::path::Path) -> Result<Record, SignalError> {
    let io = |p: &std::path::Path, e: std::io::Error| SignalError::Io {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(hea_path).map_err(|e| io(hea_path, e))?;
    use crate::signal::limits::MAX_HEADER_BYTES;
    if meta.len() > MAX_HEADER_BYTES as u64 {
        return Err(SignalError::TooLarge {
            file: hea_path.display().to_string(),
            message: format!("{} bytes; a header is at most {MAX_HEADER_BYTES} bytes", meta.len()),
        });
    }
    let header = std::fs::read(hea_path).map_err(|e| io(hea_path, e))?;
    let dir = hea_path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    read_record(&header, &|name| {
        use std::io::Read;
        // Read at most one byte past the cap, so a huge file is reported as too large without loading it.
        let mut buf = Vec::new();
        std::fs::File::open(dir.join(name)).ok()?.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut buf).ok()?;
        Some(buf)
    })
}

fn read_record_cow<'a>(
    header_bytes: &[u8],
    dat: &dyn Fn(&str) -> Option<Cow<'a, [u8]>>,
) -> Result<Record, SignalError> {
    let text = header_text(header_bytes)?;
    let header = parse_header_named("the header (.hea)", text)?;
    read_record_from_header(&header, dat)
}

/// Reads the signals a parsed header describes (see [`read_record`]).
pub fn read_record_from_header<'a>(
    header: &Header,
    dat: &dyn Fn(&str) -> Option<Cow<'a, [u8]>>,
) -> Result<Record, SignalError> {
    let hea = format!("{}.hea", header.record_name);
    let unsupported = |message: String| SignalError::Unsupported { file: hea.clone(), message };
    if let Some(n) = header.n_segments {
        return Err(unsupported(format!(
            "this is a multi-segment record ({n} segments); ecglens reads single-segment records only"
        )));
    }
    if header.n_signals == 0 || header.signals.is_empty() {
        return Err(SignalError::NoLeads { record: header.record_name.clone() });
    }
    let fs = header.sample_rate_hz;
    for (i, s) in header.signals.iter().enumerate() {
        let lead = lead_label(i, s);
        if !SUPPORTED_FORMATS.contains(&s.format) {
            return Err(SignalError::UnsupportedFormat { file: hea.clone(), signal: i + 1, lead, format: s.format });
        }
        if s.samples_per_frame != 1 {
            return Err(unsupported(format!(
                "lead {lead} has {} samples per frame (several sampling rates in one record are not supported)",
                s.samples_per_frame
            )));
        }
        if s.skew != 0 {
            return Err(unsupported(format!("lead {lead} is skewed by {} samples, which is not supported", s.skew)));
        }
        if s.file_name == "-" || s.file_name.is_empty() {
            return Err(unsupported(format!("lead {lead} is read from standard input, which is not supported")));
        }
    }
    // Group signals by file, in order of first appearance.
    let mut files: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, s) in header.signals.iter().enumerate() {
        match files.iter_mut().find(|(f, _)| *f == s.file_name) {
            Some((_, v)) => v.push(i),
            None => files.push((&s.file_name, vec![i])),
        }
    }
    let mut n_samples = header.n_samples;
    // Converted samples per signal (None: not a voltage, left out), filled file by file.
    let mut converted: Vec<Option<Vec<f32>>> = vec![None; header.signals.len()];
    let mut comments = header.comments.clone();
    for (fname, idx) in &files {
        let first = &header.signals[idx[0]];
        let format = first.format;
        if let Some(&j) = idx.iter().find(|&&j| header.signals[j].format != format) {
            return Err(unsupported(format!(
                "{fname} holds signals in two formats ({format} and {}); WFDB requires one format per file",
                header.signals[j].format
            )));
        }
        let data = dat(fname)
            .ok_or_else(|| SignalError::MissingSignalFile { header: hea.clone(), file: fname.to_string() })?;
        if data.len() > MAX_FILE_BYTES {
            return Err(SignalError::TooLarge {
                file: fname.to_string(),
                message: format!(
                    "more than {} MB; at most {} MB are accepted",
                    MAX_FILE_BYTES / 1_048_576,
                    MAX_FILE_BYTES / 1_048_576
                ),
            });
        }
        let offset = first.byte_offset;
        let body: &[u8] = data.get(offset..).unwrap_or(&[]);
        let nsig = idx.len() as u64;
        let n = match n_samples {
            Some(n) => n as u64,
            None => {
                let frames = values_in(format, body.len() as u64) / nsig;
                n_samples = Some(frames as usize);
                frames
            }
        };
        check_size(&hea, header.signals.len(), n, fs)?;
        let n_values = n * nsig; // no overflow: n * n_signals <= MAX_TOTAL_SAMPLES after check_size
        let need = bytes_for(format, n_values).unwrap_or(u64::MAX).saturating_add(offset as u64);
        if (data.len() as u64) < need {
            return Err(SignalError::Truncated {
                file: fname.to_string(),
                header: hea.clone(),
                n_samples: n as usize,
                duration_s: n as f64 / fs,
                expected_bytes: usize::try_from(need).unwrap_or(usize::MAX),
                actual_bytes: data.len(),
            });
        }
        let (n, k) = (n as usize, idx.len());
        for (pos, &sig) in idx.iter().enumerate() {
            let spec = &header.signals[sig];
            let lead = lead_label(sig, spec);
            let mv_per_unit = spec.mv_per_unit();
            let invalid = if format == 8 { None } else { invalid_code(format) };
            let scale = mv_per_unit.unwrap_or(1.0) / spec.adc_gain;
            let base = spec.baseline as f64;
            let mut samples: Vec<f32> = Vec::with_capacity(if mv_per_unit.is_some() { n } else { 0 });
            let (mut sum, mut acc, mut bad, mut first_bad) = (0i64, spec.initial_value, 0usize, None);
            for t in 0..n {
                let mut d = sample_at(format, body, t * k + pos);
                if format == 8 {
                    acc = acc.wrapping_add(d);
                    d = acc;
                }
                sum = sum.wrapping_add(d);
                if mv_per_unit.is_some() {
                    if Some(d) == invalid {
                        bad += 1;
                        first_bad.get_or_insert(t);
                        samples.push(f32::NAN);
                    } else {
                        samples.push(((d as f64 - base) * scale) as f32);
                    }
                }
            }
            // An empty signal has nothing to check: it is reported below as an empty record, which says more.
            if let Some(expected) = spec.checksum.filter(|_| n > 0) {
                let sum = sum.rem_euclid(65536);
                if sum != expected.rem_euclid(65536) {
                    return Err(SignalError::ChecksumMismatch {
                        file: spec.file_name.clone(),
                        header: hea.clone(),
                        lead,
                        expected,
                        actual: if sum >= 32768 { sum - 65536 } else { sum },
                    });
                }
            }
            if mv_per_unit.is_none() {
                comments.push(format!(
                    "ecglens: signal {} ({lead}) is in {:?}, not a voltage: left out",
                    sig + 1,
                    spec.units
                ));
                continue;
            }
            if let Some(first) = first_bad {
                if bad == n || bad as f64 > MAX_INVALID_FRACTION * n as f64 {
                    return Err(SignalError::InvalidSamples {
                        file: spec.file_name.clone(),
                        lead,
                        count: bad,
                        n_samples: n,
                        first_time_s: first as f64 / fs,
                    });
                }
                interpolate_gaps(&mut samples);
                comments.push(format!(
                    "ecglens: lead {lead}: {bad} invalid sample(s) (no signal) filled in by linear interpolation, the first at {:.3} s",
                    first as f64 / fs
                ));
            }
            converted[sig] = Some(samples);
        }
    }
    if n_samples.unwrap_or(0) == 0 {
        return Err(SignalError::Empty { record: header.record_name.clone() });
    }
    let leads: Vec<Lead> = header
        .signals
        .iter()
        .zip(converted)
        .enumerate()
        .filter_map(|(i, (spec, s))| s.map(|samples_mv| Lead { name: lead_label(i, spec), samples_mv }))
        .collect();
    if leads.is_empty() {
        return Err(unsupported("no signal is an ECG lead in a voltage unit (mV, uV, V)".into()));
    }
    let record = Record { name: header.record_name.clone(), sample_rate_hz: fs, leads, comments };
    record.validate()?;
    Ok(record)
}

fn lead_label(i: usize, s: &SignalSpec) -> String {
    let d = s.description.trim();
    if d.is_empty() {
        format!("signal {}", i + 1)
    } else {
        d.to_string()
    }
}

fn check_size(hea: &str, n_signals: usize, n: u64, fs: f64) -> Result<(), SignalError> {
    let too_large = |message: String| Err(SignalError::TooLarge { file: hea.to_string(), message });
    let duration = n as f64 / fs;
    if duration > MAX_DURATION_S {
        return too_large(format!("{:.1} hours of signal; at most 24 hours are accepted", duration / 3600.0));
    }
    match n.checked_mul(n_signals as u64) {
        Some(t) if t <= MAX_TOTAL_SAMPLES as u64 => Ok(()),
        _ => too_large(format!(
            "{n} samples × {n_signals} signals; at most {MAX_TOTAL_SAMPLES} samples in all are accepted"
        )),
    }
}

/// Replaces non-finite values by linear interpolation between the nearest finite neighbours
/// (the nearest finite value at either end). Leaves an all-non-finite slice unchanged.
pub(super) fn interpolate_gaps(x: &mut [f32]) {
    let n = x.len();
    let mut prev: Option<usize> = None;
    let mut i = 0;
    while i < n {
        if x[i].is_finite() {
            prev = Some(i);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && !x[j].is_finite() {
            j += 1;
        }
        match (prev, (j < n).then_some(j)) {
            (Some(p), Some(q)) => {
                let (a, b) = (x[p] as f64, x[q] as f64);
                for (k, e) in x.iter_mut().enumerate().take(j).skip(i) {
                    let t = (k - p) as f64 / (q - p) as f64;
                    *e = (a + (b - a) * t) as f32;
                }
            }
            (Some(p), None) => {
                let v = x[p];
                x[i..j].iter_mut().for_each(|e| *e = v);
            }
            (None, Some(q)) => {
                let v = x[q];
                x[i..j].iter_mut().for_each(|e| *e = v);
            }
            (None, None) => {}
        }
        i = j;
    }
}
