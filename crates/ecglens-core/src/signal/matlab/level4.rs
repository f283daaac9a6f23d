//! MATLAB level 4 MAT-files (MATLAB 4 and `save -v4`; what the PhysioNet/CinC challenges' `.mat` signal files
//! are), after MathWorks' "MAT-File Format" (the level 4 chapter) and scipy's reader (scipy/scipy,
//! `scipy/io/matlab/_mio4.py`).
//!
//! No file header: matrices one after another, each a 20-byte header of five 32-bit integers — `type` (decimal
//! digits MOPT: M the number format, 0 IEEE little-endian, 1 IEEE big-endian, 2–4 VAX and Cray; O 0; P the
//! number type, 0 double, 1 single, 2 int32, 3 int16, 4 uint16, 5 uint8; T 0 numeric, 1 text, 2 sparse),
//! `mrows`, `ncols`, `imagf` (1: an imaginary part follows the real one), `namlen` (the name's length with its
//! NUL) — then the name, then `mrows × ncols` numbers in column-major order.

use std::borrow::Cow;

use super::value::{element_count, shape, Class, Data, NumType, Numeric, Value, Variable};
use super::MatError;
use crate::signal::thousands;

/// Names longer than this are not names (the sniffer accepts 64; files in the wild stay far below).
const MAX_NAME_LEN: usize = 4096;

/// A matrix header, decoded.
struct Header {
    big_endian: bool,
    number: NumType,
    /// 0 numeric, 1 text, 2 sparse.
    kind: i32,
    rows: usize,
    cols: usize,
    complex: bool,
    name_len: usize,
}

/// The header at the start of `bytes` (20 bytes), in whichever byte order makes its type word valid.
fn header(bytes: &[u8]) -> Result<Header, MatError> {
    let h = bytes.get(..20).ok_or_else(|| MatError::Malformed("the data end inside a matrix header".into()))?;
    let word = |i: usize, big: bool| -> i32 {
        let b = [h[i], h[i + 1], h[i + 2], h[i + 3]];
        if big {
            i32::from_be_bytes(b)
        } else {
            i32::from_le_bytes(b)
        }
    };
    for big_endian in [false, true] {
        let ty = word(0, big_endian);
        if !(0..=4999).contains(&ty) {
            continue;
        }
        let (m, o, p, t) = (ty / 1000, (ty / 100) % 10, (ty / 10) % 10, ty % 10);
        if m != i32::from(big_endian) {
            if (2..=4).contains(&m) && o == 0 && p <= 5 && t <= 2 {
                return Err(MatError::Unsupported(format!(
                    "its numbers are in the {} format (level 4 type {ty}); ecglens reads IEEE numbers only",
                    if m == 4 { "Cray" } else { "VAX" }
                )));
            }
            continue;
        }
        if o != 0 || p > 5 || t > 2 {
            continue;
        }
        let number = [NumType::F64, NumType::F32, NumType::I32, NumType::I16, NumType::U16, NumType::U8][p as usize];
        let (rows, cols, imagf, name_len) =
            (word(4, big_endian), word(8, big_endian), word(12, big_endian), word(16, big_endian));
        let (Ok(rows), Ok(cols), Ok(name_len)) =
            (usize::try_from(rows), usize::try_from(cols), usize::try_from(name_len))
        else {
            return Err(MatError::Malformed(format!(
                "a matrix header gives negative sizes ({rows} rows, {cols} columns, a name of {name_len} bytes)"
            )));
        };
        if !matches!(imagf, 0 | 1) || name_len == 0 || name_len > MAX_NAME_LEN {
            return Err(MatError::Malformed(format!(
                "a matrix header is not valid (imaginary flag {imagf}, name length {name_len})"
            )));
        }
        return Ok(Header { big_endian, number, kind: t, rows, cols, complex: imagf == 1, name_len });
    }
    Err(MatError::Malformed(
        "it starts neither with a MATLAB 5 header (\"MATLAB 5.0 MAT-file\", 128 bytes) nor with a valid level 4 matrix header".into(),
    ))
}

/// Whether `bytes` start with a valid level 4 matrix header.
pub fn looks_like(bytes: &[u8]) -> bool {
    header(bytes).is_ok()
}

