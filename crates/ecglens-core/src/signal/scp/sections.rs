//! The record's frame: the 6-byte record header (CRC, length), section 0's pointer table, and each section's
//! 16-byte header (CRC, id, length, versions), with the CRC-CCITT checks.
//!
//! A CRC that does not match is a warning, not a refusal (as ECGToolkit and BioSig do: carts and converters
//! are known to write wrong CRCs, and the structure of each section is checked on its own). What is refused is
//! a frame that cannot be followed: a record shorter than its stated length, a pointer past the end, a section
//! whose header names another section.

use crate::signal::thousands;
use std::collections::BTreeMap;

use super::ScpError;

/// Little-endian reads at an offset, `None` past the end.
pub(super) fn u8_at(data: &[u8], at: usize) -> Option<u8> {
    data.get(at).copied()
}

pub(super) fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

pub(super) fn i16_at(data: &[u8], at: usize) -> Option<i16> {
    u16_at(data, at).map(|v| i16::from_le_bytes(v.to_le_bytes()))
}

pub(super) fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([*b.first()?, *b.get(1)?, *b.get(2)?, *b.get(3)?]))
}

/// CRC-CCITT as EN 1064 defines it: polynomial 0x1021, initial value 0xFFFF, bits not reflected.
pub(super) fn crc_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

/// What each standard section holds, for messages.
pub(super) fn section_name(id: u16) -> String {
    let what = match id {
        0 => "pointers",
        1 => "patient and acquisition header",
        2 => "Huffman tables",
        3 => "lead definition",
        4 => "QRS locations",
        5 => "reference beat",
        6 => "rhythm data",
        7 => "global measurements",
        8 => "interpretation statements",
        9 => "manufacturer's interpretation",
        10 => "lead measurements",
        11 => "universal statement codes",
        _ => return format!("section {id}"),
    };
    format!("section {id} ({what})")
}

/// One section: its content after the 16-byte header.
#[derive(Debug, Clone, Copy)]
pub(super) struct Section<'a> {
    pub content: &'a [u8],
    pub protocol_version: u8,
}

/// The sections section 0 points to, by id. A section that cannot be located holds the reason.
#[derive(Debug)]
pub(super) struct Frame<'a> {
    sections: BTreeMap<u16, Result<Section<'a>, String>>,
    /// The protocol version byte of section 0's header (10..13 = v1.x, 20 = v2.0, 29/30 = v3.0).
    pub protocol_version: u8,
    pub warnings: Vec<String>,
}

impl<'a> Frame<'a> {
    /// The section `id`: `Ok(None)` when the file does not carry it, `Err` when it points to something broken.
    pub fn section(&self, id: u16) -> Result<Option<Section<'a>>, ScpError> {
        match self.sections.get(&id) {
            None => Ok(None),
            Some(Ok(s)) => Ok(Some(*s)),
            Some(Err(message)) => Err(ScpError::Malformed(message.clone())),
        }
    }

    /// An optional section: a broken one becomes a warning and is skipped.
    pub fn optional(&mut self, id: u16) -> Option<Section<'a>> {
        match self.section(id) {
            Ok(s) => s,
            Err(e) => {
                self.warnings.push(format!("ecglens: {} was skipped: {}", section_name(id), e.message()));
                None
            }
        }
    }
}

const RECORD_HEADER: usize = 6;
const SECTION_HEADER: usize = 16;
const POINTER: usize = 10;

