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
    if let Some(format) = research_format(name, head) {
        return Sniffed::Known(format);
    }
    Sniffed::Unknown { looks_like: looks_like(head, total_len).to_string() }
}

/// HDF5's signature: at byte 0, or after a user block of 512, 1024, 2048... bytes (MATLAB 7.3 has 512).
pub const HDF5_SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

fn has_hdf5_signature(head: &[u8]) -> bool {
    let mut at = 0usize;
    while let Some(window) = head.get(at..at + 8) {
        if window == HDF5_SIGNATURE {
            return true;
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
    false
}

/// A MATLAB level-4 matrix header (no magic number: five int32, little- or big-endian): type MOPT with M the byte
/// order (0 little, 1 big), O 0, P the number type (0..=5), T 0 (numeric) or 1 (text); rows, columns ≥ 1; imagf
/// 0 or 1; a name length of 1..=64 whose name is printable and NUL-terminated.
fn is_matlab_v4(head: &[u8]) -> bool {
    let Some(h) = head.get(..20) else { return false };
    let word = |i: usize, big: bool| {
        let b = [h[i], h[i + 1], h[i + 2], h[i + 3]];
        if big {
            i32::from_be_bytes(b)
        } else {
            i32::from_le_bytes(b)
        }
    };
    [false, true].into_iter().any(|big| {
        let mopt = word(0, big);
        let (m, o, p, t) = (mopt / 1000, (mopt / 100) % 10, (mopt / 10) % 10, mopt % 10);
        let namlen = word(16, big);
        let valid_type = mopt >= 0 && m == i32::from(big) && o == 0 && p <= 5 && t <= 1;
        let valid_dims = word(4, big) >= 1 && word(8, big) >= 1 && matches!(word(12, big), 0 | 1);
        valid_type
            && valid_dims
            && (1..=64).contains(&namlen)
            && head.get(20..20 + namlen as usize).is_some_and(|name| {
                name.last() == Some(&0) && name[..name.len() - 1].iter().all(|b| b.is_ascii_graphic())
            })
    })
}

/// Delimited numbers: text whose lines (after at most a few header lines) split on one delimiter into the same
/// number of numeric fields, at least one per line, on at least two lines.
fn is_delimited_numbers(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // The head may end inside a multi-byte character.
        Err(e) if e.valid_up_to() + 4 >= head.len() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(t) => t,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    let mut lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if head.len() >= SNIFF_BYTES {
        lines.pop(); // maybe cut short
    }
    let numeric = |f: &str| {
        let f = f.trim().trim_matches('"');
        !f.is_empty() && f.replacen(',', ".", 1).parse::<f64>().is_ok()
    };
    [',', ';', '\t', ' '].into_iter().any(|delimiter| {
        let fields = |l: &str| -> Vec<String> {
            match delimiter {
                ' ' => l.split_whitespace().map(str::to_string).collect(),
                d => l.split(d).map(str::to_string).collect(),
            }
        };
        let Some(start) = lines.iter().take(4).position(|l| fields(l).iter().all(|f| numeric(f))) else {
            return false;
        };
        let body = &lines[start..];
        let width = fields(body[0]).len();
        // A single column only with an explicit delimiter-free layout is too weak a sign, unless it is long.
        body.len() >= 2
            && (width >= 2 || body.len() >= 50)
            && body.iter().all(|l| {
                let f = fields(l);
                f.len() == width && f.iter().all(|v| numeric(v))
            })
    })
}

/// The research formats by content: EDF/BDF, NumPy, MATLAB, HDF5 and delimited text.
fn research_format(name: &str, head: &[u8]) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    let header_len_ok = || {
        head.get(184..192)
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(|t| t.trim().parse::<u64>().ok())
            .is_some_and(|n| n >= 512 && n % 256 == 0)
    };
    if (head.starts_with(b"0       ") || head.starts_with(b"\xFFBIOSEMI")) && header_len_ok() {
        return Some(Format::Edf);
    }
    if head.starts_with(b"\x93NUMPY") {
        return Some(Format::Numpy);
    }
    if head.starts_with(b"PK\x03\x04") {
        // A ZIP whose first member is an .npy (NumPy's savez) or named .npz.
        let first_name_len = head.get(26..28).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as usize);
        let first_is_npy = head.get(30..30 + first_name_len).is_some_and(|n| n.ends_with(b".npy"));
        if first_is_npy || lower.ends_with(".npz") {
            return Some(Format::Numpy);
        }
    }
    if head.starts_with(b"MATLAB 7.3 MAT-file") || has_hdf5_signature(head) {
        return Some(Format::Hdf5);
    }
    if head.starts_with(b"MATLAB 5.0 MAT-file")
        || (head.starts_with(b"MATLAB") && head.get(126..128).is_some_and(|b| b == b"IM" || b == b"MI"))
    {
        return Some(Format::Matlab);
    }
    if lower.ends_with(".mat") && is_matlab_v4(head) {
        return Some(Format::Matlab);
    }
    // By name only `.csv`/`.tsv` (a `.txt` must hold columns of numbers: a folder's LICENSE.txt is not a record).
    if is_delimited_numbers(head) || (is_text(head) && [".csv", ".tsv"].iter().any(|e| lower.ends_with(e))) {
        return Some(Format::Csv);
    }
    None
}

