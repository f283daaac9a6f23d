//! WFDB records from bytes: the header (`.hea`), signal files (`.dat`) and MIT annotation files.
//!
//! Supported: single-segment records; signal formats 8 (first differences), 16, 24, 32, 61 (big-endian 16),
//! 80 (offset binary 8), 160 (offset binary 16), 212, 310 and 311; several signals interleaved in one file
//! and several files; byte offsets (`+N`); the record line's optional segment count, counter frequency
//! (`500/1`, `360/1(0)`), sample count, time and date; the signal line's optional gain, baseline, units,
//! ADC resolution and zero, initial value, checksum, block size and description; `#` comment lines.
//! Refused with a clear error: multi-segment records, several samples per frame, skew, compressed
//! formats (508/516/524) and anything else.
//!
//! Conversion to millivolts: `(adu - baseline) / gain`, scaled by the physical units (`mV` = 1, `uV`/`µV`
//! = 1/1000, `V` = 1000, `nV` = 1/10⁶). A missing or zero gain means 200 ADU per unit; a missing baseline
//! means the ADC zero; missing units mean mV. Signals in other units (e.g. `mmHg`, `NU`) are not ECG
//! leads: they are left out of the [`Record`] and a comment says so.
//!
//! Invalid samples (the format's "no signal" code: -32768 in format 16, -2048 in 212, -128 in 80, ...):
//! if a lead has at most 1 % of them, they are filled in by linear interpolation between the nearest valid
//! samples (the nearest valid value at the ends) and a comment starting with `ecglens:` says how many;
//! more than that, or a lead with no valid sample, is an [`SignalError::InvalidSamples`] error naming the lead.
//!
//! The header's checksums, when present, are verified: a mismatch means the signal file does not belong to
//! the header (or is corrupt) and is an error. A signal file longer than the header says is accepted (only
//! the samples the header promises are read); a shorter one is an error. If the header does not give the
//! number of samples, it is taken from the size of the first signal file.

use std::borrow::Cow;

use super::limits::{
    MAX_ANNOTATION_BYTES, MAX_DURATION_S, MAX_FILE_BYTES, MAX_HEADER_BYTES, MAX_SIGNALS, MAX_TOTAL_SAMPLES,
};
use super::{Lead, Record, SignalError};

/// Share of invalid samples in a lead up to which they are interpolated instead of refused.
pub const MAX_INVALID_FRACTION: f64 = 0.01;

/// Formats this reader decodes.
pub const SUPPORTED_FORMATS: [u32; 10] = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311];

/// A parsed WFDB header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub record_name: String,
    /// `Some(n)` for a multi-segment record (`name/n`), which [`read_record`] refuses.
    pub n_segments: Option<usize>,
    pub n_signals: usize,
    /// Sampling frequency per signal (250 if the header omits it, as in the WFDB spec).
    pub sample_rate_hz: f64,
    pub counter_freq_hz: Option<f64>,
    pub base_counter: Option<f64>,
    /// Samples per signal; `None` if the header omits it (or gives 0): then the signal file's size decides.
    pub n_samples: Option<usize>,
    pub base_time: Option<String>,
    pub base_date: Option<String>,
    pub signals: Vec<SignalSpec>,
    /// Comment lines without the leading `#` (and one following space, if any).
    pub comments: Vec<String>,
}

/// One signal line of a header.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalSpec {
    pub file_name: String,
    pub format: u32,
    pub samples_per_frame: usize,
    pub skew: usize,
    pub byte_offset: usize,
    /// ADC units per physical unit, as written; 200 when missing or zero.
    pub adc_gain: f64,
    /// ADC value of 0 physical units (defaults to `adc_zero`).
    pub baseline: i64,
    /// Physical units as written; "mV" when missing.
    pub units: String,
    /// ADC resolution in bits (the format's own when missing or 0).
    pub adc_resolution: u32,
    pub adc_zero: i64,
    /// First sample value (defaults to `adc_zero`); the start of a format-8 difference stream.
    pub initial_value: i64,
    /// 16-bit checksum of all samples, if given.
    pub checksum: Option<i64>,
    pub block_size: u64,
    /// The description: for ECG, the lead name ("I", "AVR", "v1", ...).
    pub description: String,
}

impl SignalSpec {
    /// Millivolts per physical unit, or `None` if the units are not a voltage.
    pub fn mv_per_unit(&self) -> Option<f64> {
        units_to_mv(&self.units)
    }

    /// ADC units per millivolt, or `None` if the units are not a voltage.
    pub fn gain_adu_per_mv(&self) -> Option<f64> {
        self.mv_per_unit().map(|m| self.adc_gain / m)
    }
}

fn units_to_mv(units: &str) -> Option<f64> {
    let u = units.trim();
    match u {
        "" | "mV" | "mv" | "MV" | "millivolt" | "millivolts" => Some(1.0),
        "uV" | "uv" | "µV" | "μV" | "µv" | "μv" | "UV" => Some(1e-3),
        "V" | "v" | "volt" | "volts" => Some(1e3),
        "nV" | "nv" => Some(1e-6),
        _ => None,
    }
}

fn bits_of(format: u32) -> u32 {
    match format {
        8 | 80 => 8,
        16 | 61 | 160 => 16,
        24 => 24,
        32 => 32,
        212 => 12,
        310 | 311 => 10,
        _ => 0,
    }
}

/// The "no signal" code of a format, if it has one.
fn invalid_code(format: u32) -> Option<i64> {
    match format {
        16 | 61 | 160 => Some(-32768),
        24 => Some(-(1 << 23)),
        32 => Some(-(1i64 << 31)),
        80 => Some(-128),
        212 => Some(-2048),
        310 | 311 => Some(-512),
        _ => None,
    }
}

