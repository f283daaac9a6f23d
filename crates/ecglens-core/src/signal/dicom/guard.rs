//! A walk over the raw element structure before dicom-object parses it, so that a hostile file cannot make the
//! parser allocate gigabytes or recurse without end.
//!
//! dicom-parser 0.10 reserves and zero-fills a value's declared length *before* reading it
//! (`dicom-parser/src/stateful/decode.rs`, `read_value_*`; `dicom-object/src/meta.rs`, `read_str_body`), so a
//! 20-byte file declaring a 4 GB element allocates 4 GB. This walk reads the element headers in exactly the order
//! and by exactly the rules of its tokenizer (`dicom-parser/src/dataset/read.rs`, `DataSetReader::next`; VR and
//! length fields as in `dicom-encoding/src/decode/{explicit_le,implicit_le}.rs`), and refuses any value longer
//! than the bytes left and any nesting deeper than [`MAX_DEPTH`]. It allocates nothing but its stack of open
//! sequences and items (at most [`MAX_DEPTH`]).

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

/// Sequences and items nested deeper than this are refused (ECG objects nest 4 deep).
pub const MAX_DEPTH: usize = 32;

/// How the data set after the file meta group is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding {
    pub explicit_vr: bool,
    pub big_endian: bool,
}

/// What the walk learnt: the transfer syntax UID of the file meta group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub transfer_syntax: String,
}

/// The transfer syntaxes this reader accepts, by UID: (encoding, name).
pub fn encoding_of(uid: &str) -> Option<(Encoding, &'static str)> {
    Some(match uid {
        "1.2.840.10008.1.2" => (Encoding { explicit_vr: false, big_endian: false }, "Implicit VR Little Endian"),
        "1.2.840.10008.1.2.1" => (Encoding { explicit_vr: true, big_endian: false }, "Explicit VR Little Endian"),
        "1.2.840.10008.1.2.2" => (Encoding { explicit_vr: true, big_endian: true }, "Explicit VR Big Endian"),
        _ => return None,
    })
}

/// VRs whose explicit length field is 16 bits (PS3.5 7.1.2; the list of `explicit_le.rs`).
const SHORT_LENGTH_VRS: [&[u8; 2]; 21] = [
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"PN", b"SH", b"SL", b"SS",
    b"ST", b"TM", b"UI", b"UL", b"US",
];

const ITEM: Tag = Tag(0xFFFE, 0xE000);
const ITEM_END: Tag = Tag(0xFFFE, 0xE00D);
const SEQUENCE_END: Tag = Tag(0xFFFE, 0xE0DD);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);
const UNDEFINED: u32 = u32::MAX;

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    big_endian: bool,
}

