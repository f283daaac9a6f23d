//! XLI, the compression of Philips Sierra ECG waveforms: one chunk per lead, each an 8-byte header (chunk size,
//! i32 LE; a 16-bit field of unknown use; the first delta code, i16 LE) and LZW data with 10-bit codes. The
//! decompressed bytes are the lead's 16-bit codes split into their high bytes (first half) and low bytes
//! (second half); a second-order delta decoding turns the codes into samples. Leads III, aVR, aVL and aVF are
//! stored as residuals from what I and II predict ([`reconstruct_limb_leads`]).
//!
//! Written by hand after the reference decoder `sierraecg` 0.4.0 (sixlettervariables/sierra-ecg-tools,
//! `pysierraecg/src/sierraecg/lzw.py`, `xli.py` and `lib.py`), step for step, including its quirks: a code
//! that is not yet in the table stands for the previous string plus its own first byte, whatever the code;
//! code 1023 or fewer than 10 bits left end a chunk; the delta recursion uses the previous *stored* code
//! minus 64. No crate decodes XLI. Where the reference would fail (a first code outside the table, a chunk
//! shorter than two samples, a value that does not fit in 16 bits) this returns an [`XliError`].

/// Bits per LZW code.
const CODE_BITS: u32 = 10;
/// The largest code that stands for a string; 1023 ends the chunk.
const MAX_CODE: usize = (1 << CODE_BITS) - 2;

/// What can be wrong with XLI data. `lead` is the lead's position (0-based) in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XliError {
    #[error("the XLI data ends after {available} of the {needed} bytes the header of lead {lead} announces: the file is truncated")]
    Truncated { lead: usize, needed: usize, available: usize },
    #[error("the XLI data holds {found} lead(s), the file announces {expected}: it is truncated")]
    TooFewLeads { found: usize, expected: usize },
    #[error("the XLI chunk header of lead {lead} gives a negative size ({size})")]
    NegativeSize { lead: usize, size: i32 },
    #[error("the XLI data of lead {lead} is corrupt: {what}")]
    Corrupt { lead: usize, what: String },
    #[error("the XLI data of lead {lead} decodes to {found} samples, the file announces {expected}")]
    WrongLength { lead: usize, found: String, expected: usize },
}

/// Reads 10-bit codes most significant bit first, as `LzwDecoder._read_codepoint`.
struct CodeReader<'a> {
    data: &'a [u8],
    offset: usize,
    bit_count: u32,
    bit_buffer: u32,
}

impl CodeReader<'_> {
    fn next_code(&mut self) -> Option<usize> {
        while self.bit_count <= 24 {
            if let Some(&byte) = self.data.get(self.offset) {
                self.offset += 1;
                self.bit_buffer |= u32::from(byte) << (24 - self.bit_count);
                self.bit_count += 8;
            } else if self.bit_count < CODE_BITS {
                return None;
            } else {
                break;
            }
        }
        let code = (self.bit_buffer >> (32 - CODE_BITS)) & 0xFFFF;
        self.bit_buffer <<= CODE_BITS;
        self.bit_count -= CODE_BITS;
        usize::try_from(code).ok()
    }
}

/// LZW-decompresses one chunk. `max_bytes` bounds the output; going beyond it is [`XliError::WrongLength`].
pub fn lzw_decode(data: &[u8], lead: usize, max_bytes: usize) -> Result<Vec<u8>, XliError> {
    let mut strings: Vec<Option<Vec<u8>>> = (0..=MAX_CODE).map(|c| u8::try_from(c).ok().map(|b| vec![b])).collect();
    let mut reader = CodeReader { data, offset: 0, bit_count: 0, bit_buffer: 0 };
    let mut previous: Vec<u8> = Vec::new();
    let mut next_code = 256usize;
    let mut out = Vec::new();
    while let Some(code) = reader.next_code() {
        let Some(slot) = strings.get_mut(code) else { break }; // 1023: the end of the chunk
        let string = match slot {
            Some(s) => s.clone(),
            None => {
                let Some(&first) = previous.first() else {
                    return Err(XliError::Corrupt {
                        lead,
                        what: format!("it starts with code {code}, which stands for nothing yet"),
                    });
                };
                let mut s = previous.clone();
                s.push(first);
                *slot = Some(s.clone());
                s
            }
        };
        if let (Some(&first), false) = (string.first(), previous.is_empty()) {
            if let Some(entry) = strings.get_mut(next_code) {
                let mut s = previous.clone();
                s.push(first);
                *entry = Some(s);
                next_code += 1;
            }
        }
        if out.len().saturating_add(string.len()) > max_bytes {
            return Err(XliError::WrongLength { lead, found: "more".into(), expected: max_bytes / 2 });
        }
        out.extend_from_slice(&string);
        previous = string;
    }
    Ok(out)
}

