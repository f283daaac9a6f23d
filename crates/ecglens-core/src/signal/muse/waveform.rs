//! One `<LeadData>` of a MUSE waveform: its header (lead, scale, counts, checksum) and its samples (Base64 of
//! little-endian int16), with the checks a clinician can act on (truncated data, corrupt Base64, bad checksum).

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use super::super::leads::canonical_lead_name;
use super::super::thousands;
use super::super::xml::tree::Element;

/// Standard alphabet; padding optional (some exporters drop the trailing `=`).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Millivolts per unit of `<LeadAmplitudeUnits>`; `None` for a unit that is not a voltage ecglens knows.
pub(super) fn mv_per_unit(unit: &str) -> Option<f64> {
    Some(match unit.trim().to_ascii_uppercase().as_str() {
        "NANOVOLTS" | "NV" => 1e-6,
        "MICROVOLTS" | "UV" | "µV" => 1e-3,
        "MILLIVOLTS" | "MV" => 1.0,
        "VOLTS" | "V" => 1e3,
        _ => return None,
    })
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib's `crc32` and MUSE's `<LeadDataCRC32>`.
pub(super) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// What a `<LeadData>` says about itself, read before any sample is decoded.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LeadHeader<'a> {
    /// The standard name when `<LeadID>` maps to one, else the ID as written.
    pub name: String,
    /// Millivolts per stored unit (`LeadAmplitudeUnitsPerBit` × the unit in mV).
    pub mv_per_bit: f64,
    /// `<FirstSampleBaseline>`, added to every stored value (BRAVEHEART does; it is 0 in files seen).
    pub baseline: i32,
    pub sample_count: Option<usize>,
    pub byte_count: Option<usize>,
    pub crc: Option<u32>,
    /// The Base64 text of `<WaveFormData>`.
    pub data: &'a str,
    /// Notes on defaults taken (no unit stated, a start offset).
    pub notes: Vec<String>,
}

impl LeadHeader<'_> {
    /// At most this many samples the data can hold (3 bytes per 4 Base64 characters, 2 bytes per sample),
    /// and the stated count when it is smaller: the bound used to check sizes before decoding.
    pub fn max_samples(&self) -> usize {
        let chars = self.data.bytes().filter(|b| !b.is_ascii_whitespace()).count();
        let from_data = chars / 4 * 3 / 2 + 1;
        self.sample_count.map_or(from_data, |n| n.min(from_data))
    }
}

fn number<T: std::str::FromStr>(lead: &Element, tag: &str, what: &str, name: &str) -> Result<Option<T>, String> {
    match lead.child_text(tag) {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| format!("lead {name}: the {what} <{tag}> '{t}' is not a number")),
    }
}

/// Reads the header of the `index`th (0-based) `<LeadData>`.
pub(super) fn header(lead: &Element, index: usize) -> Result<LeadHeader<'_>, String> {
    let id = lead.child_text("LeadID").map_or_else(|| format!("#{}", index.saturating_add(1)), str::to_string);
    let name = canonical_lead_name(&id).map_or(id, str::to_string);
    let mut notes = Vec::new();
    let per_bit: f64 = number(lead, "LeadAmplitudeUnitsPerBit", "scale", &name)?
        .ok_or_else(|| format!("lead {name} has no <LeadAmplitudeUnitsPerBit>: its amplitude scale is unknown"))?;
    if !(per_bit.is_finite() && per_bit > 0.0) {
        return Err(format!("lead {name}: the scale <LeadAmplitudeUnitsPerBit> is {per_bit}, it must be positive"));
    }
    let unit_mv = match lead.child_text("LeadAmplitudeUnits") {
        Some(unit) => mv_per_unit(unit).ok_or_else(|| {
            format!(
                "lead {name}: the amplitude unit is '{unit}', which is not a voltage unit ecglens knows \
                 (MICROVOLTS, MILLIVOLTS, NANOVOLTS, VOLTS)"
            )
        })?,
        None => {
            notes.push(format!("ecglens: lead {name} states no <LeadAmplitudeUnits>; microvolts assumed"));
            1e-3
        }
    };
    let mv_per_bit = per_bit * unit_mv;
    if !mv_per_bit.is_finite() || mv_per_bit * 32768.0 > 1e12 {
        return Err(format!("lead {name}: the scale {per_bit} per bit is beyond any voltage"));
    }
    if let Some(size) = number::<u32>(lead, "LeadSampleSize", "sample size", &name)? {
        if size != 2 {
            return Err(format!(
                "lead {name} stores samples of {size} bytes; ecglens reads MUSE's 2-byte (int16) samples"
            ));
        }
    }
    let offset: i64 = number(lead, "LeadOffsetFirstSample", "start offset", &name)?.unwrap_or(0);
    if offset != 0 {
        notes.push(format!(
            "ecglens: lead {name} states a first-sample offset of {offset}; it is read as starting with the others"
        ));
    }
    let data = lead.child("WaveFormData").map_or("", |d| d.text.as_str());
    if data.trim().is_empty() {
        return Err(format!("lead {name} has no <WaveFormData>: its samples are missing"));
    }
    Ok(LeadHeader {
        baseline: number(lead, "FirstSampleBaseline", "baseline", &name)?.unwrap_or(0),
        sample_count: number(lead, "LeadSampleCountTotal", "sample count", &name)?,
        byte_count: number(lead, "LeadByteCountTotal", "byte count", &name)?,
        crc: number(lead, "LeadDataCRC32", "checksum", &name)?,
        name,
        mv_per_bit,
        data,
        notes,
    })
}