/// Splits off the first `n` whitespace-separated tokens; returns them and the trimmed rest.
fn tokens(line: &str, n: usize) -> (Vec<&str>, &str) {
    let mut out = Vec::new();
    let mut rest = line.trim_start();
    while out.len() < n && !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    (out, rest.trim_end())
}

fn parse_header_named(file: &str, text: &str) -> Result<Header, SignalError> {
    let syntax = |line: usize, message: String| SignalError::HeaderSyntax { file: file.to_string(), line, message };
    let mut comments = Vec::new();
    let mut lines = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let l = raw.trim_end_matches('\r');
        let t = l.trim();
        if let Some(c) = t.strip_prefix('#') {
            comments.push(c.strip_prefix(' ').unwrap_or(c).trim_end().to_string());
        } else if !t.is_empty() {
            lines.push((i + 1, t));
        }
    }
    let Some(&(rec_line_no, rec_line)) = lines.first() else {
        return Err(syntax(1, "the header is empty: it has no record line".into()));
    };
    let (tok, _) = tokens(rec_line, 6);
    let name_tok = tok.first().copied().unwrap_or("");
    let (record_name, n_segments) = match name_tok.split_once('/') {
        Some((n, s)) => {
            let segs = s
                .parse::<usize>()
                .map_err(|_| syntax(rec_line_no, format!("the number of segments {s:?} is not a whole number")))?;
            (n.to_string(), Some(segs))
        }
        None => (name_tok.to_string(), None),
    };
    if record_name.is_empty() {
        return Err(syntax(rec_line_no, "the record line has no record name".into()));
    }
    let n_signals = match tok.get(1) {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| syntax(rec_line_no, format!("the number of signals {t:?} is not a whole number")))?,
        None => 0,
    };
    if n_signals > MAX_SIGNALS {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("it declares {n_signals} signals; at most {MAX_SIGNALS} are accepted"),
        });
    }
    let mut sample_rate_hz = 250.0;
    let mut counter_freq_hz = None;
    let mut base_counter = None;
    if let Some(t) = tok.get(2) {
        let (fs, counter) = match t.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (*t, None),
        };
        sample_rate_hz =
            fs.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0).ok_or_else(|| {
                syntax(rec_line_no, format!("the sampling frequency {fs:?} is not a positive number"))
            })?;
        if let Some(c) = counter {
            let (cf, base) = match c.split_once('(') {
                Some((a, b)) => (a, Some(b.trim_end_matches(')'))),
                None => (c, None),
            };
            counter_freq_hz = Some(
                cf.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| syntax(rec_line_no, format!("the counter frequency {cf:?} is not a number")))?,
            );
            if let Some(b) = base {
                base_counter = Some(
                    b.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| syntax(rec_line_no, format!("the base counter value {b:?} is not a number")))?,
                );
            }
        }
    }
    let n_samples = match tok.get(3) {
        Some(t) => {
            let n = t
                .parse::<u64>()
                .map_err(|_| syntax(rec_line_no, format!("the number of samples {t:?} is not a whole number")))?;
            if n == 0 {
                None
            } else {
                Some(usize::try_from(n).map_err(|_| SignalError::TooLarge {
                    file: file.to_string(),
                    message: format!("it declares {n} samples per signal"),
                })?)
            }
        }
        None => None,
    };
    let base_time = tok.get(4).map(|s| s.to_string());
    let base_date = tok.get(5).map(|s| s.to_string());

    let mut signals = Vec::with_capacity(n_signals);
    if n_segments.is_none() {
        let sig_lines = &lines[1..];
        if sig_lines.len() < n_signals {
            return Err(syntax(
                rec_line_no,
                format!(
                    "the record line announces {n_signals} signals but only {} signal lines follow",
                    sig_lines.len()
                ),
            ));
        }
        for &(line_no, l) in sig_lines.iter().take(n_signals) {
            signals.push(parse_signal_line(&format!("{record_name}.hea"), line_no, l)?);
        }
    }
    Ok(Header {
        record_name,
        n_segments,
        n_signals,
        sample_rate_hz,
        counter_freq_hz,
        base_counter,
        n_samples,
        base_time,
        base_date,
        signals,
        comments,
    })
}

