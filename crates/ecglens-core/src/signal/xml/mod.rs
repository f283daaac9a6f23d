//! XML text as the readers of HL7 aECG, GE MUSE and Philips XML get it: bytes decoded to a `String` whatever
//! the file's encoding (UTF-8, UTF-16 with or without a byte-order mark, ISO-8859-1 as MUSE declares), and the
//! root element's name (for sniffing, without parsing the document).
//!
//! Decoding is written here rather than with quick-xml's `encoding` feature (encoding_rs): the three encodings
//! these formats use are a few lines each with `std`, and the sniffer in the page then links no XML parser.
//!
//! [`tree`] parses the decoded text into a small element tree (local names, attributes, text) that the
//! readers query by path.

pub(crate) mod tree;

use std::borrow::Cow;

use super::SignalError;

/// The encoding the bytes are in: from the byte-order mark, the pattern of `<?` (UTF-16 without a mark), or the
/// `encoding="..."` of the XML declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
}

fn detect(bytes: &[u8]) -> (Encoding, usize) {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        [b'<', 0, _, 0, ..] => (Encoding::Utf16Le, 0),
        [0, b'<', 0, _, ..] => (Encoding::Utf16Be, 0),
        _ => {
            let head = &bytes[..bytes.len().min(200)];
            let declaration = head.split(|&b| b == b'>').next().unwrap_or(head).to_ascii_lowercase();
            let latin1 = [&b"iso-8859-1"[..], b"latin1", b"latin-1", b"windows-1252", b"iso8859-1"]
                .iter()
                .any(|name| declaration.windows(name.len()).any(|w| w == *name));
            (if latin1 { Encoding::Latin1 } else { Encoding::Utf8 }, 0)
        }
    }
}

fn utf16(bytes: &[u8], little_endian: bool) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err("it is UTF-16 but has an odd number of bytes (truncated?)".into());
    }
    let units = bytes.chunks_exact(2).map(|c| {
        if little_endian {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .enumerate()
        .map(|(i, c)| c.map_err(|_| format!("invalid UTF-16 at byte {}", 2 * i)))
        .collect()
}

/// The document as text. `file` names it in the error.
pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<Cow<'a, str>, SignalError> {
    let bad = |message: String| SignalError::Malformed { file: file.to_string(), format: "XML", message };
    let (encoding, skip) = detect(bytes);
    let body = &bytes[skip..];
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(body).map(Cow::Borrowed).map_err(|e| {
            bad(format!("the text is not valid UTF-8 at byte {} (and it declares no other encoding)", e.valid_up_to()))
        }),
        Encoding::Utf16Le => utf16(body, true).map(Cow::Owned).map_err(bad),
        Encoding::Utf16Be => utf16(body, false).map(Cow::Owned).map_err(bad),
        // ISO-8859-1 maps each byte to the code point of the same value.
        Encoding::Latin1 => Ok(match std::str::from_utf8(body) {
            Ok(text) if body.is_ascii() => Cow::Borrowed(text),
            _ => Cow::Owned(body.iter().map(|&b| b as char).collect()),
        }),
    }
}

/// The local name (without a namespace prefix) of the root element, read from the start of the document:
/// the XML declaration, comments, processing instructions and a DOCTYPE are skipped. `None` when the bytes do
/// not start like XML. Works on a prefix of the file (the first few kilobytes).
pub fn root_element(head: &[u8]) -> Option<String> {
    let (encoding, skip) = detect(head);
    let text: String = match encoding {
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let even = &head[skip..skip + (head.len() - skip) / 2 * 2];
            char::decode_utf16(even.chunks_exact(2).map(|c| {
                if encoding == Encoding::Utf16Le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            }))
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect()
        }
        _ => head[skip..].iter().map(|&b| b as char).collect(),
    };
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else if rest.starts_with("<!") {
            // A DOCTYPE, perhaps with an internal subset in brackets.
            let end = match (rest.find('['), rest.find('>')) {
                (Some(open), Some(close)) if open < close => rest.find("]>")? + 2,
                (_, Some(close)) => close + 1,
                _ => return None,
            };
            rest = rest[end..].trim_start();
        } else if let Some(after) = rest.strip_prefix('<') {
            let name: String = after.chars().take_while(|c| !c.is_whitespace() && !matches!(c, '>' | '/')).collect();
            if name.is_empty() {
                return None;
            }
            return Some(name.rsplit(':').next().unwrap_or(&name).to_string());
        } else {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_utf16_and_latin1() {
        assert_eq!(decode("f", b"<a>\xc3\xa9</a>").unwrap(), "<a>é</a>");
        let le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("<a>é</a>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode("f", &le).unwrap(), "<a>é</a>");
        let be: Vec<u8> = "<a/>".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode("f", &be).unwrap(), "<a/>");
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>";
        assert!(decode("f", latin).unwrap().ends_with("<a>é</a>"));
        let e = decode("x.xml", b"<a>\xff</a>").unwrap_err().to_string();
        assert!(e.contains("x.xml") && e.contains("not valid UTF-8 at byte 3"), "{e}");
        assert!(decode("f", &le[..le.len() - 1]).unwrap_err().to_string().contains("odd number"));
    }

    #[test]
    fn finds_the_root_element() {
        let muse = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\">\n<RestingECG>";
        assert_eq!(root_element(muse).as_deref(), Some("RestingECG"));
        let aecg = b"<?xml version=\"1.0\"?>\n<!-- Sample -->\n<AnnotatedECG xmlns=\"urn:hl7-org:v3\" ID=\"x\">";
        assert_eq!(root_element(aecg).as_deref(), Some("AnnotatedECG"));
        let philips: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<?xml version=\"1.0\"?><restingecgdata xmlns=\"h\">".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(root_element(&philips).as_deref(), Some("restingecgdata"));
        assert_eq!(root_element(b"<!DOCTYPE x [ <!ENTITY a \"b\"> ]><v3:foo/>").as_deref(), Some("foo"));
        assert_eq!(root_element(b"%PDF-1.4"), None);
        assert_eq!(root_element(b"<?xml version=\"1.0\""), None);
        assert_eq!(root_element(b""), None);
    }
}