/// Decodes the Base64 of `<WaveFormData>` (whitespace and line breaks ignored). The error names the character
/// (counted in the element's text, from 1) where the Base64 goes wrong.
pub(super) fn decode_base64(name: &str, text: &str) -> Result<Vec<u8>, String> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    // The position in the text of the `k`th non-blank character.
    let at_text = |k: usize| {
        text.char_indices()
            .filter(|(_, c)| !c.is_ascii_whitespace())
            .nth(k)
            .map_or(k, |(byte, _)| text.get(..byte).map_or(byte, |s| s.chars().count()))
            .saturating_add(1)
    };
    BASE64.decode(&compact).map_err(|e| match e {
        base64::DecodeError::InvalidByte(k, byte) | base64::DecodeError::InvalidLastSymbol(k, byte) => format!(
            "the Base64 waveform data of lead {name} is corrupt at character {} ({:?} is not Base64 there)",
            thousands(at_text(k)),
            char::from(byte)
        ),
        base64::DecodeError::InvalidLength(n) => format!(
            "the Base64 waveform data of lead {name} has {} characters, not a whole number of groups: it is cut short",
            thousands(n)
        ),
        base64::DecodeError::InvalidPadding => {
            format!("the Base64 waveform data of lead {name} is corrupt (its '=' padding is wrong)")
        }
    })
}