/// The decompressed bytes (high bytes, then low bytes) to 16-bit codes, then the delta decoding of `xli.py`:
/// the first two codes are samples; after that `z = 2y − x − last`, with `last` the previous code minus 64 and
/// `first` (from the chunk header) for the first step.
pub fn decode_deltas(mut bytes: Vec<u8>, first: i16, lead: usize) -> Result<Vec<i16>, XliError> {
    if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    let n = bytes.len() / 2;
    let (high, low) = bytes.split_at(n);
    let mut codes: Vec<i32> = high.iter().zip(low).map(|(&h, &l)| i32::from(i16::from_be_bytes([h, l]))).collect();
    let (Some(&x0), Some(&y0)) = (codes.first(), codes.get(1)) else {
        return Err(XliError::Corrupt { lead, what: format!("it decodes to {n} value(s), fewer than two") });
    };
    let (mut x, mut y, mut last) = (x0, y0, i32::from(first));
    for code in codes.iter_mut().skip(2) {
        let z = (y + y) - x - last; // |x|, |y|, |last| < 2^16: no overflow in i32
        last = *code - 64;
        *code = z;
        x = y;
        y = z;
        if i16::try_from(z).is_err() {
            return Err(XliError::Corrupt { lead, what: format!("a sample ({z}) does not fit in 16 bits") });
        }
    }
    Ok(codes.into_iter().map(|v| i16::try_from(v).unwrap_or(0)).collect())
}

/// Decodes the first `n_leads` chunks of `data`, each to exactly `n_samples` samples (later chunks, such as the
/// unused channels of a 16-channel cart, are not read).
pub fn decode(data: &[u8], n_leads: usize, n_samples: usize) -> Result<Vec<Vec<i16>>, XliError> {
    let mut leads = Vec::with_capacity(n_leads.min(64));
    let mut offset = 0usize;
    // Two bytes per sample, plus the padding byte of an odd count.
    let max_bytes = n_samples.saturating_mul(2).saturating_add(1);
    for lead in 0..n_leads {
        let Some(header) = data.get(offset..offset.saturating_add(8)) else {
            if offset >= data.len() {
                return Err(XliError::TooFewLeads { found: lead, expected: n_leads });
            }
            return Err(XliError::Truncated { lead, needed: 8, available: data.len() - offset });
        };
        let size = i32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let first = i16::from_le_bytes([header[6], header[7]]);
        let size = usize::try_from(size).map_err(|_| XliError::NegativeSize { lead, size })?;
        offset += 8;
        let end = offset.saturating_add(size);
        let Some(chunk) = data.get(offset..end) else {
            return Err(XliError::Truncated { lead, needed: size, available: data.len().saturating_sub(offset) });
        };
        offset = end;
        let bytes = lzw_decode(chunk, lead, max_bytes)?;
        let samples = decode_deltas(bytes, first, lead)?;
        if samples.len() != n_samples {
            return Err(XliError::WrongLength { lead, found: samples.len().to_string(), expected: n_samples });
        }
        leads.push(samples);
    }
    Ok(leads)
}