fn parse_signal_line(file: &str, line_no: usize, l: &str) -> Result<SignalSpec, SignalError> {
    let syntax = |message: String| SignalError::HeaderSyntax { file: file.to_string(), line: line_no, message };
    let (tok, rest) = tokens(l, 8);
    let file_name = tok.first().copied().unwrap_or("").to_string();
    let Some(fmt_tok) = tok.get(1) else {
        return Err(syntax(format!("the signal line for {file_name:?} has no storage format")));
    };
    // format[xsamples_per_frame][:skew][+byte_offset]
    let digits_end = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let mut s = *fmt_tok;
    let e = digits_end(s);
    let format =
        s[..e].parse::<u32>().map_err(|_| syntax(format!("the storage format {fmt_tok:?} is not a number")))?;
    s = &s[e..];
    let mut samples_per_frame = 1usize;
    let mut skew = 0usize;
    let mut byte_offset = 0usize;
    let bad = || syntax(format!("cannot read the format field {fmt_tok:?} (expected format[xN][:skew][+offset])"));
    if let Some(r) = s.strip_prefix('x') {
        let e = digits_end(r);
        samples_per_frame = r[..e].parse().map_err(|_| bad())?;
        s = &r[e..];
    }
    if let Some(r) = s.strip_prefix(':') {
        let e = digits_end(r);
        skew = r[..e].parse().map_err(|_| bad())?;
        s = &r[e..];
    }
    if let Some(r) = s.strip_prefix('+') {
        let e = digits_end(r);
        byte_offset = r[..e].parse().map_err(|_| bad())?;
        s = &r[e..];
    }
    if !s.is_empty() {
        return Err(bad());
    }
    // Integer fields after the gain.
    let int_field = |i: usize, what: &str| -> Result<Option<i64>, SignalError> {
        match tok.get(i) {
            None => Ok(None),
            Some(t) => {
                t.parse::<i64>().map(Some).map_err(|_| syntax(format!("the {what} {t:?} is not a whole number")))
            }
        }
    };
    let adc_resolution = int_field(3, "ADC resolution")?.unwrap_or(0);
    let adc_resolution = u32::try_from(adc_resolution)
        .ok()
        .filter(|v| *v <= 64)
        .ok_or_else(|| syntax(format!("the ADC resolution {adc_resolution} is out of range")))?;
    let adc_resolution = if adc_resolution == 0 { bits_of(format) } else { adc_resolution };
    let adc_zero = int_field(4, "ADC zero")?.unwrap_or(0);
    let initial_value = int_field(5, "initial value")?.unwrap_or(adc_zero);
    let checksum = int_field(6, "checksum")?;
    let block_size = int_field(7, "block size")?.unwrap_or(0);
    let block_size =
        u64::try_from(block_size).map_err(|_| syntax(format!("the block size {block_size} is negative")))?;
    // gain[(baseline)][/units]
    let mut adc_gain = 200.0;
    let mut baseline = adc_zero;
    let mut units = "mV".to_string();
    if let Some(g) = tok.get(2) {
        let (gb, u) = match g.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (*g, None),
        };
        let (gain_s, base_s) = match gb.split_once('(') {
            Some((a, b)) => {
                let b = b
                    .strip_suffix(')')
                    .ok_or_else(|| syntax(format!("the gain field {g:?} lacks a closing parenthesis")))?;
                (a, Some(b))
            }
            None => (gb, None),
        };
        let gain = gain_s
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| syntax(format!("the gain {gain_s:?} is not a number")))?;
        if gain != 0.0 {
            adc_gain = gain;
        }
        if let Some(b) = base_s {
            baseline = b.parse::<i64>().map_err(|_| syntax(format!("the baseline {b:?} is not a whole number")))?;
        }
        if let Some(u) = u {
            if !u.is_empty() {
                units = u.to_string();
            }
        }
    }
    Ok(SignalSpec {
        file_name,
        format,
        samples_per_frame,
        skew,
        byte_offset,
        adc_gain,
        baseline,
        units,
        adc_resolution,
        adc_zero,
        initial_value,
        checksum,
        block_size,
        description: rest.to_string(),
    })
}

fn header_text(header_bytes: &[u8]) -> Result<&str, SignalError> {
    let file = "the header (.hea)";
    if header_bytes.len() > MAX_HEADER_BYTES {
        return Err(SignalError::TooLarge {
            file: file.into(),
            message: format!("{} bytes; a header is at most {MAX_HEADER_BYTES} bytes", header_bytes.len()),
        });
    }
    let text = std::str::from_utf8(header_bytes).map_err(|e| SignalError::HeaderNotText {
        file: file.into(),
        message: format!("byte {} is not UTF-8 text", e.valid_up_to()),
    })?;
    if text.contains('\0') {
        return Err(SignalError::HeaderNotText { file: file.into(), message: "it contains binary data".into() });
    }
    Ok(text)
}

/// Parses the text of a WFDB header (`.hea`).
pub fn parse_header(text: &str) -> Result<Header, SignalError> {
    if text.len() > MAX_HEADER_BYTES {
        return Err(SignalError::TooLarge {
            file: "the header (.hea)".into(),
            message: format!("{} bytes; a header is at most {MAX_HEADER_BYTES} bytes", text.len()),
        });
    }
    parse_header_named("the header (.hea)", text)
}

/// Number of bytes holding the first `n` values of a stream in `format`.
fn bytes_for(format: u32, n: u64) -> Option<u64> {
    Some(match format {
        8 | 80 => n,
        16 | 61 | 160 => n.checked_mul(2)?,
        24 => n.checked_mul(3)?,
        32 => n.checked_mul(4)?,
        212 => (n / 2) * 3 + (n % 2) * 2,
        310 => (n / 3) * 4 + [0, 2, 4][(n % 3) as usize],
        311 => (n / 3) * 4 + [0, 2, 3][(n % 3) as usize],
        _ => return None,
    })
}

/// Number of complete values in `len` bytes of `format`.
fn values_in(format: u32, len: u64) -> u64 {
    match format {
        8 | 80 => len,
        16 | 61 | 160 => len / 2,
        24 => len / 3,
        32 => len / 4,
        212 => (len / 3) * 2 + u64::from(len % 3 >= 2),
        310 => (len / 4) * 3 + u64::from(len % 4 >= 2),
        311 => (len / 4) * 3 + [0, 0, 1, 2][(len % 4) as usize],
        _ => 0,
    }
}