/// The samples in mV of one lead: `n` int16 from `bytes`. `warnings` gets the checksum and count notes.
pub(super) fn samples(h: &LeadHeader, bytes: &[u8], n: usize, warnings: &mut Vec<String>) -> Result<Vec<f32>, String> {
    let name = &h.name;
    let needed = n.saturating_mul(2);
    if bytes.len() < needed {
        let stated = h.byte_count.unwrap_or(needed).max(needed);
        return Err(format!(
            "the waveform data of lead {name} ends after {} of {} bytes: the file is truncated",
            thousands(bytes.len()),
            thousands(stated)
        ));
    }
    if let Some(stated) = h.byte_count.filter(|&b| b != bytes.len()) {
        warnings.push(format!(
            "ecglens: lead {name} holds {} bytes of data, its <LeadByteCountTotal> says {}",
            thousands(bytes.len()),
            thousands(stated)
        ));
    }
    if let Some(stated) = h.crc {
        let actual = crc32(bytes);
        if actual != stated {
            warnings.push(format!(
                "ecglens: the checksum (CRC-32) of lead {name} does not match its data (the file says {stated}, \
                 the data gives {actual}): the samples may be corrupt"
            ));
        }
    }
    let baseline = f64::from(h.baseline);
    Ok(bytes
        .chunks_exact(2)
        .take(n)
        .map(|b| ((f64::from(i16::from_le_bytes([b[0], b[1]])) + baseline) * h.mv_per_bit) as f32)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::xml::tree;

    fn lead(inner: &str) -> Element {
        tree::parse(&format!("<LeadData>{inner}</LeadData>")).unwrap()
    }

    #[test]
    fn crc32_is_zlibs() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
    }

    #[test]
    fn reads_a_header_with_defaults() {
        let e = lead(
            "<LeadID>V3</LeadID><LeadAmplitudeUnitsPerBit>4.88</LeadAmplitudeUnitsPerBit>\
             <LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits><LeadSampleCountTotal>2</LeadSampleCountTotal>\
             <LeadDataCRC32>7</LeadDataCRC32><WaveFormData>\n AQD//w==\n</WaveFormData>",
        );
        let h = header(&e, 0).unwrap();
        assert_eq!(
            (h.name.as_str(), h.sample_count, h.byte_count, h.crc, h.baseline),
            ("V3", Some(2), None, Some(7), 0)
        );
        assert!((h.mv_per_bit - 0.00488).abs() < 1e-12);
        assert_eq!(h.max_samples(), 2);
        let bytes = decode_base64("V3", h.data).unwrap();
        assert_eq!(bytes, [1, 0, 0xff, 0xff]);
        let mut warnings = Vec::new();
        let s = samples(&h, &bytes, 2, &mut warnings).unwrap();
        assert_eq!(s, [0.00488f32, -0.00488]);
        assert!(warnings[0].contains("checksum (CRC-32) of lead V3 does not match"), "{warnings:?}");
        let e = lead("<LeadAmplitudeUnitsPerBit>1</LeadAmplitudeUnitsPerBit><WaveFormData>AAA=</WaveFormData>");
        let h = header(&e, 4).unwrap();
        assert_eq!(h.name, "#5");
        assert!(h.notes[0].contains("microvolts assumed"));
    }

    #[test]
    fn header_errors_say_what_is_wrong() {
        let err = |inner: &str| header(&lead(inner), 0).unwrap_err();
        let data = "<WaveFormData>AAA=</WaveFormData><LeadID>I</LeadID>";
        assert!(err(data).contains("lead I has no <LeadAmplitudeUnitsPerBit>"));
        let e = err(&format!("{data}<LeadAmplitudeUnitsPerBit>x</LeadAmplitudeUnitsPerBit>"));
        assert!(e.contains("lead I: the scale <LeadAmplitudeUnitsPerBit> 'x' is not a number"), "{e}");
        let e = err(&format!("{data}<LeadAmplitudeUnitsPerBit>-1</LeadAmplitudeUnitsPerBit>"));
        assert!(e.contains("must be positive"), "{e}");
        let scaled = format!("{data}<LeadAmplitudeUnitsPerBit>1</LeadAmplitudeUnitsPerBit>");
        let e = err(&format!("{scaled}<LeadAmplitudeUnits>MMHG</LeadAmplitudeUnits>"));
        assert!(e.contains("amplitude unit is 'MMHG', which is not a voltage unit"), "{e}");
        assert!(err(&format!("{scaled}<LeadSampleSize>4</LeadSampleSize>")).contains("samples of 4 bytes"));
        let e = err("<LeadID>V2</LeadID><LeadAmplitudeUnitsPerBit>1</LeadAmplitudeUnitsPerBit><WaveFormData/>");
        assert!(e.contains("lead V2 has no <WaveFormData>"), "{e}");
        let e = err(&format!("{data}<LeadAmplitudeUnitsPerBit>1e300</LeadAmplitudeUnitsPerBit>"));
        assert!(e.contains("beyond any voltage"), "{e}");
    }

    #[test]
    fn corrupt_base64_names_the_character() {
        let e = decode_base64("V1", "\n  AQD/\n  /w*=\n").unwrap_err();
        assert!(e.contains("lead V1 is corrupt at character 13 ('*' is not Base64 there)"), "{e}");
        assert!(decode_base64("V1", "AQD//w=").is_ok(), "padding is optional");
        let e = decode_base64("V1", "AQD//").unwrap_err();
        assert!(e.contains("lead V1 has 5 characters, not a whole number of groups: it is cut short"), "{e}");
        assert!(decode_base64("V1", "A").unwrap_err().contains("not a whole number of groups"));
    }

    #[test]
    fn short_data_is_truncation() {
        let e = lead("<LeadID>II</LeadID><LeadAmplitudeUnitsPerBit>1</LeadAmplitudeUnitsPerBit><LeadByteCountTotal>10000</LeadByteCountTotal><WaveFormData>AAA=</WaveFormData>");
        let h = header(&e, 0).unwrap();
        let e = samples(&h, &[0, 0], 5000, &mut Vec::new()).unwrap_err();
        assert_eq!(e, "the waveform data of lead II ends after 2 of 10,000 bytes: the file is truncated");
    }
}
