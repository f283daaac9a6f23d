//! MIT-format annotation files (`.atr`, LUDB's per-lead `.i` … `.v6`), from bytes.

use crate::signal::limits::MAX_ANNOTATION_BYTES;
use crate::signal::SignalError;

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
