//! Which reader a file goes to, decided by its content (its first [`SNIFF_BYTES`] bytes), not its name, and
//! what an unrecognised file looks like, for the message.
//!
//! WFDB is the one exception: a record is a header plus the signal files it names, so `.hea` headers and the
//! `.dat` files they name are recognised by name (and paired by [`crate::batch`]).
//!
//! Light on purpose: the page runs it on every dropped file, so it links no reader and no XML parser.

use super::source::Format;
use super::xml;

/// How much of a file [`sniff`] needs.
pub const SNIFF_BYTES: usize = 16 * 1024;

/// What a file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// One of the formats ecglens reads.
    Known(Format),
    /// Something else; `looks_like` says what ("a PDF document", "XML with root <foo>").
    Unknown { looks_like: String },
}

/// Is `name` a WFDB header (by name: headers are plain text with nothing distinctive at the start)?
pub fn is_wfdb_header_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".hea")
}

/// SCP-ECG: a 6-byte record preamble (CRC, length), then section 0's 16-byte header with section id 0 and,
/// from version 2.0 on, the reserved bytes "SCPECG". Version 1.x files leave them zero: then the record length
/// must equal the file's and section 0's length must be plausible.
fn is_scp(head: &[u8], total_len: u64) -> bool {
    if head.len() < 22 || u16::from_le_bytes([head[8], head[9]]) != 0 {
        return false;
    }
    if &head[16..22] == b"SCPECG" {
        return true;
    }
    let record_len = u32::from_le_bytes([head[2], head[3], head[4], head[5]]) as u64;
    let section0_len = u32::from_le_bytes([head[10], head[11], head[12], head[13]]) as u64;
    record_len == total_len && (16..=record_len).contains(&section0_len) && matches!(head[14], 10..=13)
}

/// The format of a file from its first bytes (`head`, at least [`SNIFF_BYTES`] where the file is that long)
/// and its total length.
pub fn sniff(name: &str, head: &[u8], total_len: u64) -> Sniffed {
    if is_wfdb_header_name(name) {
        return Sniffed::Known(Format::Wfdb);
    }
    if head.len() >= 132 && &head[128..132] == b"DICM" {
        return Sniffed::Known(Format::Dicom);
    }
    if is_scp(head, total_len) {
        return Sniffed::Known(Format::ScpEcg);
    }
    if let Some(root) = xml::root_element(head) {
        return match root.as_str() {
            "AnnotatedECG" => Sniffed::Known(Format::Hl7Aecg),
            "RestingECG" => Sniffed::Known(Format::MuseXml),
            "restingecgdata" => Sniffed::Known(Format::PhilipsXml),
            _ => Sniffed::Unknown { looks_like: format!("XML with root <{root}>") },
        };
    }
    Sniffed::Unknown { looks_like: looks_like(head, total_len).to_string() }
}

fn looks_like(head: &[u8], total_len: u64) -> &'static str {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if total_len == 0 {
        "an empty file"
    } else if starts(b"%PDF") {
        "a PDF document"
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        "a ZIP archive (unpack it and drop the files inside)"
    } else if starts(&[0x1F, 0x8B]) {
        "a gzip-compressed file (unpack it first)"
    } else if starts(b"\x89PNG") {
        "a PNG image"
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        "a JPEG image"
    } else if starts(b"\x89HDF\r\n\x1a\n") {
        "an HDF5 file"
    } else if starts(b"\x93NUMPY") {
        "a NumPy array (.npy)"
    } else if starts(b"MATLAB") {
        "a MATLAB .mat file"
    } else if head.len() >= 8 && &head[..8] == b"0       " {
        "an EDF file"
    } else if starts(b"<") {
        "XML or HTML that is not well formed"
    } else if head
        .iter()
        .take(4096)
        .all(|&b| b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7F).contains(&b) || b >= 0x80)
    {
        "a text file"
    } else {
        "binary data of an unknown format"
    }
}

/// The message for a file ecglens cannot read.
pub fn unrecognised_message(name: &str, looks_like: &str) -> String {
    format!(
        "{name}: not an ECG format ecglens reads; it looks like {looks_like}. Supported: {}",
        Format::supported_list()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_formats_by_content_whatever_the_name() {
        let mut dicom = vec![0u8; 200];
        dicom[128..132].copy_from_slice(b"DICM");
        assert_eq!(sniff("scan.bin", &dicom, 200), Sniffed::Known(Format::Dicom));
        let mut scp = vec![0u8; 64];
        scp[16..22].copy_from_slice(b"SCPECG");
        assert_eq!(sniff("x.dat2", &scp, 64), Sniffed::Known(Format::ScpEcg));
        // v1.x: no "SCPECG", but the record length is the file's and section 0 is plausible.
        let mut v1 = vec![0u8; 64];
        v1[2..6].copy_from_slice(&1000u32.to_le_bytes());
        v1[10..14].copy_from_slice(&136u32.to_le_bytes());
        v1[14] = 11;
        assert_eq!(sniff("old", &v1, 1000), Sniffed::Known(Format::ScpEcg));
        assert!(matches!(sniff("old", &v1, 999), Sniffed::Unknown { .. }));
        assert_eq!(sniff("a.txt", b"<?xml version=\"1.0\"?><RestingECG>", 40), Sniffed::Known(Format::MuseXml));
        assert_eq!(sniff("a", b"<restingecgdata>", 16), Sniffed::Known(Format::PhilipsXml));
        assert_eq!(sniff("a", b"<AnnotatedECG xmlns=\"urn:hl7-org:v3\">", 40), Sniffed::Known(Format::Hl7Aecg));
        assert_eq!(sniff("r.HEA", b"r 12 500 5000", 13), Sniffed::Known(Format::Wfdb));
    }

    #[test]
    fn unknown_files_say_what_they_look_like() {
        let say = |head: &[u8], len: u64| match sniff("f", head, len) {
            Sniffed::Unknown { looks_like } => looks_like,
            other => panic!("{other:?}"),
        };
        assert_eq!(say(b"%PDF-1.7", 8), "a PDF document");
        assert!(say(b"PK\x03\x04rest", 8).starts_with("a ZIP archive"));
        assert_eq!(say(b"<?xml version=\"1.0\"?><foo:bar/>", 30), "XML with root <bar>");
        assert_eq!(say(b"", 0), "an empty file");
        assert_eq!(say(b"time,I,II\n0,0.1,0.2\n", 20), "a text file");
        assert_eq!(say(&[0, 1, 2, 3, 0xFF], 5), "binary data of an unknown format");
        assert_eq!(say(b"0       12345", 13), "an EDF file");
        let m = unrecognised_message("report.pdf", "a PDF document");
        assert!(
            m.starts_with("report.pdf: not an ECG format") && m.contains("a PDF document") && m.contains("SCP-ECG")
        );
    }
}