fn is_text(head: &[u8]) -> bool {
    !head.is_empty()
        && head
            .iter()
            .take(4096)
            .all(|&b| b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7F).contains(&b) || b >= 0x80)
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
    } else if is_text(head) {
        "a text file without columns of numbers"
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
        assert_eq!(say(b"Dear doctor,\nthe ECG is attached.\n", 34), "a text file without columns of numbers");
        assert_eq!(say(&[0, 1, 2, 3, 0xFF], 5), "binary data of an unknown format");
        assert_eq!(say(b"0       12345", 13), "an EDF file");
    }

    #[test]
    fn research_formats_by_content() {
        let known = |name: &str, head: &[u8]| sniff(name, head, head.len() as u64);
        let mut edf = b"0       ".to_vec();
        edf.resize(256, b' ');
        edf[184..188].copy_from_slice(b"1024");
        assert_eq!(known("x", &edf), Sniffed::Known(Format::Edf));
        let mut bdf = b"\xFFBIOSEMI".to_vec();
        bdf.resize(256, b' ');
        bdf[184..188].copy_from_slice(b"768 ");
        assert_eq!(known("x.bdf", &bdf), Sniffed::Known(Format::Edf));
        assert_eq!(known("a", b"\x93NUMPY\x01\x00v\x00{'descr': '<f4'"), Sniffed::Known(Format::Numpy));
        let mut npz = b"PK\x03\x04".to_vec();
        npz.resize(26, 0);
        npz.extend_from_slice(&[5, 0, 0, 0]);
        npz.extend_from_slice(b"x.npy");
        assert_eq!(known("a.zip", &npz), Sniffed::Known(Format::Numpy));
        let mut mat5 = b"MATLAB 5.0 MAT-file, Platform: posix".to_vec();
        mat5.resize(128, b' ');
        mat5[126..128].copy_from_slice(b"IM");
        assert_eq!(known("a", &mat5), Sniffed::Known(Format::Matlab));
        let mut mat73 = b"MATLAB 7.3 MAT-file".to_vec();
        mat73.resize(520, 0);
        mat73[512..520].copy_from_slice(HDF5_SIGNATURE);
        assert_eq!(known("a.mat", &mat73), Sniffed::Known(Format::Hdf5));
        assert_eq!(known("a.h5", HDF5_SIGNATURE), Sniffed::Known(Format::Hdf5));
        // Level 4: double (P=0), 12 x 4, name "val".
        let mut v4 = Vec::new();
        for w in [0i32, 12, 4, 0, 4] {
            v4.extend_from_slice(&w.to_le_bytes());
        }
        v4.extend_from_slice(b"val\0");
        assert_eq!(known("A0001.mat", &v4), Sniffed::Known(Format::Matlab));
        assert!(matches!(known("A0001.bin", &v4), Sniffed::Unknown { .. }));
        assert_eq!(known("x", b"time,I,II\n0,0.1,0.2\n0.002,0.1,0.3\n"), Sniffed::Known(Format::Csv));
        assert_eq!(known("x", b"I;II\n0,1;0,2\n0,1;0,3\n"), Sniffed::Known(Format::Csv));
        assert_eq!(known("x", b"1\t2\t3\n4\t5\t6\n"), Sniffed::Known(Format::Csv));
        assert_eq!(known("x.csv", b"# just a note\n"), Sniffed::Known(Format::Csv));
        assert!(matches!(known("LICENSE.txt", b"Creative Commons Attribution 4.0\n"), Sniffed::Unknown { .. }));
        assert_eq!(known("x.txt", b"0.1 0.2\n0.3 0.4\n"), Sniffed::Known(Format::Csv));
        let m = unrecognised_message("report.pdf", "a PDF document");
        assert!(
            m.starts_with("report.pdf: not an ECG format") && m.contains("a PDF document") && m.contains("SCP-ECG")
        );
    }
}
