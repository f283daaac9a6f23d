//! The EDF/BDF header: 256 bytes about the recording, then 256 bytes per signal, all ASCII fields padded with
//! spaces (EDF spec, <https://www.edfplus.info/specs/edf.html>; EDF+ adds the reserved field's "EDF+C"/"EDF+D"
//! and structured patient/recording fields, <https://www.edfplus.info/specs/edfplus.html>; BDF is the same
//! header with version byte 0xFF + "BIOSEMI" and 24-bit samples).

/// The most signals a header may declare (its size stays under 1 MB: 256 bytes per signal).
pub const MAX_HEADER_SIGNALS: usize = super::super::limits::MAX_HEADER_BYTES / 256 - 1;

/// EDF+ continuity, from the reserved field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plus {
    Continuous,
    Discontinuous,
}

/// One signal's header fields.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalHeader {
    pub label: String,
    pub transducer: String,
    pub dimension: String,
    /// Calibration fields; `None` when the field is not a number (an error only if the signal is read).
    pub physical_min: Option<f64>,
    pub physical_max: Option<f64>,
    pub digital_min: Option<i64>,
    pub digital_max: Option<i64>,
    pub prefiltering: String,
    pub samples_per_record: usize,
    /// Where this signal's samples start inside a data record, in bytes.
    pub offset_in_record: usize,
}

impl SignalHeader {
    /// "EDF Annotations" / "BDF Annotations": the EDF+ annotation signal.
    pub fn is_annotation(&self) -> bool {
        self.label == "EDF Annotations" || self.label == "BDF Annotations"
    }
}

/// The whole header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// BDF (24-bit samples) rather than EDF (16-bit).
    pub bdf: bool,
    pub plus: Option<Plus>,
    pub patient: String,
    pub recording: String,
    /// "dd.mm.yy" and "hh.mm.ss" as written.
    pub start_date: String,
    pub start_time: String,
    pub header_bytes: usize,
    /// As written: -1 means "unknown" (still being recorded).
    pub n_records_stated: i64,
    pub record_duration_s: f64,
    pub signals: Vec<SignalHeader>,
    /// Bytes of one data record (all signals).
    pub record_bytes: usize,
}

impl Header {
    pub fn bytes_per_sample(&self) -> usize {
        if self.bdf {
            3
        } else {
            2
        }
    }

    /// "EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D".
    pub fn variant(&self) -> &'static str {
        match (self.bdf, self.plus) {
            (false, None) => "EDF",
            (false, Some(Plus::Continuous)) => "EDF+C",
            (false, Some(Plus::Discontinuous)) => "EDF+D",
            (true, None) => "BDF",
            (true, Some(Plus::Continuous)) => "BDF+C",
            (true, Some(Plus::Discontinuous)) => "BDF+D",
        }
    }
}

/// An ASCII field as text: bytes outside ASCII are read as Latin-1 (some writers put "µV" that way), trimmed.
pub fn field(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect::<String>().trim().to_string()
}

fn number<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    field(bytes).parse::<T>().ok()
}