impl Cursor<'_> {
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.pos.checked_add(N)?;
        let out: [u8; N] = self.bytes.get(self.pos..end)?.try_into().ok()?;
        self.pos = end;
        Some(out)
    }
    fn u16(&mut self) -> Option<u16> {
        let b = self.take::<2>()?;
        Some(if self.big_endian { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    }
    fn u32(&mut self) -> Option<u32> {
        let b = self.take::<4>()?;
        Some(if self.big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }
    fn tag(&mut self) -> Option<Tag> {
        let group = self.u16()?;
        Some(Tag(group, self.u16()?))
    }
    /// Skips a value of `len` bytes, refusing one longer than what is left.
    fn skip(&mut self, len: u32, what: &str) -> Result<(), String> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > self.remaining() {
            return Err(format!(
                "{what} declares {len} bytes at byte {} but only {} are left: the file is truncated or corrupt",
                self.pos + 128,
                self.remaining()
            ));
        }
        self.pos += len;
        Ok(())
    }
}

fn truncated(pos: usize) -> String {
    format!("the file ends in the middle of an element header at byte {}: the file is truncated", pos + 128)
}

/// Walks `after_preamble` (the file from "DICM" on). `Err` says, in words, what is wrong.
pub fn check(after_preamble: &[u8]) -> Result<Checked, String> {
    let mut c = Cursor { bytes: after_preamble, pos: 0, big_endian: false };
    if c.take::<4>() != Some(*b"DICM") {
        return Err("the 'DICM' marker at byte 128 is missing: this is not a DICOM file".into());
    }
    // File meta group: explicit VR little endian; (0002,0000) first, then elements until its length is used up.
    let group_length = meta_group_length(&mut c)?;
    let meta_start = c.pos;
    let mut transfer_syntax = None;
    while c.pos - meta_start < usize::try_from(group_length).unwrap_or(usize::MAX) {
        let (tag, _, len) = explicit_header(&mut c).ok_or_else(|| truncated(c.pos))?;
        if len == UNDEFINED {
            return Err(format!("the file meta element {tag} has an undefined length"));
        }
        let start = c.pos;
        c.skip(len, &format!("the file meta element {tag}"))?;
        if tag == Tag(0x0002, 0x0010) {
            let raw = after_preamble.get(start..c.pos).unwrap_or_default();
            transfer_syntax = Some(String::from_utf8_lossy(raw).trim_end_matches(['\0', ' ']).to_string());
        }
    }
    let transfer_syntax = transfer_syntax.ok_or("the file meta group names no transfer syntax (0002,0010)")?;
    let Some((encoding, _)) = encoding_of(&transfer_syntax) else {
        return Ok(Checked { transfer_syntax }); // the caller refuses it by name
    };
    c.big_endian = encoding.big_endian;
    walk_data_set(&mut c, encoding.explicit_vr)?;
    Ok(Checked { transfer_syntax })
}

fn meta_group_length(c: &mut Cursor) -> Result<u32, String> {
    let (tag, _, len) = explicit_header(c).ok_or_else(|| truncated(c.pos))?;
    if tag != Tag(0x0002, 0x0000) || len != 4 {
        return Err(format!("the file meta group does not start with its group length (0002,0000) but with {tag}"));
    }
    c.u32().ok_or_else(|| truncated(c.pos))
}

/// An explicit-VR element header: tag, VR (None for items and delimiters), length.
fn explicit_header(c: &mut Cursor) -> Option<(Tag, Option<[u8; 2]>, u32)> {
    let tag = c.tag()?;
    if tag.0 == 0xFFFE {
        return Some((tag, None, c.u32()?));
    }
    let vr = c.take::<2>()?;
    let len = if SHORT_LENGTH_VRS.contains(&&vr) {
        u32::from(c.u16()?)
    } else {
        c.take::<2>()?;
        c.u32()?
    };
    Some((tag, Some(vr), len))
}

#[derive(Clone, Copy, PartialEq)]
enum Open {
    Sequence,
    Item,
    PixelSequence,
}

/// The tokenizer's loop: a stack of open sequences and items, each with its end when its length is defined.
fn walk_data_set(c: &mut Cursor, explicit_vr: bool) -> Result<(), String> {
    let dict = StandardDataDictionary;
    let mut stack: Vec<(Open, Option<usize>)> = Vec::new();
    let too_deep = || format!("sequences nest deeper than {MAX_DEPTH} levels: the file is corrupt");
    loop {
        // Close every defined-length sequence or item that ends here.
        while let Some(&(_, Some(end))) = stack.last() {
            if end == c.pos {
                stack.pop();
            } else if end < c.pos {
                return Err(format!("a sequence overruns its stated length at byte {}", c.pos + 128));
            } else {
                break;
            }
        }
        let in_sequence = matches!(stack.last(), Some((Open::Sequence | Open::PixelSequence, _)));
        if in_sequence || matches!(stack.last(), Some((Open::Item, _))) && is_pixel_item(&stack) {
            if matches!(stack.last(), Some((Open::Item, _))) {
                // a pixel data fragment: its bytes are read as one value
                let Some((_, Some(end))) = stack.pop() else { return Err("undefined fragment length".into()) };
                let len = u32::try_from(end.saturating_sub(c.pos)).unwrap_or(u32::MAX);
                c.skip(len, "a pixel data fragment")?;
                continue;
            }
            let pixel = matches!(stack.last(), Some((Open::PixelSequence, _)));
            if c.remaining() < 4 && pixel && stack.len() == 1 {
                return Ok(());
            }
            let tag = c.tag().ok_or_else(|| truncated(c.pos))?;
            let len = c.u32().ok_or_else(|| truncated(c.pos))?;
            match tag {
                ITEM => {
                    let end = defined_end(c, len)?;
                    push(&mut stack, Open::Item, end).map_err(|_| too_deep())?;
                    if pixel && end.is_none() {
                        return Err("a pixel data fragment has an undefined length".into());
                    }
                }
                SEQUENCE_END => {
                    stack.pop();
                }
                other => return Err(format!("expected a sequence item at byte {} but found {other}", c.pos + 120)),
            }
            continue;
        }
        if c.remaining() < 4 {
            return Ok(()); // the tokenizer ends gracefully when the next tag cannot be read
        }
        let (tag, vr, len) = if explicit_vr {
            explicit_header(c).ok_or_else(|| truncated(c.pos))?
        } else {
            let tag = c.tag().ok_or_else(|| truncated(c.pos))?;
            (tag, None, c.u32().ok_or_else(|| truncated(c.pos))?)
        };
        let is_sq = if explicit_vr {
            vr == Some(*b"SQ")
        } else {
            tag.0 != 0xFFFE && tag != PIXEL_DATA && dict.by_tag(tag).map(|e| e.vr().relaxed()) == Some(VR::SQ)
        };
        if tag == ITEM_END {
            if !stack.is_empty() {
                stack.pop();
            }
        } else if is_sq {
            let end = defined_end(c, len)?;
            push(&mut stack, Open::Sequence, end).map_err(|_| too_deep())?;
        } else if len == UNDEFINED {
            let kind = if tag == PIXEL_DATA { Open::PixelSequence } else { Open::Sequence };
            push(&mut stack, kind, None).map_err(|_| too_deep())?;
        } else {
            c.skip(len, &format!("element {tag}"))?;
        }
    }
}

fn is_pixel_item(stack: &[(Open, Option<usize>)]) -> bool {
    stack.len() >= 2 && matches!(stack.get(stack.len() - 2), Some((Open::PixelSequence, _)))
}

fn defined_end(c: &Cursor, len: u32) -> Result<Option<usize>, String> {
    if len == UNDEFINED {
        return Ok(None);
    }
    let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
    if len_usize > c.remaining() {
        return Err(format!(
            "a sequence declares {len} bytes at byte {} but only {} are left: the file is truncated or corrupt",
            c.pos + 128,
            c.remaining()
        ));
    }
    Ok(Some(c.pos + len_usize))
}

fn push(stack: &mut Vec<(Open, Option<usize>)>, open: Open, end: Option<usize>) -> Result<(), ()> {
    if stack.len() >= MAX_DEPTH {
        return Err(());
    }
    stack.push((open, end));
    Ok(())
}