/// Parses every matrix of a level 4 file; also returns whether it is big-endian.
pub fn parse(bytes: &[u8]) -> Result<(Vec<Variable<'_>>, bool), MatError> {
    let mut variables = Vec::new();
    let mut big_endian = false;
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if !variables.is_empty() && rest.iter().all(|&b| b == 0) {
            break; // padding at the end
        }
        let where_ = format!("matrix {} (byte {})", variables.len() + 1, thousands(at));
        if rest.len() < 20 {
            return Err(MatError::Malformed(format!(
                "{where_}: the file ends inside its 20-byte header: it is truncated"
            )));
        }
        let h = header(rest).map_err(|e| e.context(&where_))?;
        big_endian = h.big_endian;
        let name_bytes = rest
            .get(20..20 + h.name_len)
            .ok_or_else(|| MatError::Malformed(format!("{where_}: the file ends inside its name: it is truncated")))?;
        let name = String::from_utf8_lossy(name_bytes).split('\0').next().unwrap_or("").to_string();
        let dims = vec![h.rows, h.cols];
        let count = element_count(&dims)?;
        let parts = if h.complex { 2 } else { 1 };
        let data_len = count.checked_mul(h.number.size()).and_then(|n| n.checked_mul(parts));
        let data_len =
            data_len.ok_or_else(|| MatError::TooLarge(format!("{where_} `{name}`: {} values", shape(&dims))))?;
        let start = 20 + h.name_len;
        let data = start.checked_add(data_len).and_then(|end| rest.get(start..end)).ok_or_else(|| {
            MatError::Malformed(format!(
                "matrix `{name}` (byte {}) says it is {} values ({} bytes), but only {} bytes follow: the file is truncated",
                thousands(at),
                shape(&dims),
                thousands(data_len),
                thousands(rest.len().saturating_sub(start))
            ))
        })?;
        let real = data.get(..count * h.number.size()).unwrap_or(data);
        let data = Data { ty: h.number, big_endian: h.big_endian, bytes: Cow::Borrowed(real) };
        let value = match h.kind {
            0 => {
                let class = match h.number {
                    NumType::F64 => Class::Double,
                    NumType::F32 => Class::Single,
                    NumType::I32 => Class::Int32,
                    NumType::I16 => Class::Int16,
                    NumType::U16 => Class::Uint16,
                    _ => Class::Uint8,
                };
                Value::Numeric(Numeric { class, dims, complex: h.complex, data })
            }
            1 => {
                let chars = (0..data.len())
                    .map(|i| data.get(i).and_then(|v| char::from_u32(v as u32)).unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect();
                Value::Char { dims, chars }
            }
            _ => Value::Unsupported { what: "sparse matrix".into() },
        };
        variables.push(Variable { name, value });
        at = at.saturating_add(start).saturating_add(data_len);
    }
    Ok((variables, big_endian))
}

/// Writes a level 4 matrix, for the unit tests.
#[cfg(test)]
pub fn write_matrix(big_endian: bool, ty: i32, rows: i32, cols: i32, name: &str, data: &[u8]) -> Vec<u8> {
    let w = |v: i32| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut out = Vec::new();
    for v in [ty, rows, cols, 0, name.len() as i32 + 1] {
        out.extend(w(v));
    }
    out.extend(name.as_bytes());
    out.push(0);
    out.extend(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_and_big_endian_matrices() {
        let le: Vec<u8> = [-245i16, 16, 237, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut f = write_matrix(false, 30, 2, 2, "val", &le);
        f.extend(write_matrix(false, 0, 1, 1, "fs", &500f64.to_le_bytes()));
        f.extend(write_matrix(false, 51, 1, 2, "id", b"ab"));
        let (vars, big) = parse(&f).unwrap();
        assert!(!big);
        let Value::Numeric(n) = &vars[0].value else { panic!() };
        assert_eq!(
            (vars[0].name.as_str(), n.class, n.data.get(1), n.data.get(3)),
            ("val", Class::Int16, Some(16.0), Some(7.0))
        );
        assert_eq!(vars[1].value.as_scalar(), Some(500.0));
        assert_eq!(vars[2].value.text_rows().unwrap(), ["ab"]);
        let be: Vec<u8> = [1.5f64, -2.0].iter().flat_map(|v| v.to_be_bytes()).collect();
        let f = write_matrix(true, 1000, 1, 2, "x", &be);
        let (vars, big) = parse(&f).unwrap();
        let Value::Numeric(n) = &vars[0].value else { panic!() };
        assert!(big);
        assert_eq!((n.data.get(0), n.data.get(1)), (Some(1.5), Some(-2.0)));
    }

    #[test]
    fn refuses_truncation_vax_and_garbage() {
        let f = write_matrix(false, 30, 12, 100, "val", &[0u8; 2400]);
        let e = parse(&f[..f.len() - 1]).unwrap_err().message().to_string();
        assert_eq!(e, "matrix `val` (byte 0) says it is 12 × 100 values (2,400 bytes), but only 2,399 bytes follow: the file is truncated");
        let e = parse(&write_matrix(false, 2000, 1, 1, "x", &[0; 8])).unwrap_err();
        assert!(matches!(e, MatError::Unsupported(ref m) if m.contains("VAX")), "{e:?}");
        assert!(!looks_like(b"hello world, this is text"));
        assert!(parse(&[0xff; 40]).is_err());
    }
}