/// The `i`-th value of a stream in `format` (0 past the end; callers check the length first).
/// Format 8 yields the difference; the caller accumulates it.
fn sample_at(format: u32, data: &[u8], i: usize) -> i64 {
    let b = |j: usize| i64::from(data.get(j).copied().unwrap_or(0));
    let sext = |v: i64, bits: u32| {
        let m = 1i64 << (bits - 1);
        ((v & ((1i64 << bits) - 1)) ^ m) - m
    };
    match format {
        8 => sext(b(i), 8),
        80 => b(i) - 128,
        16 => sext(b(2 * i) | b(2 * i + 1) << 8, 16),
        61 => sext(b(2 * i) << 8 | b(2 * i + 1), 16),
        160 => (b(2 * i) | b(2 * i + 1) << 8) - 32768,
        24 => sext(b(3 * i) | b(3 * i + 1) << 8 | b(3 * i + 2) << 16, 24),
        32 => sext(b(4 * i) | b(4 * i + 1) << 8 | b(4 * i + 2) << 16 | b(4 * i + 3) << 24, 32),
        212 => {
            let g = (i / 2) * 3;
            let v = if i.is_multiple_of(2) { b(g) | (b(g + 1) & 0x0F) << 8 } else { b(g + 2) | (b(g + 1) & 0xF0) << 4 };
            sext(v, 12)
        }
        310 => {
            let g = (i / 3) * 4;
            let w0 = b(g) | b(g + 1) << 8;
            let w1 = b(g + 2) | b(g + 3) << 8;
            let v = match i % 3 {
                0 => w0 >> 1,
                1 => w1 >> 1,
                _ => (w0 >> 11) & 0x1F | ((w1 >> 11) & 0x1F) << 5,
            };
            sext(v, 10)
        }
        311 => {
            let g = (i / 3) * 4;
            let w = b(g) | b(g + 1) << 8 | b(g + 2) << 16 | b(g + 3) << 24;
            sext(w >> (10 * (i % 3)), 10)
        }
        _ => 0,
    }
}

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
fn interpolate_gaps(x: &mut [f32]) {
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

/// One annotation of an MIT-format annotation file.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// Sample index (at the record's sampling rate) the annotation points at.
    pub sample: usize,
    /// The annotation code (1 = normal beat `N`, 24 = P wave `p`, 27 = T wave `t`, 39 = onset `(`, 40 = offset `)`, ...).
    pub code: u8,
    /// The usual one-character mnemonic of `code` (`'N'`, `'p'`, `'t'`, `'('`, `')'`, ...); `' '` for code 0 and
    /// `'\u{FFFD}'` for codes the WFDB library leaves undefined.
    pub symbol: char,
    pub subtype: i8,
    /// Signal number the annotation refers to (carried over from the previous annotation unless set).
    pub chan: u8,
    /// Annotator-defined number (carried over from the previous annotation unless set).
    pub num: i8,
    /// Auxiliary text (rhythm labels such as `(AFIB`, notes), if any.
    pub aux: Option<String>,
}

/// The mnemonic of a WFDB annotation code (ecgcodes.h).
pub fn annotation_symbol(code: u8) -> char {
    const TABLE: &[u8; 42] = b" NLRaVFJASEj/Q~\xff|\xffsT*D\"=pB^t+u?![]en@xf()r";
    match TABLE.get(usize::from(code)) {
        Some(0xff) | None => '\u{FFFD}',
        Some(&c) => c as char,
    }
}

const SKIP: u16 = 59;
const NUM: u16 = 60;
const SUB: u16 = 61;
const CHN: u16 = 62;
const AUX: u16 = 63;

/// Reads an MIT-format annotation file (WFDB `.atr`, LUDB's `.i`, `.ii`, ... `.v6`).
///
/// Handles the SKIP (long interval), NUM, SUB, CHN and AUX pseudo-annotations; `chan` and `num` carry over
/// from one annotation to the next as in the WFDB library. Stops at the end-of-file word (two zero bytes)
/// or at the end of the data. Errors (never panics) on a truncated SKIP or AUX, a sample index below zero,
/// or a file over 64 MB.
pub fn read_annotations(bytes: &[u8]) -> Result<Vec<Annotation>, SignalError> {
    read_annotations_named("the annotation file", bytes)
}