/// Leads III, aVR, aVL, aVF from the stored residuals and I and II, as `sierraecg.read_file` does (numpy int16
/// arithmetic, floor division by 2; aVL and aVF use the reconstructed III):
/// III = II − I − r₃, aVR = −r_aVR − ⌊(I + II)/2⌋, aVL = ⌊(I − III)/2⌋ − r_aVL, aVF = ⌊(II + III)/2⌋ − r_aVF.
/// `leads` starts with I, II, III, aVR, aVL, aVF, all of one length; otherwise nothing changes.
pub fn reconstruct_limb_leads(leads: &mut [Vec<i16>]) {
    let [one, two, three, avr, avl, avf, ..] = leads else { return };
    let n = one.len();
    if [&*two, &*three, &*avr, &*avl, &*avf].iter().any(|l| l.len() != n) {
        return;
    }
    let half = |v: i16| i32::from(v).div_euclid(2);
    // `as i16` wraps, as numpy's int16 does; real files stay far inside 16 bits.
    for t in 0..n {
        let (i, ii) = (one[t], two[t]);
        let iii = ii.wrapping_sub(i).wrapping_sub(three[t]);
        three[t] = iii;
        avr[t] = (i32::from(avr[t].wrapping_neg()) - half(i.wrapping_add(ii))) as i16;
        avl[t] = (half(i.wrapping_sub(iii)) - i32::from(avl[t])) as i16;
        avf[t] = (half(ii.wrapping_add(iii)) - i32::from(avf[t])) as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs 10-bit codes most significant bit first, padded with zero bits.
    fn pack(codes: &[u16]) -> Vec<u8> {
        let mut bits: Vec<bool> = Vec::new();
        for &c in codes {
            bits.extend((0..10).rev().map(|k| (c >> k) & 1 == 1));
        }
        bits.chunks(8)
            .map(|b| b.iter().enumerate().fold(0u8, |acc, (k, &on)| acc | (u8::from(on) << (7 - k))))
            .collect()
    }

    #[test]
    fn lzw_decodes_literals_table_codes_and_the_kwkwk_case() {
        // "ab" then code 256 (= "ab"), then 259 before it exists (KwKwK: previous "ab" + 'a').
        let data = pack(&[97, 98, 256, 259]);
        assert_eq!(lzw_decode(&data, 0, 100).unwrap(), b"abababa");
        // Code 1023 ends the chunk; whatever follows is ignored.
        let data = pack(&[120, 1023, 121]);
        assert_eq!(lzw_decode(&data, 0, 100).unwrap(), b"x");
        assert_eq!(lzw_decode(&[], 0, 100).unwrap(), b"");
        // A first code outside the table, and output beyond the bound.
        assert!(matches!(lzw_decode(&pack(&[300]), 0, 100), Err(XliError::Corrupt { .. })));
        assert!(matches!(lzw_decode(&pack(&[97, 98, 256, 259]), 0, 6), Err(XliError::WrongLength { .. })));
    }

    #[test]
    fn deltas_follow_the_reference_recursion() {
        // Codes 10, 12, 70, 64, 66 (high bytes 0, low bytes as given), first = 2:
        // z2 = 2*12 - 10 - 2 = 12; last = 70-64 = 6; z3 = 2*12 - 12 - 6 = 6; last = 0; z4 = 2*6 - 12 - 0 = 0.
        let bytes = vec![0, 0, 0, 0, 0, 10, 12, 70, 64, 66];
        assert_eq!(decode_deltas(bytes, 2, 0).unwrap(), vec![10, 12, 12, 6, 0]);
        // Negative codes: 0xFF 0xF6 is -10.
        assert_eq!(decode_deltas(vec![0xFF, 0, 0xF6, 5], 0, 0).unwrap(), vec![-10, 5]);
        // An odd count gets a zero low byte; fewer than two values is refused.
        assert_eq!(decode_deltas(vec![1, 2, 3], 0, 0).unwrap(), vec![0x0103, 0x0200]);
        assert!(decode_deltas(vec![1], 0, 0).is_err());
        // A runaway recursion outside 16 bits.
        let bytes = vec![0x80, 0x7F, 0x7F, 0x00, 0xFF, 0xFF];
        assert!(decode_deltas(bytes, 0x7FFF, 0).unwrap_err().to_string().contains("16 bits"));
    }

    fn chunk(codes: &[u16], first: i16) -> Vec<u8> {
        let body = pack(codes);
        let mut out = (body.len() as i32).to_le_bytes().to_vec();
        out.extend_from_slice(&1i16.to_le_bytes());
        out.extend_from_slice(&first.to_le_bytes());
        out.extend(body);
        out
    }

    #[test]
    fn decodes_chunks_end_to_end_and_refuses_short_streams() {
        // One lead of 2 samples: bytes [0, 0, 5, 7] → codes 5, 7.
        let lead = chunk(&[0, 0, 5, 7], 0);
        let two = [lead.clone(), lead.clone()].concat();
        assert_eq!(decode(&two, 2, 2).unwrap(), vec![vec![5, 7], vec![5, 7]]);
        assert_eq!(decode(&two, 1, 2).unwrap(), vec![vec![5, 7]]);
        assert_eq!(decode(&two, 3, 2).unwrap_err(), XliError::TooFewLeads { found: 2, expected: 3 });
        let cut = &two[..two.len() - 1];
        let e = decode(cut, 2, 2).unwrap_err();
        assert!(matches!(e, XliError::Truncated { lead: 1, .. }), "{e:?}");
        assert!(e.to_string().contains("truncated"));
        assert!(matches!(decode(&two[..3], 1, 2), Err(XliError::Truncated { lead: 0, needed: 8, .. })));
        assert!(matches!(decode(&lead, 1, 3), Err(XliError::WrongLength { .. })));
        let mut negative = lead.clone();
        negative[3] = 0x80;
        assert!(matches!(decode(&negative, 1, 2), Err(XliError::NegativeSize { .. })));
    }

    #[test]
    fn limb_leads_are_rebuilt_with_floor_division() {
        let mut leads = vec![vec![3, -3], vec![4, 0], vec![1, 0], vec![0, 1], vec![0, 0], vec![0, -1]];
        reconstruct_limb_leads(&mut leads);
        // III = 4-3-1 = 0 | 0+3-0 = 3; aVR = -0 - floor(7/2)=-3 | -1 - floor(-3/2) = -1+2 = 1;
        // aVL = floor((3-0)/2) - 0 = 1 | floor((-3-3)/2) = -3; aVF = floor((4+0)/2) = 2 | floor(3/2) + 1 = 2.
        assert_eq!(leads[2], vec![0, 3]);
        assert_eq!(leads[3], vec![-3, 1]);
        assert_eq!(leads[4], vec![1, -3]);
        assert_eq!(leads[5], vec![2, 2]);
        let mut short = vec![vec![1], vec![2]];
        reconstruct_limb_leads(&mut short);
        assert_eq!(short, vec![vec![1], vec![2]]);
    }
}