/// A decimal field (some writers use a decimal comma); finite only.
fn decimal(bytes: &[u8]) -> Option<f64> {
    field(bytes).replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The first 256 bytes say how long the whole header is: `Ok(header_bytes)`.
pub fn header_len(head: &[u8]) -> Result<usize, String> {
    let fixed = head.get(..256).ok_or_else(|| {
        format!("it is {} bytes long, shorter than the 256 bytes of an EDF header: it is truncated", head.len())
    })?;
    let bdf = fixed.starts_with(b"\xFFBIOSEMI");
    if !bdf && field(&fixed[..8]) != "0" {
        return Err(format!(
            "its version field is \"{}\", not \"0\" (EDF) or 0xFF BIOSEMI (BDF)",
            field(&fixed[..8]).chars().take(8).collect::<String>()
        ));
    }
    let ns: usize = number(&fixed[252..256]).ok_or_else(|| {
        format!("the number of signals \"{}\" (bytes 252–255) is not a number", field(&fixed[252..256]))
    })?;
    if ns == 0 {
        return Err("the header declares 0 signals".into());
    }
    if ns > MAX_HEADER_SIGNALS {
        return Err(format!("the header declares {ns} signals, more than the {MAX_HEADER_SIGNALS} ecglens reads"));
    }
    let stated: Option<usize> = number(&fixed[184..192]);
    let expected = 256 * (ns + 1);
    if stated != Some(expected) {
        return Err(format!(
            "the header says it is \"{}\" bytes long, but {ns} signals make a header of {} bytes",
            field(&fixed[184..192]),
            super::super::thousands(expected)
        ));
    }
    Ok(expected)
}

/// Parses the header from `head` (at least [`header_len`] bytes).
pub fn parse(head: &[u8]) -> Result<Header, String> {
    let header_bytes = header_len(head)?;
    let bytes = head.get(..header_bytes).ok_or_else(|| {
        format!(
            "its header declares {} signals and so is {} bytes long, but the file ends at byte {}: it is truncated",
            header_bytes / 256 - 1,
            super::super::thousands(header_bytes),
            super::super::thousands(head.len())
        )
    })?;
    let ns = header_bytes / 256 - 1;
    let bdf = bytes.starts_with(b"\xFFBIOSEMI");
    let reserved = field(&bytes[192..236]);
    let plus = if reserved.starts_with("EDF+C") || reserved.starts_with("BDF+C") {
        Some(Plus::Continuous)
    } else if reserved.starts_with("EDF+D") || reserved.starts_with("BDF+D") {
        Some(Plus::Discontinuous)
    } else {
        None
    };
    let n_records_stated: i64 = number(&bytes[236..244])
        .filter(|&n: &i64| n >= -1)
        .ok_or_else(|| format!("the number of data records \"{}\" is not a number", field(&bytes[236..244])))?;
    let record_duration_s = decimal(&bytes[244..252]).filter(|&d| d >= 0.0).ok_or_else(|| {
        format!("the duration of a data record \"{}\" is not a number of seconds", field(&bytes[244..252]))
    })?;
    // Signal fields: each is ns consecutive fields of one width, in this order.
    let widths = [16usize, 80, 8, 8, 8, 8, 8, 80, 8, 32];
    let mut starts = [0usize; 10];
    let mut at = 256;
    for (k, w) in widths.iter().enumerate() {
        starts[k] = at;
        at += w * ns;
    }
    let get = |k: usize, i: usize| -> &[u8] {
        let s = starts[k] + widths[k] * i;
        bytes.get(s..s + widths[k]).unwrap_or(&[])
    };
    let bytes_per_sample = if bdf { 3 } else { 2 };
    let mut signals = Vec::with_capacity(ns);
    let mut offset = 0usize;
    for i in 0..ns {
        let label = field(get(0, i));
        let samples_per_record: usize = number(get(8, i)).ok_or_else(|| {
            format!(
                "signal {} ({label}): the number of samples per record \"{}\" is not a number",
                i + 1,
                field(get(8, i))
            )
        })?;
        signals.push(SignalHeader {
            transducer: field(get(1, i)),
            dimension: field(get(2, i)),
            physical_min: decimal(get(3, i)),
            physical_max: decimal(get(4, i)),
            digital_min: number(get(5, i)),
            digital_max: number(get(6, i)),
            prefiltering: field(get(7, i)),
            samples_per_record,
            offset_in_record: offset,
            label,
        });
        offset = samples_per_record
            .checked_mul(bytes_per_sample)
            .and_then(|b| offset.checked_add(b))
            .filter(|&o| o <= super::super::limits::MAX_FILE_BYTES)
            .ok_or_else(|| "one data record would be larger than the 200 MB ecglens reads".to_string())?;
    }
    if offset == 0 {
        return Err("its signals have 0 samples per data record".into());
    }
    Ok(Header {
        bdf,
        plus,
        patient: field(&bytes[8..88]),
        recording: field(&bytes[88..168]),
        start_date: field(&bytes[168..176]),
        start_time: field(&bytes[176..184]),
        header_bytes,
        n_records_stated,
        record_duration_s,
        signals,
        record_bytes: offset,
    })
}