/// [`read_annotations`], naming `file` in errors.
pub fn read_annotations_named(file: &str, bytes: &[u8]) -> Result<Vec<Annotation>, SignalError> {
    let err = |message: String| SignalError::Annotation { file: file.to_string(), message };
    if bytes.len() > MAX_ANNOTATION_BYTES {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!(
                "{} bytes; an annotation file is at most {} MB",
                bytes.len(),
                MAX_ANNOTATION_BYTES / 1_048_576
            ),
        });
    }
    let word = |pos: usize| -> Option<u16> { Some(u16::from_le_bytes([*bytes.get(pos)?, *bytes.get(pos + 1)?])) };
    let mut out: Vec<Annotation> = Vec::new();
    let mut pos = 0usize;
    let mut time: i64 = 0;
    let mut pending_skip: i64 = 0;
    let (mut chan, mut num) = (0u8, 0i8);
    while let Some(w) = word(pos) {
        pos += 2;
        if w == 0 {
            break; // end of file
        }
        let a = w >> 10;
        let i = w & 0x3FF;
        match a {
            SKIP => {
                let (Some(hi), Some(lo)) = (word(pos), word(pos + 2)) else {
                    return Err(err(format!("it ends inside a SKIP at byte {}", pos - 2)));
                };
                pos += 4;
                let v = (u32::from(hi) << 16 | u32::from(lo)) as i32;
                pending_skip += i64::from(v);
            }
            NUM | SUB | CHN => {
                let v = (i & 0xFF) as u8;
                match a {
                    NUM => {
                        num = v as i8;
                        if let Some(last) = out.last_mut() {
                            last.num = num;
                        }
                    }
                    CHN => {
                        chan = v;
                        if let Some(last) = out.last_mut() {
                            last.chan = chan;
                        }
                    }
                    _ => {
                        if let Some(last) = out.last_mut() {
                            last.subtype = v as i8;
                        }
                    }
                }
            }
            AUX => {
                let len = usize::from(i);
                let Some(data) = bytes.get(pos..pos + len) else {
                    return Err(err(format!("it ends inside a {len}-byte note at byte {}", pos - 2)));
                };
                pos += len + (len & 1);
                let text = String::from_utf8_lossy(data).trim_end_matches('\0').to_string();
                if let Some(last) = out.last_mut() {
                    last.aux = Some(text);
                }
            }
            code => {
                time += pending_skip + i64::from(i);
                pending_skip = 0;
                let sample = usize::try_from(time)
                    .map_err(|_| err(format!("annotation {} points before the start of the record", out.len() + 1)))?;
                let code = code as u8;
                out.push(Annotation {
                    sample,
                    code,
                    symbol: annotation_symbol(code),
                    subtype: 0,
                    chan,
                    num,
                    aux: None,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_file(hea: &str, dat: Vec<u8>) -> Result<Record, SignalError> {
        read_record(hea.as_bytes(), &|_| Some(dat.clone()))
    }

    fn fmt16(vals: &[i16]) -> Vec<u8> {
        vals.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn header_fields() {
        let h = parse_header(
            "# leading comment\nrec/0 2 500/1(0) 1000 12:00:00 01/01/2020\n\
             a.dat 212x1:0+12 1000(5)/uV 12 3 7 -5 0 lead II extra\n\
             b.dat 16\n#tail comment\n",
        );
        let h = h.unwrap();
        assert_eq!(h.record_name, "rec");
        assert_eq!(h.n_segments, Some(0));
        assert!(h.signals.is_empty()); // multi-segment: signal lines are segment lines, not parsed
        let h = parse_header(
            "rec 2 500/1(0) 1000 12:00:00 01/01/2020\r\n\
             a.dat 212x1:0+12 1000(5)/uV 12 3 7 -5 0 lead II extra\r\n\
             b.dat 16\r\n#tail comment\r\n",
        )
        .unwrap();
        assert_eq!(h.n_signals, 2);
        assert_eq!(h.sample_rate_hz, 500.0);
        assert_eq!(h.counter_freq_hz, Some(1.0));
        assert_eq!(h.base_counter, Some(0.0));
        assert_eq!(h.n_samples, Some(1000));
        assert_eq!(h.base_time.as_deref(), Some("12:00:00"));
        let a = &h.signals[0];
        assert_eq!((a.format, a.samples_per_frame, a.skew, a.byte_offset), (212, 1, 0, 12));
        assert_eq!((a.adc_gain, a.baseline, a.units.as_str()), (1000.0, 5, "uV"));
        assert_eq!((a.adc_resolution, a.adc_zero, a.initial_value, a.checksum), (12, 3, 7, Some(-5)));
        assert_eq!(a.description, "lead II extra");
        assert_eq!(a.gain_adu_per_mv(), Some(1e6));
        let b = &h.signals[1];
        assert_eq!((b.adc_gain, b.baseline, b.units.as_str(), b.adc_resolution), (200.0, 0, "mV", 16));
        assert_eq!(b.description, "");
        assert_eq!(h.comments, vec!["tail comment"]);
        // defaults: no frequency, no samples
        let h = parse_header("x 1\nx.dat 80 0(3) 8 9\n").unwrap();
        assert_eq!(h.sample_rate_hz, 250.0);
        assert_eq!(h.n_samples, None);
        assert_eq!((h.signals[0].adc_gain, h.signals[0].baseline, h.signals[0].adc_zero), (200.0, 3, 9));
        let h = parse_header("x 1\nx.dat 16 100 16 4\n").unwrap();
        assert_eq!(h.signals[0].baseline, 4); // baseline defaults to ADC zero
        assert_eq!(h.signals[0].initial_value, 4);
    }

    #[test]
    fn header_errors() {
        for bad in [
            "",
            "# only a comment",
            "rec two 500",
            "rec 1 -5 10\nr.dat 16",
            "rec 1 abc 10\nr.dat 16",
            "rec 2 500 10\nr.dat 16",
            "rec 1 500 10\nr.dat",
            "rec 1 500 10\nr.dat 16q",
            "rec 1 500 10\nr.dat 16 1000(5/mV",
            "rec 1 500 10\nr.dat 16 abc",
            "rec 1 500 10\nr.dat 16 100 x",
            "rec 1 500 -10\nr.dat 16",
            "rec 65 500 10",
        ] {
            assert!(parse_header(bad).is_err(), "{bad:?}");
        }
        let e = parse_header("rec 1 500 10\nr.dat 16 abc").unwrap_err();
        assert_eq!(e.to_string(), "rec.hea, line 2: the gain \"abc\" is not a number");
        let e = read_record(&[0xff, 0xfe, 0x00], &|_| None).unwrap_err();
        assert!(matches!(e, SignalError::HeaderNotText { .. }), "{e}");
        let e = read_record(b"r\0 1", &|_| None).unwrap_err();
        assert!(matches!(e, SignalError::HeaderNotText { .. }), "{e}");
    }

    #[test]
    fn reads_format_16_two_leads() {
        let hea = "r 2 100 3\nr.dat 16 100(10)/mV 16 0 0 30 0 I\nr.dat 16 200 16 0 0 -200 0 aVR\n# age: 50\n";
        let rec = one_file(hea, fmt16(&[110, 0, 10, 200, -90, -400])).unwrap();
        assert_eq!(rec.name, "r");
        assert_eq!(rec.sample_rate_hz, 100.0);
        assert_eq!(rec.leads[0].name, "I");
        assert_eq!(rec.leads[0].samples_mv, vec![1.0, 0.0, -1.0]);
        assert_eq!(rec.leads[1].samples_mv, vec![0.0, 1.0, -2.0]);
        assert_eq!(rec.comments, vec!["age: 50"]);
    }

    #[test]
    fn checksum_verified() {
        let hea_ok = "r 1 100 3\nr.dat 16 1 16 0 0 6 0 I\n";
        assert!(one_file(hea_ok, fmt16(&[1, 2, 3])).is_ok());
        let hea_neg = "r 1 100 2\nr.dat 16 1 16 0 0 -3 0 I\n";
        assert!(one_file(hea_neg, fmt16(&[-1, -2])).is_ok());
        let e = one_file("r 1 100 3\nr.dat 16 1 16 0 0 7 0 I\n", fmt16(&[1, 2, 3])).unwrap_err();
        assert!(matches!(e, SignalError::ChecksumMismatch { .. }), "{e}");
        assert!(e.to_string().contains("lead I"), "{e}");
    }

    #[test]
    fn format_212_310_311_80_61_160_24_32_8() {
        // 212: values 1, -2, 2047, -2047 packed in pairs
        let pack212 = |a: i32, b: i32| {
            let (a, b) = (a as u32 & 0xFFF, b as u32 & 0xFFF);
            [(a & 0xFF) as u8, ((a >> 8) | ((b >> 8) << 4)) as u8, (b & 0xFF) as u8]
        };
        let mut d = pack212(1, -2).to_vec();
        d.extend(pack212(2047, -2047));
        let r = one_file("r 1 10 4\nr.dat 212 1 12 0 0 -1 0 II\n", d.clone()).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![1.0, -2.0, 2047.0, -2047.0]);
        // odd count: 3 values need 5 bytes
        let r = one_file("r 1 10 3\nr.dat 212 1\n", d[..5].to_vec()).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![1.0, -2.0, 2047.0]);
        assert!(one_file("r 1 10 3\nr.dat 212 1\n", d[..4].to_vec()).is_err());
        // two signals interleaved in 212
        let r = one_file("r 2 10 2\nr.dat 212 1 12 0 0 2048 0 I\nr.dat 212 1 12 0 0 -2049 0 II\n", d.clone()).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![1.0, 2047.0]);
        assert_eq!(r.leads[1].samples_mv, vec![-2.0, -2047.0]);
        // 310: s0 = bits 1..10 of w0, s1 = bits 1..10 of w1, s2 = bits 11..15 of w0 (low) + of w1 (high)
        let (s0, s1, s2) = (5i32 & 0x3FF, -3i32 & 0x3FF, -200i32 & 0x3FF);
        let w0 = ((s0 << 1) | ((s2 & 0x1F) << 11)) as u16;
        let w1 = ((s1 << 1) | ((s2 >> 5) << 11)) as u16;
        let mut d = w0.to_le_bytes().to_vec();
        d.extend(w1.to_le_bytes());
        let r = one_file("r 1 10 3\nr.dat 310 1\n", d.clone()).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![5.0, -3.0, -200.0]);
        let r = one_file("r 1 10 1\nr.dat 310 1\n", d[..2].to_vec()).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![5.0]);
        // 311: three 10-bit values in one little-endian 32-bit word
        let w = (s0 as u32) | (s1 as u32) << 10 | (s2 as u32) << 20;
        let r = one_file("r 1 10 3\nr.dat 311 1\n", w.to_le_bytes().to_vec()).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![5.0, -3.0, -200.0]);
        // 80: offset binary
        let r = one_file("r 1 10 3\nr.dat 80 1\n", vec![128, 1, 255]).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![0.0, -127.0, 127.0]);
        // 61: big endian
        let r = one_file("r 1 10 2\nr.dat 61 1\n", vec![0x01, 0x00, 0xFF, 0xFE]).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![256.0, -2.0]);
        // 160: offset binary 16
        let r = one_file("r 1 10 2\nr.dat 160 1\n", vec![0x00, 0x80, 0x01, 0x80]).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![0.0, 1.0]);
        // 24 and 32
        let r = one_file("r 1 10 2\nr.dat 24 1\n", vec![0xFF, 0xFF, 0xFF, 0x02, 0x00, 0x00]).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![-1.0, 2.0]);
        let r = one_file("r 1 10 1\nr.dat 32 1\n", (-70000i32).to_le_bytes().to_vec()).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![-70000.0]);
        // 8: first differences from the initial value
        let r = one_file("r 1 10 3\nr.dat 8 1 8 0 10\n", vec![0, 5, 0xFE]).unwrap();
        assert_eq!(r.leads[0].samples_mv, vec![10.0, 15.0, 13.0]);
    }

    #[test]
    fn offsets_multiple_files_units() {
        let hea = "r 2 100 2\na.dat 16+4 1/uV 16 0 0 -1000 0 V1\nb.dat 80 2/V 8 0 0 0 0 V2\n";
        let mut a = vec![9, 9, 9, 9];
        a.extend(fmt16(&[1000, -2000]));
        let b = vec![130u8, 126];
        let rec = read_record(hea.as_bytes(), &|n| match n {
            "a.dat" => Some(a.clone()),
            "b.dat" => Some(b.clone()),
            _ => None,
        })
        .unwrap();
        assert_eq!(rec.leads[0].samples_mv, vec![1.0, -2.0]);
        assert_eq!(rec.leads[1].samples_mv, vec![1000.0, -1000.0]);
        let e = read_record(hea.as_bytes(), &|n| (n == "a.dat").then(|| a.clone())).unwrap_err();
        assert!(matches!(&e, SignalError::MissingSignalFile { file, .. } if file == "b.dat"), "{e}");
        // non-voltage signal left out with a note
        let hea = "r 2 100 2\nr.dat 16 1/mV 16 0 0 4 0 I\nr.dat 16 1/mmHg 16 0 0 6 0 ABP\n";
        let rec = one_file(hea, fmt16(&[1, 2, 3, 4])).unwrap();
        assert_eq!(rec.leads.len(), 1);
        assert!(rec.comments.iter().any(|c| c.starts_with("ecglens:") && c.contains("ABP")));
        // slices variant
        let d = fmt16(&[1, 2]);
        let rec = read_record_slices(b"r 1 100 2\nr.dat 16 1\n", &|_| Some(&d[..])).unwrap();
        assert_eq!(rec.leads[0].name, "signal 1");
        assert_eq!(rec.n_samples(), 2);
    }

    #[test]
    fn inferred_length_and_bad_data() {
        let rec = one_file("r 2 100\nr.dat 16\nr.dat 16\n", fmt16(&[1, 2, 3, 4, 5])).unwrap();
        assert_eq!(rec.n_samples(), 2);
        // truncated
        let e = one_file("r 2 100 3\nr.dat 16 1 16 0 0 0 0 I\nr.dat 16 1 16 0 0 0 0 II\n", fmt16(&[1, 2, 3, 4, 5]))
            .unwrap_err();
        match &e {
            SignalError::Truncated { expected_bytes, actual_bytes, .. } => {
                assert_eq!((*expected_bytes, *actual_bytes), (12, 10))
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("r.dat"), "{e}");
        // zero length
        assert!(matches!(one_file("r 1 100\nr.dat 16\n", vec![]), Err(SignalError::Empty { .. })));
        assert!(matches!(one_file("r 0 100 10\n", vec![]), Err(SignalError::NoLeads { .. })));
        // unknown format
        let e = one_file("r 1 100 1\nr.dat 999 1 16 0 0 0 0 V3\n", vec![0; 8]).unwrap_err();
        assert!(matches!(e, SignalError::UnsupportedFormat { format: 999, .. }), "{e}");
        assert!(e.to_string().contains("V3"));
        // unsupported features
        assert!(matches!(one_file("r/2 1 100 1\n", vec![]), Err(SignalError::Unsupported { .. })));
        assert!(matches!(one_file("r 1 100 1\nr.dat 16x2\n", vec![0; 8]), Err(SignalError::Unsupported { .. })));
        assert!(matches!(one_file("r 1 100 1\nr.dat 16:1\n", vec![0; 8]), Err(SignalError::Unsupported { .. })));
        // absurd sizes
        let e = one_file("r 1 100 10000000000\nr.dat 16\n", vec![0; 8]).unwrap_err();
        assert!(matches!(e, SignalError::TooLarge { .. }), "{e}");
        let e = one_file("r 12 1000000 40000000\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\n", vec![0; 8]).unwrap_err();
        assert!(matches!(e, SignalError::TooLarge { .. }), "{e}");
        // offset beyond the file
        assert!(matches!(one_file("r 1 100 1\nr.dat 16+100\n", vec![0; 8]), Err(SignalError::Truncated { .. })));
    }

    #[test]
    fn invalid_samples_interpolated_or_refused() {
        let mut v = vec![0i16; 200];
        for (i, x) in v.iter_mut().enumerate() {
            *x = i as i16;
        }
        v[50] = -32768;
        v[199] = -32768;
        let cks = |v: &[i16]| v.iter().map(|&x| i64::from(x)).sum::<i64>();
        let rec = one_file(&format!("r 1 100 200\nr.dat 16 1 16 0 0 {} 0 V4\n", cks(&v)), fmt16(&v)).unwrap();
        assert_eq!(rec.leads[0].samples_mv[50], 50.0);
        assert_eq!(rec.leads[0].samples_mv[199], 198.0);
        assert!(rec.comments.iter().any(|c| c.contains("V4") && c.contains("2 invalid")));
        v[10] = -32768;
        let e = one_file(&format!("r 1 100 200\nr.dat 16 1 16 0 0 {} 0 V4\n", cks(&v)), fmt16(&v)).unwrap_err();
        assert!(matches!(&e, SignalError::InvalidSamples { lead, count: 3, .. } if lead == "V4"), "{e}");
        let e = one_file("r 1 100 1\nr.dat 212 1\n", vec![0x00, 0x08, 0x00]).unwrap_err();
        assert!(matches!(e, SignalError::InvalidSamples { .. }), "{e}");
        let mut g = [f32::NAN, 1.0, f32::NAN, f32::NAN, 4.0, f32::NAN];
        interpolate_gaps(&mut g);
        assert_eq!(g, [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]);
    }

    fn encode(format: u32, v: &[i64]) -> Vec<u8> {
        match format {
            16 => v.iter().flat_map(|&x| (x as i16).to_le_bytes()).collect(),
            212 => {
                let mut out = Vec::new();
                for pair in v.chunks(2) {
                    let a = pair[0] as u32 & 0xFFF;
                    let b = pair.get(1).map_or(0, |&x| x as u32 & 0xFFF);
                    out.extend([(a & 0xFF) as u8, ((a >> 8) | ((b >> 8) << 4)) as u8]);
                    if pair.len() == 2 {
                        out.push((b & 0xFF) as u8);
                    }
                }
                out
            }
            80 => v.iter().map(|&x| (x + 128) as u8).collect(),
            _ => unreachable!(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Random digital values in one of three formats, 1–4 interleaved leads, random gain and baseline:
        /// the reader returns (adu - baseline) / gain for every sample, and the checksums agree.
        #[test]
        fn roundtrip(fmt_i in 0usize..3, n_sig in 1usize..5, n in 1usize..40, seed in 0u64..u64::MAX,
                     gain in 1.0f64..5000.0, baseline in -100i64..100) {
            let format = [16u32, 212, 80][fmt_i];
            let lim = [32767i64, 2047, 127][fmt_i];
            let mut state = seed;
            let mut next = || { state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (state >> 33) as i64 };
            let values: Vec<Vec<i64>> = (0..n_sig).map(|_| (0..n).map(|_| next() % (2 * lim + 1) - lim).collect()).collect();
            let mut hea = format!("rt {n_sig} 500 {n}\n");
            for (j, v) in values.iter().enumerate() {
                hea += &format!("rt.dat {format} {gain}({baseline})/mV 0 0 0 {} 0 V{}\n", v.iter().sum::<i64>(), j + 1);
            }
            let interleaved: Vec<i64> = (0..n).flat_map(|t| values.iter().map(move |v| v[t])).collect();
            let dat = encode(format, &interleaved);
            let rec = read_record(hea.as_bytes(), &|_| Some(dat.clone())).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(rec.leads.len(), n_sig);
            for (lead, v) in rec.leads.iter().zip(&values) {
                for (got, &d) in lead.samples_mv.iter().zip(v) {
                    let want = ((d - baseline) as f64 / gain) as f32;
                    proptest::prop_assert_eq!(*got, want);
                }
            }
            // one byte short: an error, never a panic
            proptest::prop_assert!(read_record(hea.as_bytes(), &|_| Some(dat[..dat.len() - 1].to_vec())).is_err());
        }

        /// Headers assembled from plausible and implausible tokens, with random data: never a panic,
        /// and whatever is accepted is a valid record.
        #[test]
        fn never_panics(toks in proptest::collection::vec(0usize..24, 0..30), dat in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            const T: [&str; 24] = ["r", "2", "1", "500", "0", "-1", "16", "212", "310", "80", "8", "r.dat", "\n", "\n",
                "100(3)/mV", "1/uV", "x", "16+2", "16x2", "#c", "4294967296", "99999999999999999999", "1e308", "nan"];
            let hea: String = toks.iter().map(|&i| T[i]).collect::<Vec<_>>().join(" ");
            if let Ok(rec) = read_record(hea.as_bytes(), &|_| Some(dat.clone())) {
                proptest::prop_assert!(rec.validate().is_ok());
            }
            let _ = read_annotations(&dat);
        }
    }

    fn ann_word(a: u16, i: u16) -> [u8; 2] {
        ((a << 10) | (i & 0x3FF)).to_le_bytes()
    }

    #[test]
    fn annotations() {
        let mut b = Vec::new();
        b.extend(ann_word(39, 100)); // ( at 100
        b.extend(ann_word(62, 3)); // CHN 3
        b.extend(ann_word(24, 10)); // p at 110
        b.extend(ann_word(61, 0xFF)); // SUB -1
        b.extend(ann_word(40, 10)); // ) at 120
        b.extend(ann_word(63, 3)); // AUX "abc" + pad
        b.extend(b"abc\0");
        b.extend(ann_word(59, 0)); // SKIP 100000
        b.extend(((100_000u32 >> 16) as u16).to_le_bytes());
        b.extend(((100_000u32 & 0xFFFF) as u16).to_le_bytes());
        b.extend(ann_word(1, 5)); // N at 120 + 100000 + 5
        b.extend(ann_word(60, 7)); // NUM 7
        b.extend([0, 0]);
        b.extend(ann_word(1, 5)); // after EOF: ignored
        let a = read_annotations(&b).unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!((a[0].sample, a[0].symbol, a[0].chan), (100, '(', 3)); // CHN modifies the annotation before it
        assert_eq!((a[1].sample, a[1].symbol, a[1].chan, a[1].subtype), (110, 'p', 3, -1));
        assert_eq!((a[2].sample, a[2].symbol, a[2].chan, a[2].aux.as_deref()), (120, ')', 3, Some("abc")));
        assert_eq!((a[3].sample, a[3].symbol, a[3].num, a[3].chan), (100_125, 'N', 7, 3));
        let grouped = crate::landmarks::waves(&a);
        assert_eq!(grouped, vec![crate::landmarks::Wave { kind: crate::landmarks::WaveKind::P, start: 100, end: 120 }]);
        // truncated pseudo-annotations and negative times are errors
        let mut t = ann_word(59, 0).to_vec();
        t.extend([1, 2]);
        assert!(read_annotations(&t).is_err());
        let mut t = ann_word(1, 1).to_vec();
        t.extend(ann_word(63, 10));
        t.extend(b"abc");
        assert!(read_annotations(&t).is_err());
        let mut t = ann_word(59, 0).to_vec();
        t.extend(0xFFFFu16.to_le_bytes());
        t.extend(0xFFF0u16.to_le_bytes());
        t.extend(ann_word(1, 0));
        assert!(read_annotations(&t).is_err());
        assert!(read_annotations(&[]).unwrap().is_empty());
        assert!(read_annotations(&[7]).unwrap().is_empty());
        assert_eq!(annotation_symbol(1), 'N');
        assert_eq!(annotation_symbol(27), 't');
        assert_eq!(annotation_symbol(41), 'r');
        assert_eq!(annotation_symbol(15), '\u{FFFD}');
        assert_eq!(annotation_symbol(50), '\u{FFFD}');
    }
}
