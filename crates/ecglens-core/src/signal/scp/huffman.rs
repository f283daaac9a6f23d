//! Section 2 (Huffman tables) and the decoding of one lead's bit stream into values (before differences).
//!
//! Three codings: no section 2 = no compression (16-bit little-endian values); table count 19999 = the
//! standard's default table; otherwise the tables the file carries (codes stored bit-reversed, table mode 0 =
//! switch table). The default table: 0 → `0`; ±k for k = 1..8 → k ones, a zero, a sign bit (1 = negative);
//! nine ones then `0` + 8 bits or `1` + 16 bits (two's complement) for any other value.

use std::collections::HashMap;

use super::sections::{i16_at, u16_at, u32_at, u8_at};

/// The standard's number for "use the default table".
pub(super) const DEFAULT_TABLE: u16 = 19999;

/// How the values of sections 5 and 6 are stored.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Coding {
    /// No section 2: 16-bit little-endian values.
    Uncompressed,
    /// Table 19999.
    Default,
    /// The tables of section 2 (the first is in use at the start of each lead).
    Tables(Vec<Table>),
}

impl Coding {
    pub fn describe(&self) -> String {
        match self {
            Coding::Uncompressed => "uncompressed".into(),
            Coding::Default => "default Huffman table".into(),
            Coding::Tables(t) if t.len() == 1 => "1 Huffman table from the file".into(),
            Coding::Tables(t) => format!("{} Huffman tables from the file", t.len()),
        }
    }
}

/// One code of a table.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Code {
    /// Number of bits of the code itself.
    prefix_bits: u8,
    /// Code plus the value bits that follow it (equal to `prefix_bits` when the code stands for `value`).
    total_bits: u8,
    /// 1 = a value; 0 = switch to table `value`.
    mode: u8,
    value: i16,
}

/// A table: codes by (length, bits as read, first bit most significant).
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Table {
    codes: HashMap<(u8, u32), Code>,
    max_prefix_bits: u8,
}

/// The longest code ecglens accepts (the standard allows 32-bit codes).
const MAX_CODE_BITS: u8 = 32;

/// Reads section 2's content.
pub(super) fn parse_section2(content: &[u8]) -> Result<Coding, String> {
    let n_tables = u16_at(content, 0).ok_or("section 2 is empty: it should start with the number of tables")?;
    if n_tables == DEFAULT_TABLE {
        return Ok(Coding::Default);
    }
    if n_tables == 0 {
        return Err("section 2 holds no Huffman table".into());
    }
    let mut at = 2usize;
    let mut tables = Vec::new();
    for t in 1..=n_tables {
        let n_codes = u16_at(content, at).ok_or_else(|| format!("Huffman table {t} of {n_tables} is missing"))?;
        at += 2;
        let needed = usize::from(n_codes) * 9;
        if content.len().saturating_sub(at) < needed {
            return Err(format!(
                "Huffman table {t} should hold {n_codes} codes ({needed} bytes) but section 2 ends first: the file is truncated"
            ));
        }
        let mut table = Table::default();
        for c in 1..=n_codes {
            let (Some(prefix_bits), Some(total_bits), Some(mode), Some(value), Some(stored)) = (
                u8_at(content, at),
                u8_at(content, at + 1),
                u8_at(content, at + 2),
                i16_at(content, at + 3),
                u32_at(content, at + 5),
            ) else {
                return Err(format!("Huffman table {t}, code {c} is cut off"));
            };
            at += 9;
            if prefix_bits == 0
                || prefix_bits > MAX_CODE_BITS
                || total_bits < prefix_bits
                || total_bits - prefix_bits > MAX_CODE_BITS
            {
                return Err(format!(
                    "Huffman table {t}, code {c} has an impossible length ({prefix_bits} code bits, {total_bits} in all)"
                ));
            }
            // The file stores the code with its first bit in the least significant place.
            let mut bits = 0u32;
            for k in 0..prefix_bits {
                bits = (bits << 1) | ((stored >> k) & 1);
            }
            let code = Code { prefix_bits, total_bits, mode, value };
            if table.codes.insert((prefix_bits, bits), code).is_some() {
                return Err(format!("Huffman table {t} has two entries for the same code (code {c})"));
            }
            table.max_prefix_bits = table.max_prefix_bits.max(prefix_bits);
        }
        tables.push(table);
    }
    Ok(Coding::Tables(tables))
}

/// Why a lead could not be decoded.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum DecodeError {
    /// The bytes ran out after this many values.
    Ended { decoded: usize },
    /// No code of the current table matches the bits at this bit offset.
    NoCode { bit: usize },
    /// A switch to a table the file does not have.
    NoTable { table: i16 },
}