/// Parses the record header, section 0 and the header of every section it points to.
pub(super) fn parse(bytes: &[u8]) -> Result<Frame<'_>, ScpError> {
    let malformed = |m: String| ScpError::Malformed(m);
    let too_short = || {
        malformed(format!(
            "the file is {} bytes long, too short for an SCP-ECG record (its header and pointer section need {})",
            bytes.len(),
            RECORD_HEADER + SECTION_HEADER
        ))
    };
    let (Some(record_crc), Some(stated)) = (u16_at(bytes, 0), u32_at(bytes, 2)) else { return Err(too_short()) };
    let stated = usize::try_from(stated).unwrap_or(usize::MAX);
    if bytes.len() < RECORD_HEADER + SECTION_HEADER {
        return Err(too_short());
    }
    if stated > bytes.len() {
        return Err(malformed(format!(
            "the file holds {} of the {} bytes its header states: the file is truncated",
            thousands(bytes.len()),
            thousands(stated)
        )));
    }
    if stated < RECORD_HEADER + SECTION_HEADER {
        return Err(malformed(format!(
            "the record header states a length of {stated} bytes, too short for an SCP-ECG record"
        )));
    }
    let mut warnings = Vec::new();
    if stated < bytes.len() {
        warnings.push(format!(
            "ecglens: the file has {} bytes after the end of the SCP-ECG record; they were ignored",
            thousands(bytes.len() - stated)
        ));
    }
    let record = bytes.get(..stated).ok_or_else(too_short)?;
    let computed = crc_ccitt(record.get(2..).unwrap_or_default());
    if computed != record_crc {
        warnings.push(format!(
            "ecglens: the record's CRC ({record_crc:#06x}) does not match its contents ({computed:#06x}): the file may be corrupt; it was read anyway"
        ));
    }

    // Section 0 starts right after the record header.
    let s0 = header(record, RECORD_HEADER, None, 0, &mut warnings).map_err(|m| {
        malformed(format!("the pointer section (section 0) cannot be read: {m}; this is not a valid SCP-ECG record"))
    })?;
    let protocol_version = s0.protocol_version;
    let mut sections = BTreeMap::new();
    for entry in s0.content.chunks_exact(POINTER) {
        let (Some(id), Some(length), Some(index)) = (u16_at(entry, 0), u32_at(entry, 2), u32_at(entry, 6)) else {
            continue;
        };
        if id == 0 || length == 0 || index == 0 || sections.contains_key(&id) {
            continue;
        }
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        let start = usize::try_from(index - 1).unwrap_or(usize::MAX);
        let located = header(record, start, Some(length), id, &mut warnings);
        sections.insert(id, located.map_err(|m| format!("{}: {m}", section_name(id))));
    }
    Ok(Frame { sections, protocol_version, warnings })
}

/// Reads the section header at `start` (of length `pointed` per section 0, when known) and checks its CRC.
fn header<'a>(
    record: &'a [u8],
    start: usize,
    pointed: Option<usize>,
    id: u16,
    warnings: &mut Vec<String>,
) -> Result<Section<'a>, String> {
    let past_end = |n: usize| {
        format!(
            "it should start at byte {} and take {} bytes, but the record ends at byte {}: the file is truncated",
            thousands(start),
            thousands(n),
            thousands(record.len())
        )
    };
    let (Some(crc), Some(header_id), Some(header_length)) =
        (u16_at(record, start), u16_at(record, start.saturating_add(2)), u32_at(record, start.saturating_add(4)))
    else {
        return Err(past_end(SECTION_HEADER));
    };
    if header_id != id {
        return Err(format!("its header says it is section {header_id}, not section {id}"));
    }
    let header_length = usize::try_from(header_length).unwrap_or(usize::MAX);
    let length = match pointed {
        Some(p) if p != header_length => {
            warnings.push(format!(
                "ecglens: {} is {} bytes long according to section 0 but {} according to its own header; the shorter was used",
                section_name(id),
                thousands(p),
                thousands(header_length)
            ));
            p.min(header_length)
        }
        _ => header_length,
    };
    if length < SECTION_HEADER {
        return Err(format!("its header states a length of {length} bytes, shorter than the 16-byte header"));
    }
    let end = start.checked_add(length).ok_or_else(|| past_end(length))?;
    let bytes = record.get(start..end).ok_or_else(|| past_end(length))?;
    let computed = crc_ccitt(bytes.get(2..).unwrap_or_default());
    if computed != crc {
        warnings.push(format!(
            "ecglens: the CRC of {} ({crc:#06x}) does not match its contents ({computed:#06x}): the section may be corrupt; it was read anyway",
            section_name(id)
        ));
    }
    Ok(Section {
        content: bytes.get(SECTION_HEADER..).unwrap_or_default(),
        protocol_version: u8_at(bytes, 9).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_ccitt_check_value() {
        // The standard check value of CRC-16/CCITT-FALSE.
        assert_eq!(crc_ccitt(b"123456789"), 0x29B1);
        assert_eq!(crc_ccitt(b""), 0xFFFF);
    }

    #[test]
    fn little_endian_reads_stop_at_the_end() {
        let d = [0x34, 0x12, 0xff, 0xff];
        assert_eq!(u16_at(&d, 0), Some(0x1234));
        assert_eq!(i16_at(&d, 2), Some(-1));
        assert_eq!(u32_at(&d, 0), Some(0xffff_1234));
        assert_eq!(u16_at(&d, 3), None);
        assert_eq!(u32_at(&d, 1), None);
        assert_eq!(u16_at(&d, usize::MAX), None);
    }

    #[test]
    fn short_and_truncated_records_are_refused() {
        let e = parse(&[0; 10]).unwrap_err();
        assert!(e.message().contains("too short"), "{}", e.message());
        let mut b = vec![0u8; 40];
        b[2..6].copy_from_slice(&100u32.to_le_bytes());
        let e = parse(&b).unwrap_err();
        assert!(e.message().contains("holds 40 of the 100 bytes"), "{}", e.message());
    }
}