struct Bits<'a> {
    data: &'a [u8],
    bit: usize,
}

impl Bits<'_> {
    fn next(&mut self) -> Option<u32> {
        let byte = *self.data.get(self.bit / 8)?;
        let b = (byte >> (7 - (self.bit % 8))) & 1;
        self.bit += 1;
        Some(u32::from(b))
    }

    /// `n` (≤ 32) bits as a two's-complement number.
    fn signed(&mut self, n: u8) -> Option<i64> {
        if n == 0 {
            return Some(0);
        }
        let mut v: i64 = 0;
        for _ in 0..n {
            v = (v << 1) | i64::from(self.next()?);
        }
        if v >= 1i64 << (n - 1) {
            v -= 1i64 << n;
        }
        Some(v)
    }
}

/// Decodes `n` values from one lead's bytes.
pub(super) fn decode(coding: &Coding, data: &[u8], n: usize) -> Result<Vec<i64>, DecodeError> {
    // Every value takes at least one bit (two bytes uncompressed): no more values than that can be in `data`.
    let most = match coding {
        Coding::Uncompressed => data.len() / 2,
        _ => data.len().saturating_mul(8),
    };
    let mut out = Vec::with_capacity(n.min(most));
    match coding {
        Coding::Uncompressed => {
            for k in 0..n {
                let v = i16_at(data, k.saturating_mul(2)).ok_or(DecodeError::Ended { decoded: k })?;
                out.push(i64::from(v));
            }
        }
        Coding::Default => {
            let mut bits = Bits { data, bit: 0 };
            while out.len() < n {
                let ended = DecodeError::Ended { decoded: out.len() };
                let mut ones = 0u8;
                while ones < 9 {
                    if bits.next().ok_or(ended.clone())? == 0 {
                        break;
                    }
                    ones += 1;
                }
                let v = match ones {
                    0 => 0,
                    1..=8 => {
                        let negative = bits.next().ok_or(ended.clone())? == 1;
                        if negative {
                            -i64::from(ones)
                        } else {
                            i64::from(ones)
                        }
                    }
                    _ => {
                        let width = if bits.next().ok_or(ended.clone())? == 1 { 16 } else { 8 };
                        bits.signed(width).ok_or(ended)?
                    }
                };
                out.push(v);
            }
        }
        Coding::Tables(tables) => {
            let mut bits = Bits { data, bit: 0 };
            let mut current = tables.first().ok_or(DecodeError::NoTable { table: 1 })?;
            while out.len() < n {
                let ended = DecodeError::Ended { decoded: out.len() };
                let start = bits.bit;
                let mut acc = 0u32;
                let mut found = None;
                for len in 1..=current.max_prefix_bits {
                    acc = (acc << 1) | bits.next().ok_or(ended.clone())?;
                    if let Some(code) = current.codes.get(&(len, acc)) {
                        found = Some(*code);
                        break;
                    }
                }
                let code = found.ok_or(DecodeError::NoCode { bit: start })?;
                if code.mode == 0 {
                    let index = usize::try_from(i32::from(code.value) - 1).ok();
                    current = index.and_then(|i| tables.get(i)).ok_or(DecodeError::NoTable { table: code.value })?;
                    continue;
                }
                let extra = code.total_bits - code.prefix_bits;
                let v = if extra > 0 { bits.signed(extra).ok_or(ended)? } else { 0 };
                out.push(v.saturating_add(i64::from(code.value)));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Packs bits ("0110 1...", blanks ignored) into bytes, zero-padded.
    pub fn pack(bits: &str) -> Vec<u8> {
        let bits: Vec<u8> = bits.bytes().filter(|b| *b == b'0' || *b == b'1').map(|b| b - b'0').collect();
        bits.chunks(8).map(|c| c.iter().enumerate().fold(0u8, |acc, (i, b)| acc | (b << (7 - i)))).collect()
    }

    /// Encodes values with the default table (the inverse of `decode`), for tests.
    pub fn encode_default(values: &[i64]) -> Vec<u8> {
        let mut s = String::new();
        for &v in values {
            if v == 0 {
                s.push('0');
            } else if v.abs() <= 8 {
                s.push_str(&"1".repeat(v.unsigned_abs() as usize));
                s.push('0');
                s.push(if v < 0 { '1' } else { '0' });
            } else {
                s.push_str("111111111");
                let (flag, width) = if (-128..=127).contains(&v) { ('0', 8) } else { ('1', 16) };
                s.push(flag);
                let u = (v as i32 as u32) & ((1u32 << width) - 1);
                s.push_str(&format!("{u:0w$b}", w = width));
            }
        }
        pack(&s)
    }

    #[test]
    fn default_table_values() {
        let values = [0, 1, -1, 2, -8, 8, 9, -9, 127, -128, 128, -129, 32767, -32768, 0];
        assert_eq!(decode(&Coding::Default, &encode_default(&values), values.len()).unwrap(), values);
        // "0" "100" "101" "1100": 0, 1, -1, 2.
        assert_eq!(decode(&Coding::Default, &pack("0 100 101 1100"), 4).unwrap(), [0, 1, -1, 2]);
    }

    #[test]
    fn a_stream_that_runs_out_says_how_far_it_got() {
        let data = encode_default(&[5, 5, 5]);
        assert_eq!(decode(&Coding::Default, &data, 10), Err(DecodeError::Ended { decoded: 3 + (8 * data.len() - 21) }));
        assert_eq!(decode(&Coding::Default, &[0xff], 1), Err(DecodeError::Ended { decoded: 0 }));
        assert_eq!(decode(&Coding::Uncompressed, &[1, 0, 2], 2), Err(DecodeError::Ended { decoded: 1 }));
        assert_eq!(decode(&Coding::Uncompressed, &[1, 0, 0xfe, 0xff], 2).unwrap(), [1, -2]);
    }

    fn entry(prefix: u8, total: u8, mode: u8, value: i16, code_msb_first: &str) -> Vec<u8> {
        // Stored bit-reversed: the first bit of the code in the least significant place.
        let stored = code_msb_first.bytes().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(b - b'0') << i));
        let mut v = vec![prefix, total, mode];
        v.extend_from_slice(&value.to_le_bytes());
        v.extend_from_slice(&stored.to_le_bytes());
        v
    }

    #[test]
    fn tables_from_the_file_with_a_switch() {
        // Table 1: "0" = 0, "10" = +1, "110" + 8 bits = raw value, "111" = switch to table 2.
        // Table 2: "1" = 5, "0" = switch to table 1.
        let mut s2 = 2u16.to_le_bytes().to_vec();
        s2.extend_from_slice(&4u16.to_le_bytes());
        s2.extend(entry(1, 1, 1, 0, "0"));
        s2.extend(entry(2, 2, 1, 1, "10"));
        s2.extend(entry(3, 11, 1, 0, "110"));
        s2.extend(entry(3, 3, 0, 2, "111"));
        s2.extend_from_slice(&2u16.to_le_bytes());
        s2.extend(entry(1, 1, 1, 5, "1"));
        s2.extend(entry(1, 1, 0, 1, "0"));
        let coding = parse_section2(&s2).unwrap();
        let data = pack("0 10 110 11111110 111 1 1 0 10");
        assert_eq!(decode(&coding, &data, 6).unwrap(), [0, 1, -2, 5, 5, 1]);
        // A code that is in no table.
        let mut s2 = 1u16.to_le_bytes().to_vec();
        s2.extend_from_slice(&1u16.to_le_bytes());
        s2.extend(entry(2, 2, 1, 3, "01"));
        let coding = parse_section2(&s2).unwrap();
        assert_eq!(decode(&coding, &pack("01 11"), 2), Err(DecodeError::NoCode { bit: 2 }));
        // A switch to a missing table.
        let mut s2 = 1u16.to_le_bytes().to_vec();
        s2.extend_from_slice(&1u16.to_le_bytes());
        s2.extend(entry(1, 1, 0, 7, "1"));
        let coding = parse_section2(&s2).unwrap();
        assert_eq!(decode(&coding, &pack("1"), 1), Err(DecodeError::NoTable { table: 7 }));
    }

    #[test]
    fn broken_tables_are_refused() {
        assert_eq!(parse_section2(&19999u16.to_le_bytes()).unwrap(), Coding::Default);
        assert!(parse_section2(&[]).unwrap_err().contains("empty"));
        assert!(parse_section2(&[0, 0]).unwrap_err().contains("no Huffman table"));
        let mut s2 = 1u16.to_le_bytes().to_vec();
        s2.extend_from_slice(&300u16.to_le_bytes());
        assert!(parse_section2(&s2).unwrap_err().contains("truncated"));
        let mut s2 = 1u16.to_le_bytes().to_vec();
        s2.extend_from_slice(&1u16.to_le_bytes());
        s2.extend(entry(40, 40, 1, 0, "1"));
        assert!(parse_section2(&s2).unwrap_err().contains("impossible length"));
    }
}
